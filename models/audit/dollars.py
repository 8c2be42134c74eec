"""Dollar estimates from the Medicare physician fee schedule in force on the date of service.

Amount = total RVU (non-facility in the office, facility in hospital settings) x the schedule's conversion factor:
a national figure before geographic adjustment (no GPCI), which every flag states. Codes the fee schedule does not
price (clinical labs, status X; drugs, status E; bundled codes, status B) get no amount and say why.
"""

from __future__ import annotations

import datetime as dt

from datasets.codesets.cms import CmsTables, FeeScheduleRecord
from models.audit.flags import Direction, DollarImpact

# Settings billed with the facility RVUs (the practitioner's services in a hospital or facility).
FACILITY_SETTINGS = frozenset({"inpatient", "observation", "emergency", "nursing_facility"})
_UNPRICED_STATUS = {
    "X": "paid under another fee schedule (e.g. clinical laboratory)",
    "E": "priced outside the physician fee schedule (e.g. drug ASP pricing)",
    "B": "bundled into other services, never paid separately",
    "I": "not valid for Medicare (another code is used)",
    "N": "not covered by Medicare (commercial plans may pay on these RVUs)",
}


def is_facility(setting: str | None) -> bool:
    return setting in FACILITY_SETTINGS


class DollarEstimator:
    """Prices codes and RVU differences with the fee schedule in force on one date of service.

    Args:
        cms: the CMS tables.
        date_of_service: date whose fee schedule version is used.
        facility: use facility RVUs (hospital settings) rather than non-facility (office).
    """

    def __init__(self, cms: CmsTables | None, date_of_service: dt.date, facility: bool) -> None:
        self.cms = cms
        self.date_of_service = date_of_service
        self.facility = facility

    def record(self, code: str) -> FeeScheduleRecord | None:
        if self.cms is None or not self.cms.has("pfs_rvu"):
            return None
        return self.cms.fee(code, self.date_of_service)

    def rvu(self, code: str) -> float | None:
        """Total RVU of the code (facility or non-facility), None when it is not priced."""
        record = self.record(code)
        if record is None:
            return None
        total = record.facility_total_rvu if self.facility else record.non_facility_total_rvu
        return total if total > 0 else None

    def _version(self) -> str | None:
        if self.cms is None or not self.cms.has("pfs_rvu"):
            return None
        return f"PFS {self.cms.version_on('pfs_rvu', self.date_of_service)}"

    def for_codes(self, codes: list[tuple[str, int]], direction: Direction, basis: str) -> DollarImpact:
        """The payment of ``units`` of each code: what is exposed, left out or denied."""
        total_rvu = 0.0
        cf: float | None = None
        unpriced: list[str] = []
        for code, units in codes:
            record = self.record(code)
            rvu = self.rvu(code)
            if record is None or rvu is None:
                status = "" if record is None else _UNPRICED_STATUS.get(record.status_code, "")
                unpriced.append(f"{code}{': ' + status if status else ': not on the fee schedule'}")
                continue
            total_rvu += rvu * max(units, 0)
            cf = record.conversion_factor
        version = self._version()
        text = basis + (f" Not priced: {'; '.join(unpriced)}." if unpriced else "")
        if cf is None:
            return DollarImpact(
                amount=None, direction=direction, rvu=None, conversion_factor=None, fee_schedule=version,
                facility=self.facility, basis=text,
            )  # fmt: skip
        return DollarImpact(
            amount=round(total_rvu * cf, 2), direction=direction, rvu=round(total_rvu, 2), conversion_factor=cf,
            fee_schedule=version, facility=self.facility, basis=text,
        )  # fmt: skip

    def difference(self, higher: str, lower: str, direction: Direction, basis: str) -> DollarImpact:
        """RVU difference between two codes (e.g. billed and supported E/M levels) x conversion factor."""
        hi, lo = self.record(higher), self.record(lower)
        hi_rvu, lo_rvu = self.rvu(higher), self.rvu(lower)
        version = self._version()
        if hi is None or hi_rvu is None:
            return DollarImpact(
                amount=None, direction=direction, rvu=None, conversion_factor=None, fee_schedule=version,
                facility=self.facility, basis=basis + f" {higher} is not priced on the fee schedule.",
            )  # fmt: skip
        delta = hi_rvu - (lo_rvu or 0.0) if lo is not None else hi_rvu
        delta = max(delta, 0.0)
        return DollarImpact(
            amount=round(delta * hi.conversion_factor, 2), direction=direction, rvu=round(delta, 2),
            conversion_factor=hi.conversion_factor, fee_schedule=version, facility=self.facility, basis=basis,
        )  # fmt: skip
