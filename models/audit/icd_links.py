"""ICD-10-CM facts the specificity finder and the unspecified-code check share: which titles leave a detail open,
and which more specific conditions the classification sends to another category.

A title leaves a detail open when it is unspecified ("Insomnia, unspecified", "site not specified") or states an
axis as absent ("without complications", "without esophagitis"): a note documenting that axis needs another code.
Excludes notes of a code and of its ancestors name conditions coded elsewhere ("cystitis (N30.-)" under N39.0
"Urinary tract infection, site not specified"; "primary insomnia (F51.01)" under G47.0 "Insomnia"): the official
classification's own cross references, read from the code-set layer, never a list of our own.
"""

from __future__ import annotations

import re
from functools import lru_cache

from datasets.codesets import Icd10cm

_UNSPECIFIED_TITLE = re.compile(r"\bunspecified\b|\bnot specified\b|\bnos$", re.IGNORECASE)
_ABSENT_AXIS = re.compile(r"\bwithout\b", re.IGNORECASE)
# "primary insomnia (F51.01)", "cystitis (N30.-)", "drug-related insomnia (F11.182, F11.282, F13.-)"
_REFERENCE = re.compile(r"^(?P<term>[^()]+?)\s*\((?P<codes>[A-Z][0-9][0-9A-Z][0-9A-Z.,\s-]*)\)\s*$")
_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{0,4})?-?$")


@lru_cache(maxsize=1 << 17)  # the specificity finder asks for every title of a billed code's category
def unspecified_title(title: str) -> bool:
    """Whether an ICD-10-CM title leaves an axis unspecified ("Insomnia, unspecified", "site not specified")."""
    return bool(_UNSPECIFIED_TITLE.search(title))


def vague_title(title: str) -> bool:
    """Whether an ICD-10-CM title leaves a detail open: unspecified, or an axis stated as absent that a note may
    document present ("without esophagitis")."""
    return unspecified_title(title) or bool(_ABSENT_AXIS.search(title))


@lru_cache(maxsize=4096)
def coded_elsewhere(icd: Icd10cm, code: str) -> tuple[tuple[str, str], ...]:
    """(condition term, code prefix) of each condition the excludes notes of ``code`` and its ancestors send to
    another category ("primary insomnia", "F51.01"; "cystitis", "N30"): a prefix stands for the billable codes under
    it."""
    out: list[tuple[str, str]] = []
    for item_code in (code, *icd.ancestors(code)):
        item = icd.find_code(item_code)
        if item is None:
            continue
        for note in (*item.excludes1, *item.excludes2):
            found = _REFERENCE.match(note)
            if found is None:
                continue
            for reference in (r.strip() for r in found.group("codes").split(",")):
                if _CODE.match(reference) and reference[:3] != code[:3]:
                    out.append((found.group("term"), reference.rstrip("-").rstrip(".")))
    return tuple(dict.fromkeys(out))


def is_coded_elsewhere(icd: Icd10cm, billed: str, documented: str) -> bool:
    """Whether ``documented`` falls under a condition that an excludes note of ``billed`` (or of its ancestors)
    sends to another category."""
    return any(documented.startswith(prefix) for _, prefix in coded_elsewhere(icd, billed))
