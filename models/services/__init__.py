"""The service detector: performed, separately billable services -> CPT/HCPCS lines with units, modifiers, evidence.

Lives here: the versioned service catalogue (``data/service_catalogue_v1.json``), the detector, the visit-level
combination with the E/M leveler's decisions, and the ONNX line confidence. Does not live here: NCCI/MUE tables
(``datasets/codesets``) or audit flags (``models/audit``).
"""

from importlib import import_module
from typing import Any

_EXPORTS: dict[str, str] = {
    "DetectedService": "models.services.detector",
    "ServiceDetector": "models.services.detector",
    "ServiceLine": "models.services.visit",
    "visit_services": "models.services.visit",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Lazy exports (the leveler and the detector import each other's modules)."""
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
