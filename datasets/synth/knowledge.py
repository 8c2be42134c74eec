"""Load the generator's clinical knowledge (conditions, services, phrasing families, note vocabulary) from YAML.

The tables live in ``datasets/synth/data/*_v1.yaml``; each row becomes a small frozen record whose ``from_dict``
rejects unknown and missing keys and names the file and the entry, so a typo in a table fails at load time instead of
producing silently wrong encounters. :func:`default_knowledge` loads the shipped tables once per process.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, get_args

import yaml

ProblemStatus = Literal[
    "self_limited",
    "acute_uncomplicated",
    "stable_chronic",
    "chronic_progression",
    "chronic_severe",
    "undiagnosed_uncertain",
    "acute_systemic",
    "threat",
]
RiskCategory = Literal[
    "minimal",
    "otc",
    "pt",
    "rx",
    "sdoh",
    "minor_surgery_risk",
    "elective_major",
    "intensive_monitoring",
    "hospitalization",
]
ServiceKind = Literal["procedure", "injection", "test", "nebulizer", "screening", "counseling", "psychotherapy"]
Laterality = Literal["none", "limb", "finger_third"]
Split = Literal["train", "heldout", "validation", "calibration"]
SexRule = Literal["F", "M", "any"]
VaccineKind = Literal["flu", "pneumo", "other"]

SPECIALTIES: tuple[str, ...] = (
    "family_medicine",
    "internal_medicine",
    "cardiology",
    "endocrinology",
    "pulmonology",
    "orthopaedics",
    "dermatology",
    "obgyn",
    "gastroenterology",
    "urgent_care",
    "behavioural_health",
)
SECTIONS: tuple[str, ...] = (
    "visit",
    "cc",
    "hpi",
    "ros",
    "pmh",
    "meds",
    "allergies",
    "fh",
    "sh",
    "exam",
    "results",
    "procedure",
    "ap",
    "time",
    "signature",
)
HEADED_SECTIONS: tuple[str, ...] = (*(s for s in SECTIONS if s not in ("visit", "time", "signature")), "preventive")
TEMPLATE_KEYS: tuple[str, ...] = (
    "visit_office_new",
    "visit_office_established",
    "visit_telehealth",
    "visit_preventive",
    "visit_awv_initial",
    "visit_awv_subsequent",
    "visit_procedure_only",
    "hpi_open",
    "hpi_problem",
    "problem_line",
    "rule_out",
    "order_tests",
    "review_result",
    "external_notes",
    "historian",
    "interpretation",
    "discussion",
    "sdoh",
    "time",
    "ros_negative",
    "ros_positive",
    "fh",
    "pmh_resolved",
    "problem_list_intro",
    "meds_none",
    "allergies",
    "sh",
    "preventive_body",
    "awv_body",
    "separate_problem",
    "vaccine",
    "global_note",
    "acp",
    "signature",
)


class KnowledgeError(ValueError):
    """SYN001-SYN003: a shipped or supplied knowledge table is malformed, incomplete or missing."""


def _check_keys(kind: type, row: dict[str, Any], where: str, optional: frozenset[str] = frozenset()) -> None:
    allowed = {f.name for f in fields(kind)}
    unknown = sorted(set(row) - allowed)
    missing = sorted(f for f in allowed - optional if f not in row)
    if unknown or missing:
        raise KnowledgeError(
            f"SYN001 {where}: {kind.__name__} entries take exactly {sorted(allowed)}; unknown {unknown}, "
            f"missing {missing}. Fix the table entry."
        )


def _check_literal(value: Any, allowed: tuple[str, ...], column: str, where: str) -> None:
    if value not in allowed:
        raise KnowledgeError(f"SYN001 {where}: {column!r} must be one of {list(allowed)}, got {value!r}.")


def _interpretation(entry: Any, where: str) -> tuple[str, str, tuple[str, ...]]:
    if not isinstance(entry, dict) or set(entry) != {"test", "value", "keywords"}:
        raise KnowledgeError(f"SYN001 {where}: 'interpretations' entries take exactly ['keywords', 'test', 'value'].")
    return str(entry["test"]), str(entry["value"]), _strings(entry["keywords"], "interpretations.keywords", where)


def _strings(value: Any, column: str, where: str, *, allow_empty: bool = True) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or (not allow_empty and not value):
        raise KnowledgeError(f"SYN001 {where}: {column!r} must be a {'' if allow_empty else 'non-empty '}list of text.")
    return tuple(value)


@dataclass(frozen=True)
class Plan:
    """One management option and the MDM risk category it documents, e.g. ``rx``: "increase lisinopril".

    ``orders`` are the unique tests the plan sentence orders (counted as MDM data); ``service`` is an office service
    the plan implies (performed whenever this plan is chosen, e.g. the B12 injection of a monthly B12 visit).
    """

    risk: RiskCategory
    text: str
    orders: tuple[str, ...] = ()
    service: str | None = None


@dataclass(frozen=True)
class RuleOut:
    """An uncertain diagnosis named in the note ("rule out angina"); never coded in the outpatient setting."""

    name: str
    code: str


@dataclass(frozen=True)
class Condition:
    """A condition in one status that a visit can address (conditions_v1.yaml documents every key)."""

    key: str
    family: str
    excludes: tuple[str, ...]
    specialties: tuple[str, ...]
    status: ProblemStatus
    codes: tuple[str, ...]
    sides: dict[str, tuple[str, ...]] | None
    unspecified: dict[str, str]
    names: tuple[str, ...]
    hpi: tuple[str, ...]
    findings: tuple[str, ...]
    meds: tuple[str, ...]
    plans: tuple[Plan, ...]
    tests: tuple[str, ...]
    services: tuple[str, ...]
    rule_out: tuple[RuleOut, ...]
    sex: SexRule
    min_age: int
    max_age: int

    @classmethod
    def from_dict(cls, row: dict[str, Any], where: str) -> Condition:
        _check_keys(cls, row, where, optional=frozenset({"sides"}))
        _check_literal(row["status"], get_args(ProblemStatus), "status", where)
        _check_literal(row["sex"], get_args(SexRule), "sex", where)
        for specialty in row["specialties"]:
            _check_literal(specialty, SPECIALTIES, "specialties", where)
        plans = []
        for plan in row["plans"]:
            if not isinstance(plan, dict) or not {"risk", "text"} <= set(plan) <= {"risk", "text", "orders", "service"}:
                raise KnowledgeError(
                    f"SYN001 {where}: each plan takes 'risk' and 'text', optionally 'orders' and 'service'."
                )
            _check_literal(plan["risk"], get_args(RiskCategory), "plans.risk", where)
            orders = _strings(plan.get("orders", []), "plans.orders", where)
            plans.append(Plan(plan["risk"], plan["text"], orders, plan.get("service")))
        rule_outs = []
        for entry in row["rule_out"]:
            if not isinstance(entry, dict) or set(entry) != {"name", "code"}:
                raise KnowledgeError(f"SYN001 {where}: each rule_out takes exactly ['code', 'name'].")
            rule_outs.append(RuleOut(entry["name"], entry["code"]))
        sides = row.get("sides")
        codes = _strings(row["codes"], "codes", where, allow_empty=False)
        if ("{side}" in codes) != (sides is not None):
            raise KnowledgeError(f"SYN001 {where}: use '{{side}}' in 'codes' exactly when 'sides' is given.")
        if sides is not None and set(sides) != {"right", "left"}:
            raise KnowledgeError(f"SYN001 {where}: 'sides' takes exactly ['left', 'right'].")
        if not plans:
            raise KnowledgeError(f"SYN001 {where}: 'plans' must list at least one management option.")
        return cls(
            key=row["key"],
            family=row["family"],
            excludes=_strings(row["excludes"], "excludes", where),
            specialties=tuple(row["specialties"]),
            status=row["status"],
            codes=codes,
            sides=None
            if sides is None
            else {k: _strings(v, "sides", where, allow_empty=False) for k, v in sides.items()},
            unspecified={str(k): str(v) for k, v in (row["unspecified"] or {}).items()},
            names=_strings(row["names"], "names", where, allow_empty=False),
            hpi=_strings(row["hpi"], "hpi", where, allow_empty=False),
            findings=_strings(row["findings"], "findings", where, allow_empty=False),
            meds=_strings(row["meds"], "meds", where),
            plans=tuple(plans),
            tests=_strings(row["tests"], "tests", where),
            services=_strings(row["services"], "services", where),
            rule_out=tuple(rule_outs),
            sex=row["sex"],
            min_age=int(row["min_age"]),
            max_age=int(row["max_age"]),
        )

    def codes_for(self, side: str | None) -> tuple[str, ...]:
        """The condition's ICD-10-CM codes, with ``{side}`` replaced by the codes of ``side`` (right/left)."""
        if self.sides is None:
            return self.codes
        if side not in self.sides:
            raise KnowledgeError(f"SYN002 condition {self.key!r} needs a side (right or left), got {side!r}.")
        out: list[str] = []
        for code in self.codes:
            out.extend(self.sides[side] if code == "{side}" else (code,))
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Drug:
    """A separately billed drug: its HCPCS code and the amount one billing unit covers (``per_unit`` ``unit``)."""

    code: str
    name: str
    per_unit: float
    unit: str
    hcpcs_unit: str
    doses: tuple[float, ...]

    def units_for(self, dose: float) -> int:
        """Billing units for a dose: CMS bills drugs in multiples of the descriptor's amount, rounded up."""
        return max(1, math.ceil(dose / self.per_unit - 1e-9))


@dataclass(frozen=True)
class Service:
    """An office service with its code, optional add-on, drug and documentation (services_v1.yaml)."""

    key: str
    label: str
    kind: ServiceKind
    code: str
    addon: str | None
    addon_max: int
    laterality: Laterality
    modifiers: tuple[str, ...]
    em_needs_25: bool
    counts_as_data: bool
    global_days: int | None
    drug: Drug | None
    bundled: tuple[str, ...]
    notes: tuple[str, ...]

    @classmethod
    def from_dict(cls, row: dict[str, Any], where: str) -> Service:
        _check_keys(cls, row, where)
        _check_literal(row["kind"], get_args(ServiceKind), "kind", where)
        _check_literal(row["laterality"], get_args(Laterality), "laterality", where)
        drug = row["drug"]
        if drug is not None:
            _check_keys(Drug, drug, f"{where} drug")
            drug = Drug(
                str(drug["code"]),
                drug["name"],
                float(drug["per_unit"]),
                drug["unit"],
                drug["hcpcs_unit"],
                tuple(float(d) for d in drug["doses"]),
            )
        return cls(
            key=row["key"],
            label=row["label"],
            kind=row["kind"],
            code=str(row["code"]),
            addon=None if row["addon"] is None else str(row["addon"]),
            addon_max=int(row["addon_max"]),
            laterality=row["laterality"],
            modifiers=_strings(row["modifiers"], "modifiers", where),
            em_needs_25=bool(row["em_needs_25"]),
            counts_as_data=bool(row["counts_as_data"]),
            global_days=None if row["global_days"] is None else int(row["global_days"]),
            drug=drug,
            bundled=_strings(row["bundled"], "bundled", where),
            notes=_strings(row["notes"], "notes", where, allow_empty=False),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Rewording:
    """A family's own wording of the shared plan text: each match of ``pattern`` becomes one of ``choices``.

    The condition tables hold one wording per plan ("increase lisinopril to 20 mg daily, refills sent"); a family that
    writes like another kind of physician rewords it ("uptitrate lisinopril to 20 mg daily, refilled") without
    changing what was decided, so the gold labels stay true.
    """

    pattern: re.Pattern[str]
    choices: tuple[str, ...]


@dataclass(frozen=True)
class Family:
    """A phrasing family: headers, header style, section orders, sentence templates, noise rates and (optionally)
    its own wording of the shared plan text and of conditions' assessment names (condition key -> names, used
    instead of the condition's own ``names``; a sided condition's names say ``{side}``). ``drawn: false`` keeps a
    family out of its split's draw (only ``--family`` picks it): a family added after baselines were measured on the
    split then leaves the split's output, and so those baselines, unchanged."""

    name: str
    split: Split
    header_style: str
    bullet: str
    section_orders: tuple[tuple[str, ...], ...]
    headers: dict[str, str]
    abbreviation_rate: float
    typo_rate: float
    templates: dict[str, tuple[str, ...]]
    status: dict[str, tuple[str, ...]]
    plan_wording: tuple[Rewording, ...] = ()
    condition_names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    drawn: bool = True

    @classmethod
    def from_dict(cls, row: dict[str, Any], where: str) -> Family:
        templates = dict(row.get("templates") or {})
        status = templates.pop("status", None)
        optional = frozenset({"plan_wording", "condition_names", "drawn"})
        _check_keys(cls, {**row, "status": status}, where, optional=optional)
        _check_literal(row["split"], get_args(Split), "split", where)
        if not isinstance(row.get("drawn", True), bool):
            raise KnowledgeError(f"SYN001 {where}: 'drawn' takes true or false, got {row['drawn']!r}.")
        if set(row["headers"]) != set(HEADED_SECTIONS):
            raise KnowledgeError(f"SYN001 {where}: 'headers' takes exactly {sorted(HEADED_SECTIONS)}.")
        if set(templates) != set(TEMPLATE_KEYS):
            unknown, missing = sorted(set(templates) - set(TEMPLATE_KEYS)), sorted(set(TEMPLATE_KEYS) - set(templates))
            raise KnowledgeError(f"SYN001 {where}: templates unknown {unknown}, missing {missing}.")
        if not isinstance(status, dict) or set(status) != set(get_args(ProblemStatus)):
            raise KnowledgeError(f"SYN001 {where}: templates.status takes exactly {sorted(get_args(ProblemStatus))}.")
        orders = tuple(tuple(order) for order in row["section_orders"])
        for order in orders:
            if sorted(order) != sorted(set(order)) or not set(order) <= set(SECTIONS) or "ap" not in order:
                raise KnowledgeError(f"SYN001 {where}: each section order lists distinct sections of {SECTIONS}.")
        return cls(
            name=row["name"],
            split=row["split"],
            header_style=row["header_style"],
            bullet=row["bullet"],
            section_orders=orders,
            headers=dict(row["headers"]),
            abbreviation_rate=float(row["abbreviation_rate"]),
            typo_rate=float(row["typo_rate"]),
            templates={k: _strings(v, f"templates.{k}", where, allow_empty=False) for k, v in templates.items()},
            status={k: _strings(v, f"templates.status.{k}", where, allow_empty=False) for k, v in status.items()},
            plan_wording=tuple(_rewording(entry, where) for entry in row.get("plan_wording") or ()),
            condition_names={
                str(k): _strings(v, f"condition_names.{k}", where, allow_empty=False)
                for k, v in (row.get("condition_names") or {}).items()
            },
            drawn=row.get("drawn", True),
        )


def _rewording(entry: Any, where: str) -> Rewording:
    if not isinstance(entry, dict) or set(entry) != {"pattern", "choices"}:
        raise KnowledgeError(f"SYN001 {where}: 'plan_wording' entries take exactly ['choices', 'pattern'].")
    try:
        pattern = re.compile(str(entry["pattern"]))
    except re.error as exc:
        raise KnowledgeError(
            f"SYN001 {where}: plan_wording pattern {entry['pattern']!r} is not a regular expression ({exc}); fix it."
        ) from None
    return Rewording(pattern, _strings(entry["choices"], "plan_wording.choices", where, allow_empty=False))


@dataclass(frozen=True)
class Vaccine:
    """A vaccine product; ``kind`` picks the Medicare administration code (flu G0008, pneumococcal G0009)."""

    key: str
    code: str
    name: str
    kind: VaccineKind
    min_age: int
    max_age: int
    medicare: bool


@dataclass(frozen=True)
class Content:
    """Shared, identifier-free note vocabulary (content_v1.yaml)."""

    ros_items: tuple[str, ...]
    family_history: tuple[tuple[str, str], ...]
    resolved_history: tuple[str, ...]
    historians: tuple[tuple[str, str], ...]
    external_sources: tuple[str, ...]
    reviewed_results: tuple[tuple[str, str], ...]
    interpretations: tuple[tuple[str, str, tuple[str, ...]], ...]
    specialists: tuple[str, ...]
    sdoh: tuple[tuple[str, str], ...]
    muscles: tuple[str, ...]
    vaccines: tuple[Vaccine, ...]
    abbreviations: dict[str, str]
    therapy_plans: tuple[str, ...]

    @classmethod
    def from_dict(cls, row: dict[str, Any], where: str) -> Content:
        _check_keys(cls, row, where)

        def pairs(column: str, first: str, second: str) -> tuple[tuple[str, str], ...]:
            out = []
            for entry in row[column]:
                if not isinstance(entry, dict) or set(entry) != {first, second}:
                    raise KnowledgeError(f"SYN001 {where}: {column!r} entries take exactly {sorted([first, second])}.")
                out.append((str(entry[first]), str(entry[second])))
            return tuple(out)

        vaccines = []
        for entry in row["vaccines"]:
            _check_keys(Vaccine, entry, f"{where} vaccines")
            _check_literal(entry["kind"], get_args(VaccineKind), "vaccines.kind", where)
            vaccines.append(Vaccine(**{**entry, "code": str(entry["code"])}))
        return cls(
            ros_items=_strings(row["ros_items"], "ros_items", where, allow_empty=False),
            family_history=pairs("family_history", "relative", "condition"),
            resolved_history=_strings(row["resolved_history"], "resolved_history", where, allow_empty=False),
            historians=pairs("historians", "historian", "reason"),
            external_sources=_strings(row["external_sources"], "external_sources", where, allow_empty=False),
            reviewed_results=pairs("reviewed_results", "test", "value"),
            interpretations=tuple(_interpretation(e, where) for e in row["interpretations"]),
            specialists=_strings(row["specialists"], "specialists", where, allow_empty=False),
            sdoh=pairs("sdoh", "text", "code"),
            muscles=_strings(row["muscles"], "muscles", where, allow_empty=False),
            vaccines=tuple(vaccines),
            abbreviations={str(k): str(v) for k, v in row["abbreviations"].items()},
            therapy_plans=_strings(row["therapy_plans"], "therapy_plans", where, allow_empty=False),
        )


@dataclass(frozen=True, eq=False)  # identity hash: one loaded table set is one knowledge base (and cache key)
class Knowledge:
    """Everything the generator knows, loaded once: conditions, services, phrasing families, note vocabulary."""

    conditions: tuple[Condition, ...]
    services: dict[str, Service]
    families: dict[str, Family]
    content: Content
    versions: dict[str, int]

    def family_names(self, split: Split, *, drawn_only: bool = False) -> tuple[str, ...]:
        """The families of ``split`` (with ``drawn_only``, those its draw picks among when no family is named)."""
        return tuple(
            name for name, family in self.families.items() if family.split == split and (family.drawn or not drawn_only)
        )


def _read(name: str) -> dict[str, Any]:
    path = resources.files("datasets.synth") / "data" / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnowledgeError(f"SYN003 No table {name} in datasets/synth/data/; reinstall medcode.") from None
    # The C loader when PyYAML has it: parsing the tables is most of a small run's start-up time.
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(data, dict) or "version" not in data:
        raise KnowledgeError(f"SYN001 datasets/synth/data/{name}: expected a mapping with 'version' at the top.")
    return data


def load_knowledge(
    conditions_file: str = "conditions_v1.yaml",
    services_file: str = "services_v1.yaml",
    phrasing_file: str = "phrasing_v1.yaml",
    content_file: str = "content_v1.yaml",
) -> Knowledge:
    """Load and cross-check the four tables; raises :class:`KnowledgeError` naming the file and entry at fault."""
    cond_data, serv_data = _read(conditions_file), _read(services_file)
    phr_data, cont_data = _read(phrasing_file), _read(content_file)
    conditions = tuple(
        Condition.from_dict(row, f"datasets/synth/data/{conditions_file} entry {i} ({row.get('key')})")
        for i, row in enumerate(cond_data["conditions"], start=1)
    )
    services = {}
    for i, row in enumerate(serv_data["services"], start=1):
        service = Service.from_dict(row, f"datasets/synth/data/{services_file} entry {i} ({row.get('key')})")
        if service.key in services:
            raise KnowledgeError(f"SYN001 datasets/synth/data/{services_file}: duplicate service key {service.key!r}.")
        services[service.key] = service
    families = {}
    for i, row in enumerate(phr_data["families"], start=1):
        family = Family.from_dict(row, f"datasets/synth/data/{phrasing_file} family {i} ({row.get('name')})")
        families[family.name] = family
    content = Content.from_dict(
        {k: v for k, v in cont_data.items() if k != "version"}, f"datasets/synth/data/{content_file}"
    )
    keys = [c.key for c in conditions]
    if len(keys) != len(set(keys)):
        raise KnowledgeError(f"SYN001 datasets/synth/data/{conditions_file}: duplicate condition keys.")
    for condition in conditions:
        unknown = [s for s in condition.services if s not in services]
        unknown += [p.service for p in condition.plans if p.service is not None and p.service not in services]
        if unknown:
            raise KnowledgeError(
                f"SYN001 datasets/synth/data/{conditions_file} ({condition.key}): unknown services {unknown}; "
                f"add them to {services_file}."
            )
    for family in families.values():
        check_condition_names(family, conditions, f"datasets/synth/data/{phrasing_file} ({family.name})")
    for split in get_args(Split):
        if not any(f.split == split for f in families.values()):
            raise KnowledgeError(f"SYN001 datasets/synth/data/{phrasing_file}: no family with split {split!r}.")
    versions = {
        "conditions": int(cond_data["version"]),
        "services": int(serv_data["version"]),
        "phrasing": int(phr_data["version"]),
        "content": int(cont_data["version"]),
    }
    return Knowledge(conditions, services, families, content, versions)


def check_condition_names(family: Family, conditions: tuple[Condition, ...], where: str) -> None:
    """Raise :class:`KnowledgeError` unless each of ``family``'s own condition names belongs to a known condition
    and says ``{side}`` exactly when that condition has sides (its codes then state the side)."""
    by_key = {c.key: c for c in conditions}
    for key, names in family.condition_names.items():
        if key not in by_key:
            raise KnowledgeError(
                f"SYN001 {where}: condition_names names unknown condition {key!r}; use a key of the conditions table."
            )
        if any(("{side}" in name) != bool(by_key[key].sides) for name in names):
            raise KnowledgeError(
                f"SYN001 {where}: condition_names.{key} must say {{side}} in every name exactly when the condition "
                "has sides."
            )


@lru_cache(maxsize=1)
def default_knowledge() -> Knowledge:
    """The shipped tables, loaded once per process."""
    return load_knowledge()
