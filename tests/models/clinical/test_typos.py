from __future__ import annotations

import pytest

from models.clinical.typos import repair


@pytest.mark.parametrize(
    ("lowered", "repaired"),
    [
        ("bp stabel on lisinopril", "bp stable on lisinopril"),  # a cue word
        ("diabeitc neuropathy", "diabetic neuropathy"),  # a cue stem with its ending
        # a word the note itself uses twice is known there
        ("the zorblax dose; zorbalx was held; zorblax again", "the zorblax dose; zorblax was held; zorblax again"),
        ("patient reports nothing", "patient reports nothing"),  # no swap gives a known word
    ],
)
def test_typos_repair_swaps_one_adjacent_pair_into_a_known_word(lowered: str, repaired: str) -> None:
    assert repair(lowered) == repaired
    assert len(repair(lowered)) == len(lowered)
