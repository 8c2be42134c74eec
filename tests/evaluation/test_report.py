"""The batch HTML report: every section present, plots inline, no external resources, honest empty states."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evaluation.report import SECTIONS, section_ids, write_report
from evaluation.reviewed import ReviewedSuggestion
from serving.batch.local import run_local
from tests.serving.batch.data import encounters, write_jsonl

STUB = "tests.serving.batch.stub_engine:make_engine"


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    inp = write_jsonl(folder / "in.jsonl", encounters(60))
    run_local(inp, folder / "out", engine_spec=STUB, chunk_size=20, workers=0, progress=False)
    return folder / "out"


def test_report_has_every_section_and_opens_offline(audited: Path, tmp_path: Path) -> None:
    reviewed = [
        ReviewedSuggestion("ICD10CM", "E11.9", "auto", "accepted"),
        ReviewedSuggestion("CPT", "99214", "review", "edited", "99213"),
    ]
    html = write_report(audited, tmp_path / "report.html", reviewed=reviewed).read_text(encoding="utf-8")
    assert list(section_ids(html)) == [s for s, _ in SECTIONS]
    # plotly inlined once; nothing fetched from the network
    assert html.count("Plotly.newPlot") >= 4
    assert len(re.findall(r"<script[^>]*\bsrc=", html)) == 0
    assert not re.search(r"""<link[^>]+href=["']https?://""", html)
    assert "E000" in html  # top-risk encounters are listed by id
    assert "DR0" in html and "ALL (group)" in html  # E/M per provider against the group
    assert "HCC327" in html  # the recapture gap of every synthetic patient (CKD 4 coded in 2025)
    assert "auto-tier suggestions coders left standing" in html


def test_report_says_plainly_when_no_reviewed_decisions_exist(audited: Path, tmp_path: Path) -> None:
    html = write_report(audited, tmp_path / "report.html").read_text(encoding="utf-8")
    assert list(section_ids(html)) == [s for s, _ in SECTIONS]
    assert html.count("No reviewed decisions exist for this report") == 2
    assert "Hello" not in html and "Follow-up visit" not in html  # no note text in the report
