"""A small ICD-10-CM bundle trained once per session on templated notes over a slice of the real code set."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pytest

from configs.icd10 import Icd10Config
from datasets.codesets import CodeSets, IcdCode
from datasets.schema import Encounter, Gold
from models.icd10.core import Icd10Core
from models.icd10.suggester import Icd10Suggester

# Condition phrases of the training notes and their codes; A23.9 (brucellosis) never appears in training.
CONDITIONS: dict[str, str] = {
    "I10": "essential hypertension",
    "E11.9": "type 2 diabetes mellitus",
    "J18.9": "pneumonia",
    "R50.9": "fever",
    "J45.909": "asthma",
    "N39.0": "urinary tract infection",
    "K21.9": "gastro-esophageal reflux disease",
    "R05.9": "cough",
    "R51.9": "headache",
    "E66.9": "obesity",
}
UNSEEN_CODE = "A23.9"
PREFIXES = ("I1", "E11", "J18", "R50", "J45", "N39", "K21", "R05", "R51", "E66", "A23", "R07", "I50", "R10")


class SliceIcd:
    """The real ICD-10-CM lookups restricted to a few categories (keeps the knowledge index tiny and fast)."""

    def __init__(self, codesets: CodeSets) -> None:
        self._icd = codesets.icd10cm

    def billable_codes(self) -> list[IcdCode]:
        return [c for c in self._icd.billable_codes() if c.code.startswith(PREFIXES)]

    def find_code(self, code: str) -> IcdCode | None:
        return self._icd.find_code(code)


def make_notes(n: int, seed: int) -> list[Encounter]:
    rng = random.Random(seed)
    codes = list(CONDITIONS)
    notes = []
    for i in range(n):
        chosen = rng.sample(codes, 3)
        negated = rng.choice([c for c in codes if c not in chosen])
        sentences = [f"The patient has {CONDITIONS[chosen[0]]}."]
        sentences.append(f"She was treated for {CONDITIONS[chosen[1]]} and {CONDITIONS[chosen[2]]}.")
        sentences.append(f"She denies {CONDITIONS[negated]}.")
        sentences.append("Vital signs were stable and she was discharged home.")
        rng.shuffle(sentences)
        notes.append(Encounter(encounter_id=f"n{i}", text="\n".join(sentences), gold=Gold(icd10cm=chosen)))
    return notes


@dataclass
class TinyModel:
    folder: Path
    suggester: Icd10Suggester
    reference: Icd10Core


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory, codesets: CodeSets) -> TinyModel:
    from training.icd10.export import data_fingerprint, write_bundle
    from training.icd10.fit import fit_icd10
    from training.icd10.reference import reference_core
    from training.icd10.run import dense_cache_dir

    config = Icd10Config.model_validate(
        {
            "cross_validation": {"folds": 2, "seed": 0},
            "ranker": {"max_iter": 40, "min_samples_leaf": 5},
            "routing": {"auto_min_support": 5},
        }
    )
    train = make_notes(60, seed=1)
    fitted = fit_icd10(
        train,
        SliceIcd(codesets),  # type: ignore[arg-type]
        config,
        dense_cache=dense_cache_dir(),
        progress=lambda _: None,
    )
    folder = tmp_path_factory.mktemp("icd10_bundle")
    bundle = write_bundle(
        fitted, config, folder, fingerprint=data_fingerprint(train), metrics=fitted.cv_metrics, training_data={}
    )
    return TinyModel(folder, Icd10Suggester(bundle), reference_core(fitted, config))
