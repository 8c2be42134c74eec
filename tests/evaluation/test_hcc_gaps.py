"""HCC gap scan over a batch audit's rows: recapture, documented-never-coded, hierarchies and RAF via the code sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.hcc_gaps import _collect, scan_audit, scan_patient
from serving.batch.local import write_part


def _row(patient: str, date: str, dx: list[str], *, history: dict[str, list[str]] | None = None, flags=None, **kw):
    row = {
        "input_index": kw.pop("index", 0),
        "encounter_id": kw.pop("encounter_id", f"{patient}-{date}"),
        "patient_id": patient,
        "date_of_service": date,
        "age": kw.pop("age", 72),
        "sex": kw.pop("sex", "F"),
        "status": "ok",
        "billed_dx": json.dumps(dx),
        "history_dx": json.dumps(history or {}),
        "flags": json.dumps(flags or []),
    }
    row.update(kw)
    return row


def _models(codesets):
    return lambda year: codesets.hcc("V28", year)


def test_hcc_gaps_finds_a_condition_coded_last_year_and_not_this_year(codesets) -> None:
    patients = _collect([_row("P1", "2026-03-01", ["I10"], history={"2025-05-01": ["E11.9", "I10"]})])
    result = scan_patient("P1", patients["P1"], _models(codesets))
    assert result is not None
    assert [(g.hcc, g.kind, g.last_coded_year) for g in result.gaps] == [("HCC38", "recapture", 2025)]
    expected = codesets.hcc("V28", 2027)
    before = expected.raf(["I10"], age=72, sex="F").risk_score
    after = expected.raf(["I10", "E11.9"], age=72, sex="F").risk_score
    assert result.raf_delta is not None and result.raf_delta > 0
    assert result.raf_delta == pytest.approx(after - before, abs=1e-4)


def test_hcc_gaps_counts_a_recaptured_condition_as_closed(codesets) -> None:
    rows = [
        _row("P1", "2026-02-01", ["I10"], history={"2025-05-01": ["E11.9"]}),
        _row("P1", "2026-06-01", ["E11.9"], history={"2025-05-01": ["E11.9"]}),
    ]
    patients = _collect(rows)
    assert scan_patient("P1", patients["P1"], _models(codesets)) is None


def test_hcc_gaps_treats_a_higher_hierarchy_hcc_as_capturing_the_lower(codesets) -> None:
    # CKD stage 3b (N18.32, HCC328) last year; stage 4 (N18.4, HCC327, which outranks HCC328) this year.
    model = codesets.hcc("V28", 2027)
    assert model.hccs_for("N18.32") == ["HCC328"] and model.hccs_for("N18.4") == ["HCC327"]
    patients = _collect([_row("P1", "2026-02-01", ["N18.4"], history={"2025-05-01": ["N18.32"]})])
    assert scan_patient("P1", patients["P1"], _models(codesets)) is None


def test_hcc_gaps_reports_documented_never_coded_from_engine_flags(codesets) -> None:
    flag = {"type": "hcc_gap", "hcc": "HCC38", "icd10cm": "E11.9", "confidence": 0.9}
    patients = _collect([_row("P1", "2026-02-01", ["I10"], flags=[flag])])
    result = scan_patient("P1", patients["P1"], _models(codesets))
    assert result is not None
    assert [(g.hcc, g.kind, g.documented_this_year) for g in result.gaps] == [("HCC38", "documented_never_coded", True)]


def test_hcc_gaps_gives_no_raf_without_sex(codesets) -> None:
    patients = _collect([_row("P1", "2026-02-01", [], sex="U", history={"2025-01-02": ["E11.9"]})])
    result = scan_patient("P1", patients["P1"], _models(codesets))
    assert result is not None and result.raf_delta is None and "sex" in result.raf_note


def test_hcc_gaps_scans_a_parquet_and_totals_raf(tmp_path: Path, codesets) -> None:
    rows = [
        _row("P1", "2026-03-01", ["I10"], history={"2025-05-01": ["E11.9"]}, index=0),
        _row("P2", "2026-03-02", ["I10"], index=1),
        _row("P3", "2026-03-03", [], history={"2025-01-01": ["N18.4"]}, index=2),
    ]
    write_part(rows, tmp_path / "audit.parquet")
    scan = scan_audit(tmp_path / "audit.parquet", codesets=codesets)
    totals = scan.totals()
    assert totals["patients_scanned"] == 3 and totals["patients_with_gaps"] == 2 and totals["recapture"] == 2
    assert totals["raf_delta_total"] == pytest.approx(sum(p.raf_delta or 0.0 for p in scan.patients), abs=1e-4)
    written = scan.write(tmp_path)
    assert (tmp_path / written["hcc_gaps"]).read_text().count("\n") == 2
