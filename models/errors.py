"""Stable, searchable error codes of ``models/`` (``BND0xx``: model bundles; ``ICD1xx``: ICD-10-CM suggester).

Every message ends with what to do next. A unit test checks that no two codes collide.
"""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    "BND001": "No model bundle folder at {path}. Train one with `medcode train --task icd10` or fix the path.",
    "BND002": "The bundle at {path} has no manifest.json. Re-export it with `medcode train --task {task}`.",
    "BND003": "The bundle at {path} is missing {files} (looked in {path}). Re-export it with `medcode train`.",
    "BND004": "The bundle manifest at {path} lacks the keys {keys}. Re-export it with `medcode train`.",
    "BND005": "The bundle at {path} is for task {got!r}, not {expected!r}. Point the setting at a {expected} bundle.",
    "BND006": "The bundle at {path} was built with {system} {got!r} but this installation has {expected!r}. "
    "Retrain with `medcode train --task icd10` or install the matching code-set package.",
    "BND007": "File {file} of the bundle at {path} does not match its manifest checksum. Re-copy or re-export it.",
    "BND008": "The bundle at {path} has format {got!r}; this version reads {expected!r}. Upgrade medcode or retrain.",
    "BND009": "The label space of the bundle at {path} does not match its files (hash {got} vs {expected}). "
    "Re-export the bundle.",
    "ICD101": "The ICD-10-CM suggester was asked for {what} before it was loaded. Call Icd10Suggester.load(path).",
}


def message(code: str, **fields: object) -> str:
    """``"<code> <message>"`` with the fields filled in."""
    return f"{code} {MESSAGES[code].format(**fields)}"


class BundleError(RuntimeError):
    """A model bundle is missing, incomplete or corrupt: the service must not start with it."""

    def __init__(self, code: str, **fields: object) -> None:
        super().__init__(message(code, **fields))
        self.code = code


class BundleIncompatibleError(BundleError):
    """A bundle was built for another task, format or code-set version."""
