"""NCCI facts the generator needs, all read from the CMS tables (never copied into the project).

Gold uses the PTP pairs among the generator's own codes as they stood on :data:`GOLD_PTP_DATE`, so gold does not
drift with the date of service. Error injection and the reference audit use dated lookups (:class:`CmsFacts`).
Without the CMS tables both are empty: NCCI-driven gold (XS on distinct procedures, dropping services NCCI never
pays together) and the NCCI error types are skipped, and the generator says so (SYN020).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from datasets.codesets.cms import CmsTables
from datasets.codesets.em import em_level_rules, preventive_rules
from datasets.synth.knowledge import Knowledge

# The July 2024 PTP edits decide gold; the dates of service default to 2024-07..12 (the shipped CMS versions).
GOLD_PTP_DATE = dt.date(2024, 7, 1)
AWV_CODES = ("G0438", "G0439")
# Administration codes: CPT 90471/90472 for most payers; Medicare Part B bills influenza and pneumococcal vaccine
# administration with G0008 and G0009 instead.
ADMIN_CODES = ("90471", "90472", "G0008", "G0009")
# Codes the generator bills outside the catalogue: screening and counselling with wellness visits, prolonged time.
EXTRA_CODES = ("G0444", "Q0091", "G0101", "99497", "99417", "G2212", "93010", "99024")


def office_em_codes() -> tuple[str, ...]:
    return tuple(r.code for r in em_level_rules() if r.category == "office")


def preventive_codes() -> tuple[str, ...]:
    return tuple(r.code for r in preventive_rules())


def catalogue_codes(knowledge: Knowledge) -> tuple[str, ...]:
    """Every CPT/HCPCS code the generator can put on a claim (services, add-ons, drugs, vaccines, visits)."""
    codes: set[str] = set(office_em_codes()) | set(preventive_codes()) | set(AWV_CODES) | set(ADMIN_CODES)
    codes |= set(EXTRA_CODES)
    for service in knowledge.services.values():
        codes.add(service.code)
        codes.update(service.bundled)
        if service.addon:
            codes.add(service.addon)
        if service.drug:
            codes.add(service.drug.code)
    codes.update(v.code for v in knowledge.content.vaccines)
    return tuple(sorted(codes))


@dataclass(frozen=True)
class PtpPair:
    """One NCCI PTP pair among the generator's codes: column 2 is bundled into column 1 on the same day."""

    column1: str
    column2: str
    modifier_indicator: int


def gold_ptp_pairs(
    cms: CmsTables | None, knowledge: Knowledge, on: dt.date = GOLD_PTP_DATE
) -> dict[tuple[str, str], int]:
    """(column1, column2) -> modifier indicator (0 or 1) for the pairs among the catalogue's codes active on ``on``.

    One indexed query over the CMS PTP table; empty without the CMS tables.
    """
    if cms is None:
        return {}
    return {
        (e.column1, e.column2): e.modifier_indicator
        for e in cms.ptp_edits(catalogue_codes(knowledge), on)
        if e.modifier_indicator in (0, 1)
    }


class CmsFacts:
    """Cached, dated NCCI lookups over the live CMS tables (PTP, MUE, add-on primaries).

    Args:
        cms: the CMS tables, or None on a machine without them (every lookup then answers "unknown").
    """

    def __init__(self, cms: CmsTables | None) -> None:
        self.cms = cms
        self._ptp: dict[tuple[tuple[str, ...], dt.date], list[PtpPair]] = {}
        self._mue: dict[tuple[str, dt.date], int | None] = {}
        self._addon: dict[tuple[str, dt.date], frozenset[str] | None] = {}

    @property
    def available(self) -> bool:
        return self.cms is not None

    def ptp_pairs(self, codes: list[str], date_of_service: dt.date) -> list[PtpPair]:
        """Active PTP pairs with modifier indicator 0 or 1 among ``codes`` on the date."""
        if self.cms is None:
            return []
        key = (tuple(sorted(set(codes))), date_of_service)
        if key not in self._ptp:
            self._ptp[key] = [
                PtpPair(e.column1, e.column2, e.modifier_indicator)
                for e in self.cms.ptp_edits(key[0], date_of_service)
                if e.modifier_indicator in (0, 1)
            ]
        return self._ptp[key]

    def mue_max(self, code: str, date_of_service: dt.date) -> int | None:
        """The MUE unit limit, or None when there is none. A limit of 0 marks a service Medicare does not cover
        (preventive visits, IUD supplies) rather than a unit ceiling, so it is reported as None."""
        if self.cms is None:
            return None
        key = (code, date_of_service)
        if key not in self._mue:
            edit = self.cms.mue(code, date_of_service)
            self._mue[key] = edit.max_units if edit is not None and edit.max_units > 0 else None
        return self._mue[key]

    def addon_primaries(self, code: str, date_of_service: dt.date) -> frozenset[str] | None:
        """The listed primary codes of an add-on code (edit types 1 and 3), or None when ``code`` is not one."""
        if self.cms is None:
            return None
        key = (code, date_of_service)
        if key not in self._addon:
            edit = self.cms.addon_edit(code, date_of_service)
            self._addon[key] = edit.primary_codes if edit is not None and edit.primary_codes else None
        return self._addon[key]
