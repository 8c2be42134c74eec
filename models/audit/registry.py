"""Audit checks registered by versioned name (``"audit.ncci_ptp.v1"``); new behaviour gets a new name.

A check is a small object with a ``name``, the inputs it ``needs`` (``"cms"`` for the CMS tables, or a model output:
``"em"``, ``"services"``, ``"diagnoses"``, ``"documented"``, ``"hccs"``) and ``run(ctx) -> list[AuditFlag]``. The
engine skips a check whose inputs are missing and records why, so a partial installation audits what it can.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from models.audit.context import AuditContext
from models.audit.errors import UnknownCheckError
from models.audit.flags import AuditFlag


class Check(Protocol):
    name: str
    needs: frozenset[str]

    def run(self, ctx: AuditContext) -> list[AuditFlag]: ...


CHECKS: dict[str, Callable[[], Check]] = {}


def register(name: str) -> Callable[[Callable[[], Check]], Callable[[], Check]]:
    """Class decorator: register a check factory under a versioned name."""

    def wrap(factory: Callable[[], Check]) -> Callable[[], Check]:
        if name in CHECKS:
            raise ValueError(f"AUD202 the check name {name!r} is already registered; register a new version.")
        CHECKS[name] = factory
        return factory

    return wrap


def get_check(name: str) -> Check:
    """A fresh instance of the registered check.

    Raises:
        UnknownCheckError: the name is not registered.
    """
    _load_builtin_checks()
    if name not in CHECKS:
        raise UnknownCheckError(name, sorted(CHECKS))
    return CHECKS[name]()


def registered() -> list[str]:
    _load_builtin_checks()
    return sorted(CHECKS)


def missing_inputs(check: Check, ctx: AuditContext) -> list[str]:
    """The inputs a check needs that this context lacks."""
    missing = []
    for need in sorted(check.needs):
        if need == "cms":
            if ctx.cms is None:
                missing.append("CMS tables")
        elif getattr(ctx.outputs, need, None) is None:
            missing.append(f"model output '{need}'")
    return missing


def _load_builtin_checks() -> None:
    # Importing the modules runs their @register decorators (one module per flag family).
    from models.audit.checks import (  # noqa: F401
        addon,
        diagnoses,
        em_level,
        global_period,
        hcc,
        modifier25,
        mue,
        ncci,
        payer,
        services,
    )
