"""Body sites a note names by a part or by an adjective, read from the ICD-10-CM code set itself.

A diagnostic statement often names a site more narrowly than the code title does ("gout, left great toe" for
"Idiopathic gout, left ankle and foot"; "right wrist" for "Carpal tunnel syndrome, right upper limb") or names it by
its adjective ("ileal Crohn's" for "Crohn's disease of ileum"). The classification states both facts itself:

- the injury chapter groups its codes by body region ("Injuries to the ankle and foot (S90-S99)"); a word of its
  titles found in one region's block only ("toe", "metatarsal", "calcaneus") is a part of that region;
- an inclusion term may spell a title's site out as its parts ("Traumatic compartment syndrome of upper extremity":
  "... of shoulder, arm, forearm, wrist, hand, and fingers"): each part belongs to the title's site;
- a Latin site adjective is its noun with another ending ("ileal" ileum, "axillary" axilla, "colonic" colon): it is
  read as the noun when the code set's titles use that noun.

:class:`SiteLexicon` answers, for a note word, the matching keys of the wider sites and of the noun it stands for.
"""

from __future__ import annotations

import re
from functools import lru_cache

from datasets.codesets import Icd10cm
from models.audit.support import words_of
from models.audit.wordforms import content_key
from models.icd10.knowledge import clean_title
from models.icd10.text import tokenize

_INJURY_BLOCK = re.compile(r"^Injuries to the (?P<region>.+?) \((?P<first>S\d\d)-(?P<last>S\d\d)\)$")
# "X of A, B, and C" / "X of A and B": the title's own site spelled out as a list
_LIST_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+and\s+")
_WORD = re.compile(r"[a-z]+")
# a site's name: one to three plain words ("upper extremity", "ankle and foot", "fingers"), no qualifier or number
_SITE_NAME = re.compile(r"^(?!.*\b(?:or|with|such|of|nos|unspecified|other)\b)[a-z]+(?: [a-z]+){0,2}$")
# an injury block's region names at most four sites' words: "abdomen, lower back, lumbar spine, pelvis and external
# genitals" mixes organs and regions and is no one site
_MAX_REGION_WORDS = 4
# Latin adjective endings and the noun endings they stand for ("-al" ileum/vagina, "-ary" axilla, "-ic" colon/anemia)
_ADJECTIVE_ENDINGS = (("eal", "eum"), ("al", "um"), ("al", "a"), ("ary", "a"), ("ar", "a"), ("ic", ""), ("ic", "ia"))


class SiteLexicon:
    """Wider sites of a site word, and nouns of site adjectives, from the code set (see module docstring).

    Args:
        icd: ICD-10-CM titles, inclusion terms and hierarchy.
    """

    def __init__(self, icd: Icd10cm) -> None:
        self._wholes: dict[str, frozenset[str]] = {}
        self._nouns: frozenset[str] = frozenset()
        self._build(icd)

    def _build(self, icd: Icd10cm) -> None:
        regions: dict[str, frozenset[str]] = {}  # injury category -> its block's region keys
        blocks_of: dict[str, set[frozenset[str]]] = {}  # title key -> the regions of the injury blocks using it
        wholes: dict[str, set[str]] = {}
        nouns: set[str] = set()
        parents: set[str] = set()
        for record in icd.billable_codes():
            title = clean_title(record.title)
            nouns.update(_WORD.findall(title.lower()))
            if record.code.startswith("S"):
                region = self._injury_region(icd, record.code, regions)
                for key in set(words_of(title)):
                    blocks_of.setdefault(key, set()).add(region)
            for term in record.inclusion_terms:
                self._parts_of(record.title, term, wholes)
            if record.parent is not None:
                parents.add(record.parent)
        for item in filter(None, map(icd.find_code, parents)):
            for term in item.inclusion_terms:
                self._parts_of(item.title, term, wholes)
        all_regions = set().union(*regions.values()) if regions else set()
        for key, blocks in blocks_of.items():
            # a word of one region's titles only is a part of it (a region's own word stays itself); a block naming
            # many sites ("abdomen, lower back, lumbar spine, pelvis and external genitals") is no one region
            region = next(iter(blocks))
            if len(blocks) == 1 and 0 < len(region) <= _MAX_REGION_WORDS and key not in all_regions and key.isalpha():
                wholes.setdefault(key, set()).update(region)
        # a part of a part belongs to the whole too ("toe" is in the ankle and foot, the foot in the lower limb)
        closed = {k: set(v).union(*(wholes.get(w, ()) for w in v)) for k, v in wholes.items()}
        self._wholes = {k: frozenset(v - {k}) for k, v in closed.items() if v - {k}}
        self._nouns = frozenset(nouns)

    @staticmethod
    def _injury_region(icd: Icd10cm, code: str, regions: dict[str, frozenset[str]]) -> frozenset[str]:
        """The region keys of an S code's injury block ("ankle", "foot"), cached by category in ``regions``."""
        category = code[:3]
        if category not in regions:
            block = next((a for a in icd.ancestors(category) if "-" in a), "")
            found = _INJURY_BLOCK.match(icd.title(block)) if block else None
            regions[category] = frozenset(words_of(found.group("region"))) if found else frozenset()
        return regions[category]

    @staticmethod
    def _parts_of(title: str, term: str, wholes: dict[str, set[str]]) -> None:
        """Record the parts of a title's site when an inclusion term spells that site out as a list."""
        title_words, term_words = title.lower().split(), term.lower().split()
        shared = 0
        while shared < min(len(title_words), len(term_words)) and title_words[shared] == term_words[shared]:
            shared += 1
        whole, listed = " ".join(title_words[shared:]), " ".join(term_words[shared:])
        parts = [p for p in _LIST_SPLIT.split(listed) if p]
        # a site and its parts are short names; longer lists are kinds, stages or behaviours, not anatomy
        if shared < 2 or len(parts) < 3 or not _SITE_NAME.match(whole) or not all(_SITE_NAME.match(p) for p in parts):
            return
        whole_keys = set(words_of(whole))
        for part in parts:
            for key in words_of(part):
                wholes.setdefault(key, set()).update(whole_keys)

    def read(self, words: frozenset[str], text: str) -> frozenset[str]:
        """``words`` (matching keys of ``text``) with the nouns of the text's site adjectives and the wider sites of
        every site word added."""
        nouns = {key for t in tokenize(text) if (key := self.noun(t.norm)) is not None}
        keys = words | nouns
        return keys.union(*(self.wholes(key) for key in keys))

    def wholes(self, key: str) -> frozenset[str]:
        """Matching keys of the wider sites a site word's key belongs to (empty when none)."""
        return self._wholes.get(key, frozenset())

    @lru_cache(maxsize=4096)  # noqa: B019 - one lexicon per process; a note's adjectives repeat across notes
    def noun(self, norm: str) -> str | None:
        """Matching key of the site noun a Latin adjective stands for ("ileal" -> ileum), or None."""
        for ending, replacement in _ADJECTIVE_ENDINGS:
            if norm.endswith(ending) and len(norm) - len(ending) >= 3:
                candidate = norm[: -len(ending)] + replacement
                if candidate != norm and candidate in self._nouns:
                    return content_key(candidate)
        return None


@lru_cache(maxsize=2)
def site_lexicon(icd: Icd10cm) -> SiteLexicon:
    """The site lexicon of a code set, built once per process (it reads every billable title)."""
    return SiteLexicon(icd)
