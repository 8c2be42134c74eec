"""The service catalogue (``data/service_catalogue_v1.json``): office services, drugs with J-code dose units, vaccines.

Every row says, in our own words, what is performed and how it is billed: CPT/HCPCS number, how units are counted,
laterality, whether the same-day E/M then needs modifier 25, and whether the test still counts as MDM data (not when
the billed code already pays for our interpretation). Drug dose units come from the CMS HCPCS long description
(``"Injection, ketorolac tromethamine, per 15 mg"`` -> 15 mg) and are checked against it by
:func:`parse_hcpcs_dose_unit` in the tests.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field, fields
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, get_args

ServiceKind = Literal["test", "nebulizer", "injection", "procedure", "counseling", "screening", "psychotherapy"]
UnitsRule = Literal["one", "lesions", "instruments"]
Laterality = Literal["none", "limb", "digit"]

# Procedures whose same-day problem E/M needs modifier 25: minor procedures (global 000/010 in the physician fee
# schedule) and services that NCCI pairs with E/M codes as column 1 (injection administration, inhalation treatment,
# spirometry). Checked against the fee schedule by the tests when the CMS tables are present.
EM_NEEDS_25_KINDS: frozenset[str] = frozenset({"procedure", "injection", "nebulizer"})
EM_NEEDS_25_CODES: frozenset[str] = frozenset({"94010", "94060"})


class CatalogueError(ValueError):
    """SVC101: a catalogue row is malformed."""


def _check(kind: type, row: dict[str, Any], where: str, optional: frozenset[str] = frozenset()) -> None:
    allowed = {f.name for f in fields(kind)}
    unknown = sorted(set(row) - allowed)
    missing = sorted(allowed - set(row) - optional)
    if unknown or missing:
        raise CatalogueError(
            f"SVC101 {where}: {kind.__name__} takes {sorted(allowed)}; unknown {unknown}, missing {missing}. "
            "Fix the catalogue row."
        )


@dataclass(frozen=True)
class DrugRule:
    """A drug billed by its HCPCS J-code: units = ceil(dose / per_unit), e.g. ketorolac 60 mg at 15 mg -> 4 units."""

    code: str
    names: tuple[str, ...]
    per_unit: float
    unit: str
    hcpcs_unit: str
    route: str = "injection"

    def units_for(self, dose: float) -> int:
        """Billing units for a documented dose (HCPCS: round up to the next whole unit; at least 1)."""
        if self.unit == "dose":
            return max(1, int(dose))
        return max(1, math.ceil(round(dose / self.per_unit, 6)))


@dataclass(frozen=True)
class VaccineRule:
    """A vaccine product code; ``family`` picks the Medicare administration code (influenza G0008, pneumococcal
    G0009, hepatitis B G0010) and otherwise 90471 for the first and 90472 for each further vaccine."""

    code: str
    names: tuple[str, ...]
    family: str
    note: str


@dataclass(frozen=True)
class ServiceRule:
    """One performed service: patterns that document it, its code and how it is billed."""

    key: str
    code: str
    kind: ServiceKind
    patterns: tuple[str, ...]
    units: UnitsRule
    laterality: Laterality
    counts_as_data: bool
    requires_in_office: bool
    excludes: tuple[str, ...]
    note: str
    addon: str | None = None
    addon_max: int = 13
    modifiers: tuple[str, ...] = ()
    drug_route: str | None = None
    payer: str | None = None
    compiled: tuple[re.Pattern[str], ...] = field(default=(), compare=False, repr=False)

    @property
    def em_needs_25(self) -> bool:
        """Whether a same-day problem E/M needs modifier 25 beside this service."""
        return self.kind in EM_NEEDS_25_KINDS or self.code in EM_NEEDS_25_CODES


@dataclass(frozen=True)
class Catalogue:
    version: str
    drugs: tuple[DrugRule, ...]
    vaccines: tuple[VaccineRule, ...]
    services: tuple[ServiceRule, ...]

    def service(self, key: str) -> ServiceRule:
        for rule in self.services:
            if rule.key == key:
                return rule
        raise KeyError(f"SVC102 No service {key!r} in catalogue {self.version}; see models/services/data/.")


def catalogue_from_dict(payload: dict[str, Any]) -> Catalogue:
    """Build the catalogue, rejecting unknown keys and closed-vocabulary values outside their lists."""
    drugs = []
    for i, row in enumerate(payload["drugs"]):
        _check(DrugRule, row, f"drugs[{i}]", frozenset({"route"}))
        drugs.append(
            DrugRule(
                row["code"],
                tuple(row["names"]),
                float(row["per_unit"]),
                row["unit"],
                row["hcpcs_unit"],
                row.get("route", "injection"),
            )
        )
    vaccines = []
    for i, row in enumerate(payload["vaccines"]):
        _check(VaccineRule, row, f"vaccines[{i}]")
        vaccines.append(VaccineRule(row["code"], tuple(row["names"]), row["family"], row["note"]))
    services = []
    optional = frozenset({"addon", "addon_max", "modifiers", "drug_route", "payer", "compiled"})
    for i, row in enumerate(payload["services"]):
        _check(ServiceRule, row, f"services[{i}]", optional)
        for name, allowed in (("kind", ServiceKind), ("units", UnitsRule), ("laterality", Laterality)):
            if row[name] not in get_args(allowed):
                raise CatalogueError(
                    f"SVC101 services[{i}] ({row['key']}): {name} must be one of {get_args(allowed)}, "
                    f"got {row[name]!r}."
                )
        services.append(
            ServiceRule(
                key=row["key"],
                code=row["code"],
                kind=row["kind"],
                patterns=tuple(row["patterns"]),
                units=row["units"],
                laterality=row["laterality"],
                counts_as_data=bool(row["counts_as_data"]),
                requires_in_office=bool(row["requires_in_office"]),
                excludes=tuple(row["excludes"]),
                note=row["note"],
                addon=row.get("addon"),
                addon_max=int(row.get("addon_max", 13)),
                modifiers=tuple(row.get("modifiers", ())),
                drug_route=row.get("drug_route"),
                payer=row.get("payer"),
                compiled=tuple(re.compile(p) for p in row["patterns"] if not p.startswith("@")),
            )
        )
    return Catalogue(payload["version"], tuple(drugs), tuple(vaccines), tuple(services))


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The shipped catalogue."""
    text = (resources.files("models.services") / "data" / "service_catalogue_v1.json").read_text(encoding="utf-8")
    return catalogue_from_dict(json.loads(text))


_DOSE_UNIT = re.compile(
    r"(?:per |up to )?(?P<amount>[0-9][0-9,]*(?:\.[0-9]+)?) ?(?P<unit>mg|mcg|units|unit|cc|ml|gm|g)\b", re.IGNORECASE
)


def parse_hcpcs_dose_unit(description: str) -> tuple[float, str] | None:
    """The billing unit of a HCPCS drug code from its CMS long description.

    ``"Injection, ceftriaxone sodium, per 250 mg"`` -> ``(250.0, "mg")``; ``"Injection, penicillin g benzathine,
    100,000 units"`` -> ``(100000.0, "units")``. The first dose after the drug name wins (combination products such
    as J0702 list the first component's dose). Returns None when the description has no dose.
    """
    match = _DOSE_UNIT.search(description)
    if match is None:
        return None
    unit = match.group("unit").lower()
    unit = {"unit": "units", "gm": "g", "cc": "ml"}.get(unit, unit)
    return float(match.group("amount").replace(",", "")), unit
