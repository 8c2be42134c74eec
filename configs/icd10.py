"""The ICD-10-CM suggester's configuration (``configs/icd10.yaml``), validated by pydantic.

Unknown keys are refused so that a typo in a YAML file fails at load time instead of silently using a default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

DEFAULT_PATH = Path(__file__).with_name("icd10.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CandidateSettings(_Strict):
    min_coverage: float = Field(default=0.5, gt=0.0, le=1.0)
    sup_top_k: int = Field(default=30, ge=0)
    max_candidates: int = Field(default=150, ge=1)
    prior_smoothing: float = Field(default=2.0, ge=0.0)


class DenseSettings(_Strict):
    max_sentences: int = Field(default=12, ge=0)
    min_words: int = Field(default=2, ge=1)
    max_tokens: int = Field(default=48, ge=4, le=256)
    top_k: int = Field(default=6, ge=0)
    min_similarity: float = Field(default=0.45, ge=-1.0, le=1.0)
    rank_depth: int = Field(default=50, ge=1)
    clusters: int = Field(default=256, ge=1)
    probe: int = Field(default=8, ge=1)
    query_ridge: float = Field(default=1e-3, gt=0.0)
    query_background_notes: int = Field(default=800, ge=0)


class LearnedPhraseSettings(_Strict):
    min_support: int = Field(default=4, ge=1)
    min_precision: float = Field(default=0.25, ge=0.0, le=1.0)
    max_per_code: int = Field(default=12, ge=0)


class SupervisedSettings(_Strict):
    labels_min_docs: int = Field(default=2, ge=1)
    ngram_max: int = Field(default=2, ge=1, le=3)
    min_df: int = Field(default=2, ge=1)
    max_features: int = Field(default=20000, ge=100)
    C: float = Field(default=10.0, gt=0.0)


class RankerSettings(_Strict):
    calibrator: Literal["medcode.isotonic_calibrator.v1"] = "medcode.isotonic_calibrator.v1"
    max_iter: int = Field(default=300, ge=10)
    learning_rate: float = Field(default=0.05, gt=0.0, le=1.0)
    max_leaf_nodes: int = Field(default=31, ge=2)
    min_samples_leaf: int = Field(default=40, ge=1)
    l2_regularization: float = Field(default=1.0, ge=0.0)


class CrossValidationSettings(_Strict):
    folds: int = Field(default=5, ge=2)
    seed: int = 0


class RoutingSettings(_Strict):
    auto_target_precision: float = Field(default=0.97, gt=0.0, le=1.0)
    auto_min_support: int = Field(default=30, ge=1)
    max_suggestions: int = Field(default=100, ge=1)


class Thresholds(_Strict):
    decision: float = Field(default=0.35, ge=0.0, le=1.0)
    auto: float = Field(default=0.9, ge=0.0, le=1.0)


class Icd10Config(_Strict):
    """Everything the ICD-10-CM suggester's training and routing read."""

    version: Literal[1] = 1
    candidates: CandidateSettings = Field(default_factory=CandidateSettings)
    dense: DenseSettings = Field(default_factory=DenseSettings)
    learned_phrases: LearnedPhraseSettings = Field(default_factory=LearnedPhraseSettings)
    supervised: SupervisedSettings = Field(default_factory=SupervisedSettings)
    ranker: RankerSettings = Field(default_factory=RankerSettings)
    cross_validation: CrossValidationSettings = Field(default_factory=CrossValidationSettings)
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    thresholds: Thresholds = Field(default_factory=Thresholds)


def load_icd10_config(path: Path | None = None) -> Icd10Config:
    """Read and validate an ICD-10-CM config file (``configs/icd10.yaml`` by default).

    Raises:
        FileNotFoundError: the file does not exist (the message names it).
        pydantic.ValidationError: a value is out of range or a key is unknown.
    """
    target = path or DEFAULT_PATH
    if not target.is_file():
        raise FileNotFoundError(f"No ICD-10 config at {target}. Pass --config with an existing YAML file.")
    with target.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return Icd10Config.model_validate(data)
