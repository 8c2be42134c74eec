"""Training of the E/M and service confidence models: bundle written, ONNX equal to scikit-learn, MLflow run logged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from models.bundle import load_bundle
from training.coding.common import BUNDLE_FORMAT, fit_logistic, pad_missing_classes, to_onnx, write_bundle
from training.coding.em import train_em
from training.coding.services import train_services


def test_pad_missing_classes_adds_one_row_per_absent_class() -> None:
    x = np.asarray([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=np.float32)
    y = np.asarray([0, 0, 1], dtype=np.int64)
    fit_idx = [0, 1]  # only class 0 among the fitting rows
    x2, y2 = pad_missing_classes(x, y, fit_idx, (-1, 0, 1))
    assert sorted(set(y2[fit_idx].tolist())) == [-1, 0, 1]
    assert x2.shape == (5, 2) and fit_idx == [0, 1, 3, 4]
    assert np.array_equal(x2[3], x[0]) and np.array_equal(x2[4], x[0])


def test_pad_missing_classes_leaves_complete_data_alone() -> None:
    x = np.zeros((2, 1), dtype=np.float32)
    y = np.asarray([0, 1], dtype=np.int64)
    fit_idx = [0, 1]
    x2, y2 = pad_missing_classes(x, y, fit_idx, (0, 1))
    assert x2 is x and y2 is y and fit_idx == [0, 1]


@pytest.mark.parametrize(("train", "task"), [(train_em, "em"), (train_services, "services")])
def test_training_writes_a_loadable_bundle_with_onnx_parity(
    train: Callable[..., dict[str, Any]], task: str, tmp_path: Path
) -> None:
    summary = train(n=120, seed=3, out_dir=tmp_path, tracking=False)
    bundle = load_bundle(Path(summary["bundle"]), task=task, expected_format=BUNDLE_FORMAT)
    assert bundle.bundle_id == summary["bundle_id"] and Path(summary["bundle"]).parent == tmp_path
    assert not list(tmp_path.glob("staging-*")), "the staging folder is renamed to the bundle id"
    assert summary["metrics"]["onnx_max_abs_diff"] < 1e-4
    assert 0.0 <= bundle.manifest["thresholds"]["auto"] <= 1.0


def test_em_learns_from_calibration_notes_and_reports_the_auto_tier_on_eval_notes(tmp_path: Path) -> None:
    from datasets.io import write_encounters
    from datasets.synth.generator import SynthConfig, generate_encounters

    notes = tmp_path / "calibration.jsonl"
    write_encounters(notes, generate_encounters(SynthConfig(n=40, seed=5, phrasing="calibration")))
    held = tmp_path / "x.jsonl"
    write_encounters(held, generate_encounters(SynthConfig(n=30, seed=6, phrasing="validation", family="X")))
    summary = train_em(n=120, seed=3, out_dir=tmp_path, tracking=False, calibration_files=[notes], eval_files=[held])
    metrics = summary["metrics"]
    # fitted on the leveled training notes and the calibration notes, threshold from the calibration notes'
    # out-of-fold confidence (procedure-only visits have no level and are left out)
    assert 30 <= metrics["n_val"] <= 40 and metrics["n_fit"] >= 110 + metrics["n_val"]
    assert 0.0 <= metrics["val_auto_coverage"] <= 1.0 and 0.0 <= metrics["eval_auto_coverage"] <= 1.0
    assert 0.0 < metrics["eval_exact_accuracy"] <= 1.0
    source = load_bundle(Path(summary["bundle"]), task="em", expected_format=BUNDLE_FORMAT).manifest["training_data"]
    assert "calibration:files:calibration.jsonl" in source["source"] and "eval:files:x.jsonl" in source["source"]


def test_em_out_of_fold_confidence_never_scores_a_note_with_a_model_fitted_on_it() -> None:
    from training.coding.em import _out_of_fold_confidence

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    y = np.asarray([0] * 50 + [1] * 10, dtype=np.int64)
    x[50:, 0] += 5.0  # the calibration notes the rules misread (offset +1) look alike
    calibration = list(range(40, 60))
    confidence = _out_of_fold_confidence(x, y, list(range(40)), calibration, folds=4, seed=0)
    assert len(confidence) == 20
    # the misread notes get a low P(offset 0) though none was scored by a model that saw it
    assert max(confidence[10:]) < min(confidence[:10])


@pytest.mark.slow
def test_training_logs_run_and_registers_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDCODE_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    from configs.settings import get_settings

    get_settings.cache_clear()
    try:
        summary = train_em(n=60, seed=4, out_dir=tmp_path / "models", tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    finally:
        get_settings.cache_clear()
    assert summary["run_id"] and summary["model_uri"].startswith("models:/medcode-em/")


def test_bundle_id_changes_with_the_model_not_only_the_data(tmp_path: Path) -> None:
    common = {"task": "em", "feature_names": ["a"], "classes": [0, 1], "fingerprint": "f" * 64, "metrics": {},
              "thresholds": {"auto": 0.9}, "training_data": {}, "rule_versions": {}}  # fmt: skip
    first = write_bundle(tmp_path / "one", files={"m.onnx": b"model one"}, **common)
    again = write_bundle(tmp_path / "two", files={"m.onnx": b"model one"}, **common)
    other = write_bundle(tmp_path / "three", files={"m.onnx": b"model two"}, **common)
    assert first.bundle_id == again.bundle_id != other.bundle_id


def test_onnx_export_is_byte_identical_for_the_same_model() -> None:
    # The bundle id hashes the files, and the audit calibration names the E/M bundle id it was fitted with: an export
    # that differed between runs (skl2onnx's random graph name) made every fresh bundle look like another model.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = fit_logistic(x, y, seed=0)
    assert to_onnx(model, 3) == to_onnx(fit_logistic(x, y, seed=0), 3)
