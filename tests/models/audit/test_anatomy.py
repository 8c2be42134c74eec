"""Body sites read from the ICD-10-CM code set: parts of wider sites, and the nouns of site adjectives."""

from __future__ import annotations

from datasets.codesets import CodeSets
from models.audit.anatomy import site_lexicon
from models.audit.wordforms import word_key


def test_site_parts_belong_to_their_wider_sites(codesets: CodeSets) -> None:
    lexicon = site_lexicon(codesets.icd10cm)
    # the injury block "Injuries to the ankle and foot", then "foot" in the lower extremity's inclusion list
    assert {"ankle", "foot", "lower", "limb"} <= lexicon.wholes(word_key("toe"))
    assert {"upper", "limb"} <= lexicon.wholes(word_key("wrist"))
    # a region's own word stays itself, and a block naming many sites ("abdomen, lower back, lumbar spine, ...")
    # makes no word a part of one of them
    assert lexicon.wholes(word_key("knee")) == frozenset()
    assert lexicon.wholes(word_key("back")) == frozenset()


def test_site_adjectives_read_as_the_nouns_titles_use(codesets: CodeSets) -> None:
    lexicon = site_lexicon(codesets.icd10cm)
    assert lexicon.noun("ileal") == word_key("ileum")
    assert lexicon.noun("axillary") == word_key("axilla")
    assert lexicon.noun("gastric") is None  # no title says "gastr"
    words = lexicon.read(frozenset({"gout", "left", "great", "toe"}), "gout, left great toe")
    assert {"ankle", "foot"} <= words
