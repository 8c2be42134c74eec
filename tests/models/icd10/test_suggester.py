"""The ICD-10-CM suggester end to end on a tiny bundle: parity, assertion, evidence, unseen codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from datasets.schema import Encounter
from models.errors import BundleError
from models.icd10.dense import DENSE_FILES
from models.icd10.suggester import Icd10Suggester
from tests.models.icd10.conftest import CONDITIONS, UNSEEN_CODE, TinyModel, make_notes


def test_suggester_onnx_matches_reference(tiny_model: TinyModel) -> None:
    for note in make_notes(15, seed=99):
        onnx_out = tiny_model.suggester.suggest(note)
        ref_out = tiny_model.reference.suggest_text(note.text)
        assert [s.code for s in onnx_out] == [s.code for s in ref_out]
        gap = max((abs(a.probability - b.probability) for a, b in zip(onnx_out, ref_out, strict=True)), default=0.0)
        assert gap < 1e-4


def test_suggester_finds_affirmed_conditions(tiny_model: TinyModel) -> None:
    note = Encounter(encounter_id="x", text="The patient has pneumonia and essential hypertension.")
    codes = [s.code for s in tiny_model.suggester.suggest(note)[:3]]
    assert {"J18.9", "I10"} <= set(codes)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The patient denies fever.", "R50.9"),
        ("No evidence of pneumonia on the chest film.", "J18.9"),
        ("Family history of type 2 diabetes mellitus in her mother.", "E11.9"),
        ("Possible asthma, to be confirmed by spirometry.", "J45.909"),
        ("Return if headache recurs.", "R51.9"),
    ],
    ids=["negated", "negated-no-evidence", "family", "uncertain", "hypothetical"],
)
def test_suggester_ignores_non_affirmed_mentions(tiny_model: TinyModel, text: str, code: str) -> None:
    suggestions = tiny_model.suggester.suggest(Encounter(encounter_id="x", text=text))
    assert code not in [s.code for s in suggestions]


def test_suggester_evidence_offsets_point_at_text(tiny_model: TinyModel) -> None:
    text = "Vital signs were stable.\nShe was admitted with urinary tract infection and a mild cough."
    for s in tiny_model.suggester.suggest(Encounter(encounter_id="x", text=text)):
        assert text[s.evidence.start : s.evidence.end] == s.evidence.quote
        assert 0 <= s.evidence.start < s.evidence.end <= len(text)
    best = {s.code: s for s in tiny_model.suggester.suggest(Encounter(encounter_id="x", text=text))}
    assert best["N39.0"].evidence.quote == "urinary tract infection"
    assert best["R05.9"].evidence.quote == "cough"


def test_suggester_reaches_code_absent_from_training(tiny_model: TinyModel) -> None:
    assert all(UNSEEN_CODE not in (n.gold.icd10cm if n.gold else []) for n in make_notes(60, seed=1))
    text = "A 37-year-old farmer was admitted with brucellosis."
    suggestions = tiny_model.suggester.suggest(Encounter(encounter_id="x", text=text))
    found = [s for s in suggestions if s.code == UNSEEN_CODE]
    assert found, [s.code for s in suggestions]
    assert found[0].evidence.quote == "brucellosis"
    assert found[0].source == "knowledge"


def test_suggester_probabilities_and_tiers(tiny_model: TinyModel) -> None:
    out = tiny_model.suggester.suggest(make_notes(1, seed=5)[0])
    probs = np.array([s.probability for s in out])
    assert ((probs >= 0) & (probs <= 1)).all()
    auto = tiny_model.suggester.core.auto_threshold
    assert all(s.tier == ("auto" if s.probability >= auto else "review") for s in out)
    assert [s.rank for s in out] == list(range(1, len(out) + 1))
    assert set(CONDITIONS)  # the fixture's vocabulary is what the notes use


def test_suggester_serving_path_imports_no_torch_or_sklearn() -> None:
    code = (
        "import sys\n"
        "import models.icd10.suggester, models.bundle, evaluation.icd10, evaluation.metrics\n"
        "bad = sorted(m for m in ('torch', 'sklearn', 'training') if m in sys.modules)\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cross_validation_reports_candidate_recall(tiny_model: TinyModel) -> None:
    metrics = tiny_model.suggester.bundle.manifest["metrics"]
    # Every gold code the ranked lists recover was a candidate first, so candidate recall bounds recall@15.
    assert metrics["recall_at_15"] <= metrics["candidate_recall"] <= 1.0
    assert metrics["candidate_recall"] > 0.9  # the templated notes name every gold condition


def test_bundle_without_dense_files_asks_for_retraining(tiny_model: TinyModel, tmp_path: Path) -> None:
    # A bundle exported before dense retrieval: no encoder files, no dense settings.
    old = tmp_path / "old_bundle"
    shutil.copytree(tiny_model.folder, old)
    manifest = json.loads((old / "manifest.json").read_text(encoding="utf-8"))
    for name in DENSE_FILES:
        del manifest["files"][name]
        (old / name).unlink()
    del manifest["settings"]["dense"]
    (old / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(BundleError, match=r"query_pieces\.npy.*medcode train"):
        Icd10Suggester.load(old)
