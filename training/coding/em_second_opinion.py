"""``python -m training.coding.em_second_opinion``: fit the note-text second opinion on MDM.

The model is :mod:`models.em.second_opinion`.

Examples: synthetic notes of the train families (A-D), the validation families and the calibration family Z, each
labelled with the gold level of its three MDM elements. Families E and F (tests of unseen condition names) and the
held-out split are never read. A feature is kept only when it occurs (in at least ``_MIN_DOCS`` notes) in at least
``_MIN_FAMILIES`` families, so that what the model weighs is what writers share, not one writer's wording.

The gate threshold of ``configs/audit.yaml`` (``thresholds.em_second_opinion``) was chosen by leave-one-family-out
(session 12): each family's audit flags (seed 7002, 300 notes) were gated by a model fitted on the other families'
notes (seed 7001, 600 each), and the threshold is the highest that keeps the true em_overcoded flags dropped near 2.5%.
Output: ``models/em/data/em_second_opinion_v1.json``.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from datasets.schema import Encounter
from datasets.synth.generator import SynthConfig, generate_encounters
from models.em.second_opinion import ELEMENT_ORDER, ELEMENTS, note_features

FAMILIES = {
    "train": ("A", "B", "C", "D"),
    "validation": ("V", "W", "Y", "X", "N", "Q", "R", "K", "S", "T", "G", "M", "U", "P", "J", "L", "I", "O", "WR3"),
    "calibration": ("Z",),
}
_LEVEL = {name: i for i, name in enumerate(ELEMENT_ORDER)}
_MIN_DOCS = 3
_MIN_FAMILIES = 12
_C = 0.3


def examples(n: int, seed: int) -> list[tuple[str, Encounter]]:
    """(family, encounter) for ``n`` notes of each family that have a gold MDM."""
    out = []
    for split, families in FAMILIES.items():
        for family in families:
            config = SynthConfig(n=n, seed=seed, phrasing=split, family=family)  # type: ignore[arg-type]
            out += [(family, e) for e in generate_encounters(config) if e.gold is not None and e.gold.mdm is not None]
    return out


def shared_features(rows: Sequence[tuple[str, set[str]]]) -> set[str]:
    """Features that at least ``_MIN_FAMILIES`` families use in at least ``_MIN_DOCS`` notes each."""
    per_family: dict[str, Counter[str]] = {}
    for family, features in rows:
        per_family.setdefault(family, Counter()).update(features)
    families_using: Counter[str] = Counter()
    for counts in per_family.values():
        families_using.update(f for f, c in counts.items() if c >= _MIN_DOCS)
    return {f for f, c in families_using.items() if c >= _MIN_FAMILIES}


def fit(data: Sequence[tuple[str, Encounter]]) -> dict[str, object]:
    """The model payload: shared vocabulary, and per element a multinomial logistic regression over it."""
    rows = [(family, note_features(e.text)) for family, e in data]
    keep = shared_features(rows)
    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform([{f: 1.0 for f in features if f in keep} for _, features in rows])
    weights: dict[str, list[float]] = {}
    bias: dict[str, list[float]] = {}
    for element in ELEMENTS:
        y = [_LEVEL[getattr(e.gold.mdm, element)] for _, e in data]  # type: ignore[union-attr]
        model = LogisticRegression(C=_C, max_iter=300, tol=1e-3).fit(x, y)
        # every level gets a column, also one the fit saw no example of (a large negative bias keeps it out)
        w = np.zeros((x.shape[1], len(ELEMENT_ORDER)))
        b = np.full(len(ELEMENT_ORDER), -20.0)
        for column, label in enumerate(model.classes_):
            w[:, label] = model.coef_[column] if len(model.classes_) > 2 else 0.0
            b[label] = model.intercept_[column] if len(model.classes_) > 2 else 0.0
        weights[element] = [round(float(v), 3) for v in w.ravel()]
        bias[element] = [round(float(v), 4) for v in b]
    return {
        "version": "medcode.em_second_opinion.v1",
        "source": "training.coding.em_second_opinion: gold MDM elements of synthetic notes of families "
        f"{sorted({f for f, _ in data})}; features shared by >= {_MIN_FAMILIES} families; C={_C}",
        "levels": list(ELEMENT_ORDER),
        "features": list(vectorizer.get_feature_names_out()),
        "weights": weights,
        "bias": bias,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(str(resources.files("models.em") / "data" / "em_second_opinion_v1.json"))
    parser.add_argument("--out", type=Path, default=default, help="Where to write the model (JSON)")
    parser.add_argument("--n", type=int, default=600, help="Notes per family")
    parser.add_argument("--seed", type=int, default=7001, help="Synthetic seed")
    args = parser.parse_args(argv)
    payload = fit(examples(args.n, args.seed))
    args.out.write_text(json.dumps(payload, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(payload['features'])} features")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
