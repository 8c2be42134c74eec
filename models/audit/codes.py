"""Small facts about CPT/HCPCS codes that several checks share: E/M visit, preventive visit, global period.

Numbers only: what a code *is* comes from the E/M rule tables (``datasets/codesets/data``), the fee schedule
(global days) and the CMS RBCS category, never from CPT descriptor text.
"""

from __future__ import annotations

from functools import lru_cache

from datasets.codesets.em import em_rank, preventive_rules

POSTOP_VISIT = "99024"  # postoperative follow-up visit inside a global period: reported, not paid
# HCPCS preventive visits beside the CPT preventive medicine codes of em_preventive_2023.csv: Welcome to Medicare
# (G0402) and the annual wellness visits (G0438 initial, G0439 subsequent).
HCPCS_PREVENTIVE = frozenset({"G0402", "G0438", "G0439"})
# Problem-oriented visit families outside em_levels_2023.csv, as numeric ranges (office consults, nursing facility,
# home or residence visits): they count as E/M visits for modifier 25 and global-period checks.
_OTHER_VISIT_RANGES: tuple[tuple[int, int], ...] = ((99242, 99245), (99252, 99255), (99304, 99316), (99341, 99350))
GLOBAL_MODIFIERS_EM = frozenset({"24", "25", "57"})
GLOBAL_MODIFIERS_PROCEDURE = frozenset({"58", "78", "79"})
GLOBAL_MODIFIERS = GLOBAL_MODIFIERS_EM | GLOBAL_MODIFIERS_PROCEDURE


@lru_cache(maxsize=1)
def preventive_codes() -> frozenset[str]:
    """CPT preventive medicine codes (99381-99397) and the Medicare preventive visits."""
    return frozenset(r.code for r in preventive_rules()) | HCPCS_PREVENTIVE


def is_preventive(code: str) -> bool:
    return code in preventive_codes()


@lru_cache(maxsize=4096)
def is_problem_visit(code: str) -> bool:
    """A problem-oriented E/M visit (office, hospital, ED, consult, nursing facility, home); not 99024 or add-ons."""
    if code == POSTOP_VISIT or is_preventive(code):
        return False
    if em_rank(code) is not None:
        return True
    if code.isdigit():
        number = int(code)
        return any(low <= number <= high for low, high in _OTHER_VISIT_RANGES)
    return False


def is_visit(code: str) -> bool:
    """Any E/M visit, problem-oriented or preventive."""
    return is_problem_visit(code) or is_preventive(code)


def has_any(modifiers: list[str] | tuple[str, ...], wanted: frozenset[str]) -> bool:
    return any(m in wanted for m in modifiers)
