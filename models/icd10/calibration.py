"""Post-hoc calibration and routing of ranker scores (numpy only; parameters fitted by ``training/``).

``medcode.isotonic_calibrator.v1``: an isotonic (monotone, piecewise-linear) map from ranker score to probability,
fitted on cross-validated training predictions and applied with ``np.interp``. Suggestions are ranked by the raw
ranker score (isotonic maps are flat in places and would create ties) and reported with the calibrated probability.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

Tier = Literal["auto", "review"]
CALIBRATOR_NAME = "medcode.isotonic_calibrator.v1"


@dataclass(frozen=True)
class IsotonicCalibrator:
    """Piecewise-linear monotone map; ``x_`` increasing knots of the score, ``y_`` probabilities in [0, 1]."""

    x_: tuple[float, ...]
    y_: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.x_) != len(self.y_) or not self.x_:
            raise ValueError(
                "The 'x_' and 'y_' parameters of IsotonicCalibrator must be non-empty and of equal length. "
                f"Got {len(self.x_)} and {len(self.y_)} instead."
            )
        if any(b < a for a, b in zip(self.x_, self.x_[1:], strict=False)):
            raise ValueError("The 'x_' parameter of IsotonicCalibrator must be non-decreasing. Refit the calibrator.")
        if any(not 0.0 <= y <= 1.0 for y in self.y_):
            raise ValueError("The 'y_' parameter of IsotonicCalibrator must lie in [0, 1]. Refit the calibrator.")

    def predict(self, scores: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
        """Calibrated probabilities for raw ranker scores."""
        return np.interp(scores, self.x_, self.y_).astype(np.float32)

    def to_dict(self) -> dict[str, object]:
        return {"name": CALIBRATOR_NAME, "x": list(self.x_), "y": list(self.y_)}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> IsotonicCalibrator:
        allowed = {"name", "x", "y"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(f"Unknown calibrator keys {unknown}; allowed keys are {sorted(allowed)}.")
        if data.get("name") != CALIBRATOR_NAME:
            raise ValueError(f"Calibrator name must be {CALIBRATOR_NAME!r}; got {data.get('name')!r}.")
        xs, ys = data["x"], data["y"]
        if not isinstance(xs, list) or not isinstance(ys, list):
            raise ValueError("Calibrator 'x' and 'y' must be lists of numbers.")
        return cls(tuple(float(v) for v in xs), tuple(float(v) for v in ys))


def route(probability: float, auto_threshold: float) -> Tier:
    """``auto`` when the calibrated probability reaches the auto threshold, else ``review`` (a coder decides)."""
    return "auto" if probability >= auto_threshold else "review"
