"""ICD-10-CM facts the specificity finder and the unspecified-code check share: which titles leave a detail open,
and which more specific conditions the classification sends to another category.

A title leaves a detail open when it is unspecified ("Insomnia, unspecified", "site not specified") or states an
axis as absent ("without complications", "without esophagitis"): a note documenting that axis needs another code.
Excludes notes of a code and of its ancestors name conditions coded elsewhere ("cystitis (N30.-)" under N39.0
"Urinary tract infection, site not specified"; "primary insomnia (F51.01)" under G47.0 "Insomnia"): the official
classification's own cross references, read from the code-set layer, never a list of our own.

An excludes note may name a class of conditions by examples ("urinary tract infection of specified site, such as:"
then "cystitis (N30.-)", "urethritis (N34.-)"): the examples are not the whole class. A condition of the blocks the
examples are filed in whose title or inclusion terms name the class's head condition ("Acute pyelonephritis", with
its inclusion term "Acute infectious interstitial nephritis") is a member too: an infection of the kidney is a
urinary tract infection of a specified site.
"""

from __future__ import annotations

import re
from functools import lru_cache

from datasets.codesets import Icd10cm, IcdCode
from models.audit.support import words_of

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
    sends to another category, or is a member of a class such a note names by examples."""
    return any(documented.startswith(prefix) for _, prefix in coded_elsewhere(icd, billed)) or (
        documented in class_members(icd, billed)
    )


# "urinary tract infection of specified site, such as:", "localized pain, unspecified type - code to pain by site,
# such as:": a class named by the examples that follow
_SUCH_AS = re.compile(r"^(?P<term>[^()]+?),?\s+such as:?\s*$", re.IGNORECASE)
# what qualifies a class's head condition follows it ("infection of specified site", "pain, unspecified type")
_QUALIFIER = re.compile(r"\s+(?:of|with|without|in|due|associated|included)\b|,|\s+-\s+", re.IGNORECASE)


@lru_cache(maxsize=4096)
def class_members(icd: Icd10cm, code: str) -> tuple[str, ...]:
    """Billable codes of other categories that belong to a class an excludes note of ``code`` (or of its ancestors)
    names by examples (see the module docstring): filed in one of the examples' blocks, not themselves unspecified,
    and naming the class's head condition (the last word before its qualifiers) in their own or their category's
    title or inclusion terms. Codes under an example's own reference are left to :func:`coded_elsewhere`."""
    heads: dict[str, set[str]] = {}  # head word key -> blocks ("N10-N16") of its class's examples
    examples: set[str] = set()
    for item_code in (code, *icd.ancestors(code)):
        item = icd.find_code(item_code)
        if item is None:
            continue
        for notes in (item.excludes1, item.excludes2):
            head: str | None = None
            for note in notes:
                if (named := _SUCH_AS.match(note)) is not None:
                    words = words_of(_QUALIFIER.split(named.group("term"), maxsplit=1)[0])
                    head = words[-1] if words else None
                    continue
                found = _REFERENCE.match(note)
                if head is None or found is None:
                    continue
                for reference in (r.strip().rstrip("-").rstrip(".") for r in found.group("codes").split(",")):
                    if _CODE.match(reference) and reference[:3] != code[:3]:
                        examples.add(reference)
                        heads.setdefault(head, set()).update(_block(icd, reference[:3]))
    members: list[str] = []
    for head, blocks in heads.items():
        ranges = [tuple(block.split("-", 1)) for block in blocks]
        for category, records in billable_by_category(icd).items():
            if category == code[:3] or not any(first <= category <= last for first, last in ranges):
                continue
            for record in records:
                member = record.code
                if unspecified_title(record.title) or any(member.startswith(example) for example in examples):
                    continue
                if head in _names_of(icd, member):
                    members.append(member)
    return tuple(dict.fromkeys(members))


@lru_cache(maxsize=2)
def billable_by_category(icd: Icd10cm) -> dict[str, list[IcdCode]]:
    """Billable codes by three-character category, read once per code set (every billable record is parsed, about
    3 s CPU): the audit reads it at load (``DefaultModels.load_tables``), so that no note pays for it."""
    index: dict[str, list[IcdCode]] = {}
    for record in icd.billable_codes():
        index.setdefault(record.code[:3], []).append(record)
    return index


def _block(icd: Icd10cm, category: str) -> tuple[str, ...]:
    """The block ("N10-N16") a category is filed in, or nothing when the code set has no such category."""
    if icd.find_code(category) is None:
        return ()
    return tuple(a for a in icd.ancestors(category) if "-" in a and a[:1].isalpha())[:1]


# a title's words after "without" name what its condition lacks ("Acute cystitis without hematuria")
_ABSENT_PART = re.compile(r"\bwithout\b.*$", re.IGNORECASE)


def _names_of(icd: Icd10cm, code: str) -> frozenset[str]:
    """Matching keys of the words a code's titles and inclusion terms, up to its category, state present."""
    words: set[str] = set()
    for item_code in (code, *(a for a in icd.ancestors(code) if a[:3] == code[:3] and "-" not in a)):
        item = icd.find_code(item_code)
        if item is not None:
            for text in (item.title, *item.inclusion_terms):
                words.update(words_of(_ABSENT_PART.sub("", text)))
    return frozenset(words)
