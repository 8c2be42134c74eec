"""The semantic fallback of the HCC condition finder (models/audit/semantic.py)."""

from __future__ import annotations

import numpy as np
import pytest

from models.audit.semantic import ClusteredTitles, SemanticSettings, TitleSpace, condition_name

# a toy space: three axes, one per condition family; a statement's words point along them
_AXES = {"sugar": 0, "lung": 1, "mood": 2}


class _WordAxes:
    """Test double of the word-piece encoder: each known word adds its axis, the sum is normalised."""

    def __call__(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 3), np.float32)
        for row, text in enumerate(texts):
            for word in text.split():
                if word in _AXES:
                    out[row, _AXES[word]] += 1.0
            norm = float(np.linalg.norm(out[row]))
            out[row] /= max(norm, 1e-9)
        return out


def _space(rows: list[tuple[str, str, list[float]]], **settings: float) -> TitleSpace:
    codes = [code for code, _, _ in rows]
    titles = [title for _, title, _ in rows]
    vectors = np.asarray([v for _, _, v in rows], np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = ClusteredTitles.build(vectors, vectors[:1].copy(), np.zeros(len(rows), np.int32))
    return TitleSpace(_WordAxes(), codes, titles, index, SemanticSettings(**settings))  # type: ignore[arg-type]


_ROWS = [
    ("E99.1", "Sugar disease with a complication", [1.0, 0.05, 0.0]),
    ("E99.9", "Sugar disease, unspecified", [1.0, 0.0, 0.0]),
    ("E99.2", "Sugar disease with another complication", [1.0, 0.1, 0.0]),
    ("J99.9", "Lung disease, unspecified", [0.0, 1.0, 0.0]),
    ("R99.0", "Low mood", [0.0, 0.3, 1.0]),
]
_HCC = {"E99.1": ("HCC1",), "E99.9": ("HCC1",), "E99.2": ("HCC1",), "J99.9": ("HCC2",)}


@pytest.mark.parametrize(
    ("statement", "name"),
    [
        ("For the long-standing sugar trouble, this is stable on diet", "long-standing sugar trouble"),
        ("With regard to the bad lungs - worse this winter", "bad lungs"),
        ("sugar trouble (numb feet), foot exam today", "sugar trouble"),
        ("her breathing problem is flaring again", "her breathing problem"),
        ("gout", None),  # one word is too little to place among titles
        ("colon cancer screening", None),  # the object of a test, not the patient's condition
    ],
)
def test_condition_name_is_the_name_opening_the_statement(statement, name):
    assert condition_name(statement) == name


def test_a_name_whose_nearest_titles_agree_on_one_hcc_answers_the_plain_code():
    space = _space(_ROWS, agree=3, condition_floor=0.8)
    found = space.condition("sugar sickness, poorly controlled", _HCC.get)  # type: ignore[arg-type]
    assert found is not None
    assert found.code == "E99.9"  # the title without detail, not the nearest complication
    assert found.name == "sugar sickness"


def test_titles_that_disagree_or_lie_far_answer_nothing():
    space = _space(_ROWS, agree=3, condition_floor=0.8)
    hcc = lambda code: _HCC.get(code, ())  # noqa: E731
    # the nearest titles are of two HCCs (and one outside the model)
    assert space.condition("lung mood trouble", hcc) is None
    # no title is near enough: the name is about something the titles do not name
    assert space.condition("knee pain after a fall", hcc) is None
    # near titles that map to no HCC answer nothing
    assert _space(_ROWS, agree=1, condition_floor=0.8).condition("mood swings daily", hcc) is None


def test_an_unnamed_item_with_a_clear_condition_is_an_hcc_gap_only_where_it_is_stated(codesets):
    from datasets.schema import Encounter
    from models.audit.adapters import load_default_models

    models = load_default_models(codesets, calibration={})
    if models.title_space is None:
        pytest.skip("no ICD-10-CM suggester bundle with title embeddings installed")

    def gaps(item: str) -> set[str]:
        encounter = Encounter.model_validate(
            {
                "encounter_id": "s-1",
                "text": "ASSESSMENT AND PLAN:\n1. essential hypertension - stable, continue amlodipine 5 mg daily.\n"
                f"2. {item}\n",
                "date_of_service": "2024-08-01",
                "age": 72,
                "sex": "M",
                "claim": {"lines": [{"code": "99214", "dx": ["I10"]}]},
            }
        )
        return {h.icd10cm for h in models.outputs(encounter).hccs or ()}

    item = "late-onset diabetes with diabetic polyneuropathy - monofilament reduced, continue gabapentin 300 mg."
    finder = models.hcc_scanner.finder
    assert not finder.names_any("late-onset diabetes with diabetic polyneuropathy")  # the lexical reader's gap
    assert gaps(item) == {"E11.42"}  # diabetes of unstated type is type 2
    # the assertion rules still apply to what the semantic reader names
    assert gaps("no " + item) == set()
    assert gaps("rule out " + item) == set()


def test_a_plain_title_stands_for_the_name_only_as_near_as_the_nearest():
    rows = [
        ("E99.1", "Sugar disease with a complication", [1.0, 0.0, 0.0]),
        ("E99.9", "Sugar disease, unspecified", [1.0, 0.5, 0.0]),
        ("E99.2", "Sugar disease with another complication", [1.0, 0.2, 0.0]),
    ]
    space = _space(rows, agree=3, condition_floor=0.8)
    found = space.condition("sugar sickness with the complication", _HCC.get)  # type: ignore[arg-type]
    assert found is not None and found.code == "E99.1"
