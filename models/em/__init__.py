"""The E/M leveler: MDM element extraction with evidence, the guideline rules, visit types, calibrated confidence.

Lives here: pipeline components (``components/``), the MDM element table (``data/mdm_elements_2023.csv``), the cue
lexicon, the leveler and its ONNX confidence. Does not live here: the E/M code tables and the 2-of-3 rule
(``datasets/codesets/em.py``), training code (``training/coding``).
"""

from importlib import import_module
from typing import Any

_EXPORTS: dict[str, str] = {"EmLeveler": "models.em.leveler", "EmResult": "models.em.leveler"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Lazy exports (the leveler and the detector import each other's modules)."""
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
