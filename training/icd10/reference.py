"""The reference (scikit-learn) suggester: the same pipeline as serving with the un-exported estimators.

Used by parity tests and by ``medcode bench`` for the ONNX-against-reference comparison; never by serving.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from configs.icd10 import CandidateSettings, DenseSettings, Icd10Config
from models.bundle import load_bundle
from models.icd10.calibration import IsotonicCalibrator
from models.icd10.core import Icd10Core, Icd10Tables
from models.icd10.dense import EncodeFn, PieceEncoder
from models.icd10.suggester import BUNDLE_FORMAT, CALIBRATION_FILE, TASK, read_query_encoder, read_tables
from training.icd10.fit import FittedIcd10
from training.icd10.supervised import SupervisedModel


def _core(
    tables: Icd10Tables,
    supervised: SupervisedModel,
    encoder: EncodeFn,
    ranker: Any,
    calibrator: IsotonicCalibrator,
    candidates: CandidateSettings,
    dense: DenseSettings,
    decision: float,
    auto: float,
    max_suggestions: int,
) -> Icd10Core:
    def rank(features: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        return np.asarray(ranker.predict_proba(features)[:, 1], dtype=np.float32)

    return Icd10Core(
        tables,
        supervised.predict_proba,
        encoder,
        rank,
        calibrator,
        candidates,
        dense,
        decision,
        auto,
        max_suggestions,
    )


def reference_core(fitted: FittedIcd10, config: Icd10Config) -> Icd10Core:
    """An :class:`Icd10Core` whose classifier and ranker run in scikit-learn (straight after fitting)."""
    return _core(
        fitted.tables,
        fitted.supervised,
        PieceEncoder(fitted.query_pieces, fitted.encoder.tokenizer, config.dense.max_tokens),
        fitted.ranker,
        fitted.calibrator,
        config.candidates,
        config.dense,
        fitted.decision_threshold,
        fitted.auto_threshold,
        config.routing.max_suggestions,
    )


def reference_core_from_bundle(folder: Path) -> Icd10Core:
    """The reference pipeline of a trained bundle folder (its tables plus ``reference.pkl``)."""
    from training.icd10.run import load_reference

    bundle = load_bundle(folder, task=TASK, expected_format=BUNDLE_FORMAT)
    estimators = load_reference(folder)
    settings = bundle.manifest["settings"]
    calibration = json.loads((folder / CALIBRATION_FILE).read_text(encoding="utf-8"))
    dense = DenseSettings.model_validate(settings["dense"])
    return _core(
        read_tables(folder),
        estimators["supervised"],
        read_query_encoder(folder, dense),
        estimators["ranker"],
        IsotonicCalibrator.from_dict(calibration),
        CandidateSettings.model_validate(settings["candidates"]),
        dense,
        bundle.thresholds["decision"],
        bundle.thresholds["auto"],
        int(settings["max_suggestions"]),
    )
