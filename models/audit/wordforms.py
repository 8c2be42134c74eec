"""Matching keys of words: the word forms the audit's readers take for one word ("hypothyroid" and
"hypothyroidism", "gouty" and "gout"), shared by the diagnosis-support reader and the clinical-term table."""

from __future__ import annotations

from functools import lru_cache

from models.icd10.text import PUNCT, STOPWORDS

KEY_LETTERS = 8


def word_key(norm: str) -> str:
    """Matching key of a folded word: its first eight letters (plural "-oses" read as "-osis"), so that word forms
    meet ("hypothyroid" and "hypothyroidism", "keratoses" and "keratosis", "fractured" and "fracture") while
    "hemorrhoids" and "hemorrhage" stay apart."""
    return (norm[:-4] + "osis" if norm.endswith("oses") else norm)[:KEY_LETTERS]


# Lower-case clinical shorthand and lay words the ICD-10-CM suggester's normalisation leaves as they are (it expands
# abbreviations written in capitals), folded to the word ICD-10-CM titles use ("extremity": titles say "upper limb"
# and "upper extremity" alike).
SHORTHAND = {"rt": "right", "lt": "left", "sided": "side", "bilat": "bilateral", "exac": "exacerbation",
             "mod": "moderate", "cigs": "cigarette", "axillary": "axilla", "hyperglycaemia": "hyperglycemia",
             "strep": "streptococcal", "gouty": "gout", "lac": "laceration", "hive": "urticaria", "hives": "urticaria",
             "earwax": "cerumen", "extremity": "limb", "extremities": "limb"}  # fmt: skip


@lru_cache(maxsize=1 << 16)  # a word's key depends on the word alone: notes and titles repeat a few thousand words
def content_key(norm: str) -> str | None:
    """Matching key of one normalised token, or None for a stopword or punctuation."""
    if norm in STOPWORDS or norm in PUNCT:
        return None
    return word_key(SHORTHAND.get(norm, norm))
