"""configs/icd10.yaml validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from configs.icd10 import Icd10Config, load_icd10_config


def test_config_shipped_file_is_valid() -> None:
    config = load_icd10_config()
    assert 0 < config.routing.auto_target_precision <= 1
    assert config.ranker.calibrator == "medcode.isotonic_calibrator.v1"


def test_config_refuses_unknown_keys_and_bad_values(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="min_coverag"):
        Icd10Config.model_validate({"candidates": {"min_coverag": 0.5}})
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        Icd10Config.model_validate({"routing": {"auto_target_precision": 1.5}})
    with pytest.raises(FileNotFoundError, match="No ICD-10 config at"):
        load_icd10_config(tmp_path / "missing.yaml")
