"""The synthetic encounter generator: configuration, the per-encounter pipeline, and writing a file.

Each encounter is built from its own ``random.Random(seed * 1_000_003 + index)``, so encounter ``i`` of a seed is
the same however many encounters are generated. Pipeline: sample the scenario -> code it (gold labels and the
correct claim) -> write the note -> check that the correct claim raises no flag -> bill it, correctly or with
injected errors -> derive ``expected_flags`` with the reference audit -> optionally plant fake identifiers.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from datasets.codesets import CodeSets
from datasets.codesets.hcc import HccModel
from datasets.io import EncounterWriter
from datasets.schema import Claim, ClaimLine, Encounter, HistoryEntry
from datasets.synth.claims import ErrorInjector, modifier25_triggers, reference_audit, unspecified_map
from datasets.synth.gold import Line, code_scenario
from datasets.synth.knowledge import Knowledge, default_knowledge
from datasets.synth.ncci import CmsFacts, gold_ptp_pairs
from datasets.synth.phi import plant_phi
from datasets.synth.render import render_note
from datasets.synth.scenario import OVERCODERS, Scenario, sample_scenario

Phrasing = Literal["train", "heldout", "validation", "calibration", "all"]
PHRASING_CHOICES: tuple[str, ...] = ("train", "heldout", "validation", "calibration", "all")
HELDOUT_SHARE_IN_ALL = 0.15


class SynthError(RuntimeError):
    """SYN010: the generator produced an inconsistent encounter (a bug: please report the seed and index)."""


@dataclass(frozen=True)
class SynthConfig:
    """What to generate.

    Attributes:
        n: number of encounters.
        seed: random seed; the same seed and index always give the same encounter.
        phrasing: ``train`` (families A-D), ``heldout`` (family H only), ``validation`` (families V, W, X and Y only:
            unseen phrasing for checking generalisation while developing, so that H stays untouched until the
            report), ``calibration`` (family Z only: unseen phrasing that no rule is developed on, for fitting
            confidence thresholds) or ``all`` (A-D with 15% held-out; validation and calibration families never).
        family: only this family of the ``phrasing`` split (e.g. ``X`` of ``validation``); None draws among them
            (families marked ``drawn: false``, such as validation family F, only when named here).
        clean_share: share of claims billed correctly (the rest carry one or two errors).
        plant_phi: share of notes that get fake identifiers planted (``planted_phi`` records the kinds).
        start, end: range of dates of service (the CMS tables shipped are the July 2024 versions).
    """

    n: int = 1000
    seed: int = 0
    phrasing: Phrasing = "train"
    family: str | None = None
    clean_share: float = 0.4
    plant_phi: float = 0.0
    start: dt.date = dt.date(2024, 7, 1)
    end: dt.date = dt.date(2024, 12, 31)

    def validate(self) -> None:
        """Raise ValueError with one message shape: parameter, owner, allowed, got."""
        checks = [
            ("n", self.n >= 0, "an integer >= 0"),
            ("phrasing", self.phrasing in PHRASING_CHOICES, f"one of {list(PHRASING_CHOICES)}"),
            ("clean_share", 0.0 <= self.clean_share <= 1.0, "a float in [0, 1]"),
            ("plant_phi", 0.0 <= self.plant_phi <= 1.0, "a float in [0, 1]"),
            ("end", self.start <= self.end, "a date on or after 'start'"),
        ]
        for name, ok, allowed in checks:
            if not ok:
                raise ValueError(
                    f"The {name!r} parameter of SynthConfig must be {allowed}. Got {getattr(self, name)!r} instead."
                )


def check_family(config: SynthConfig, knowledge: Knowledge) -> None:
    """Raise ValueError unless ``config.family`` is None or a family of its phrasing split (never H by name)."""
    if config.family is None:
        return
    split = "train" if config.phrasing == "all" else config.phrasing
    names = knowledge.family_names(split)
    if config.family not in names:
        raise ValueError(
            f"The 'family' parameter of SynthConfig must name a family of the {config.phrasing!r} phrasing "
            f"({', '.join(names)}). Got {config.family!r} instead."
        )


@dataclass
class SynthReport:
    """What a run wrote: counts and timing (no note text)."""

    written: int = 0
    seconds: float = 0.0
    flagged: int = 0
    cms_available: bool = True
    skipped_error_types: list[str] = field(default_factory=list)


def _claim(lines: list[Line]) -> Claim:
    return Claim(lines=[ClaimLine(code=x.code, modifiers=x.modifiers, units=x.units, dx=x.dx) for x in lines])


def _history(rng: random.Random, scenario: Scenario, hcc: HccModel) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    if scenario.recapture_history:
        # A visit in the prior calendar year that coded chronic conditions: HCC recapture candidates this year.
        coded = [c for p in scenario.background + scenario.problems for c in p.codes if hcc.hccs_for(c)]
        coded += [c for p in scenario.background for c in p.codes if not c.startswith("Z")][:2]
        if coded:
            prior = dt.date(scenario.date.year - 1, rng.randint(1, 12), rng.randint(1, 28))
            lines = [ClaimLine(code="99214", dx=list(dict.fromkeys(coded))[:4])]
            entries.append(
                HistoryEntry.model_validate(
                    {"date_of_service": prior, "claim": Claim(lines=lines), "provider_id": scenario.provider_id}
                )
            )
    if scenario.global_procedure is not None:
        g = scenario.global_procedure
        line = ClaimLine(code=g.code, modifiers=[g.modifier] if g.modifier else [], dx=[g.dx])
        entries.append(
            HistoryEntry.model_validate(
                {
                    "date_of_service": scenario.date - dt.timedelta(days=g.days_ago),
                    "claim": Claim(lines=[line]),
                    "provider_id": scenario.provider_id,
                }
            )
        )
    return sorted(entries, key=lambda e: e.date_of_service)


class Generator:
    """Builds encounters for one configuration (code sets and tables are loaded once).

    Args:
        config: what to generate.
        knowledge: the clinical tables (default: the shipped ones).
        codesets: the code-set layer (default: from settings); its CMS tables are optional.
    """

    def __init__(
        self, config: SynthConfig, knowledge: Knowledge | None = None, codesets: CodeSets | None = None
    ) -> None:
        config.validate()
        self.config = config
        self.knowledge = knowledge or default_knowledge()
        codesets = codesets or CodeSets.from_settings()
        self.hcc = codesets.hcc("V28")
        cms = codesets.cms if codesets.has_cms else None
        self.facts = CmsFacts(cms)
        self.gold_ptp = gold_ptp_pairs(cms, self.knowledge)
        self.injector = ErrorInjector(self.knowledge, self.facts, self.hcc)
        self.unspecified = unspecified_map(self.knowledge)
        self.triggers_25 = modifier25_triggers(self.knowledge)
        self.train = self.knowledge.family_names("train", drawn_only=True)
        self.heldout = self.knowledge.family_names("heldout", drawn_only=True)
        self.validation = self.knowledge.family_names("validation", drawn_only=True)
        self.calibration = self.knowledge.family_names("calibration", drawn_only=True)
        check_family(config, self.knowledge)
        if not self.facts.available:
            warnings.warn(
                "SYN020 CMS tables not found: ncci_ptp_conflict, mue_exceeded and addon_without_primary errors are "
                "not injected, and gold skips NCCI pairing (XS, bundled services). Set MEDCODE_DATA_DIR or run "
                "'medcode codesets refresh' with the CMS files.",
                stacklevel=2,
            )

    def _family(self, rng: random.Random) -> str:
        drawn = self._draw_family(rng)
        # The draw is made anyway, so that a chosen family changes nothing else about the encounter.
        return drawn if self.config.family is None else self.config.family

    def _draw_family(self, rng: random.Random) -> str:
        if self.config.phrasing == "heldout":
            return rng.choice(self.heldout)
        if self.config.phrasing == "validation":
            return rng.choice(self.validation)
        if self.config.phrasing == "calibration":
            return rng.choice(self.calibration)
        if self.config.phrasing == "all" and rng.random() < HELDOUT_SHARE_IN_ALL:
            return rng.choice(self.heldout)
        return rng.choice(self.train)

    def encounter(self, index: int) -> Encounter:
        """Encounter number ``index`` of this seed."""
        config = self.config
        rng = random.Random(config.seed * 1_000_003 + index)
        family = self.knowledge.families[self._family(rng)]
        scenario = sample_scenario(rng, index, self.knowledge, family, config.start, config.end)
        coded = code_scenario(scenario, self.knowledge, self.hcc, self.gold_ptp)
        text = render_note(rng, scenario, coded, self.knowledge)
        gold = coded.gold
        date = scenario.date
        leftover = reference_audit(
            gold, coded.em_modifiers, coded.lines, date, self.facts, self.hcc, self.unspecified, self.triggers_25
        )
        if leftover:
            raise SynthError(
                f"SYN010 seed {config.seed} index {index}: the correct claim raises "
                f"{[f.match_key() for f in leftover]}; this is a generator bug, please report it."
            )
        if rng.random() < config.clean_share:
            billed = coded.lines
            flags = []
        else:
            billed = self.injector.inject(
                rng, scenario, gold, coded.em_modifiers, coded.lines, scenario.provider_id in OVERCODERS
            )
            flags = reference_audit(
                gold, coded.em_modifiers, billed, date, self.facts, self.hcc, self.unspecified, self.triggers_25
            )
        planted: list[str] = []
        if config.plant_phi and rng.random() < config.plant_phi:
            text, kinds = plant_phi(rng, text)
            planted = list(kinds)
        record: dict[str, Any] = {
            "encounter_id": f"SYN-{config.seed}-{index:06d}",
            "text": text,
            "patient_id": f"SP{config.seed:03d}{index:07d}",
            "date_of_service": date,
            "setting": scenario.setting,
            "patient_status": scenario.patient_status,
            "age": scenario.age,
            "sex": scenario.sex,
            "specialty": scenario.specialty,
            "provider_id": scenario.provider_id,
            "payer": scenario.payer,
            "time_minutes": scenario.time_minutes,
            "claim": _claim(billed),
            "history": _history(rng, scenario, self.hcc),
            "gold": gold,
            "expected_flags": flags,
            # Extra keys (kept by the schema): the visit type, the phrasing family (train vs held-out) and the kinds
            # of fake identifiers planted in the note.
            "visit_kind": scenario.kind,
            "phrasing_family": family.name,
            "planted_phi": planted,
        }
        return Encounter.model_validate(record)

    def __iter__(self) -> Iterator[Encounter]:
        for index in range(self.config.n):
            yield self.encounter(index)


def generate_encounters(config: SynthConfig, codesets: CodeSets | None = None) -> Iterator[Encounter]:
    """Yield ``config.n`` synthetic encounters (Python API of ``medcode synth``)."""
    yield from Generator(config, codesets=codesets)


def synthesize(config: SynthConfig, out: str | Path, codesets: CodeSets | None = None) -> SynthReport:
    """Generate and write encounters to ``out`` (.jsonl, .csv or .parquet); returns counts and timing."""
    started = time.perf_counter()
    generator = Generator(config, codesets=codesets)
    report = SynthReport(cms_available=generator.facts.available)
    if not generator.facts.available:
        report.skipped_error_types = ["ncci_ptp_conflict", "mue_exceeded", "addon_without_primary"]
    with EncounterWriter(out) as writer:
        for encounter in generator:
            writer.write(encounter)
            report.written += 1
            report.flagged += bool(encounter.expected_flags)
    report.seconds = time.perf_counter() - started
    return report
