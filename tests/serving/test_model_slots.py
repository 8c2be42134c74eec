"""The engine runs at most ``model_concurrency`` predictions at once; further callers wait their turn."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from datasets.schema import Encounter
from serving.engine import CodeSuggestion, SuggestionEngine


class _CountingSuggester:
    """An ICD-10-CM component that holds each call a moment and records how many ran at once."""

    bundle_id = "icd10-counting"
    system = "ICD10CM"

    def __init__(self) -> None:
        self.thresholds: dict[str, float] = {}
        self._lock = threading.Lock()
        self.running = 0
        self.most_at_once = 0
        self.calls = 0

    def suggest(self, encounter: Encounter, *, top_k: int, min_confidence: float) -> list[CodeSuggestion]:
        with self._lock:
            self.running += 1
            self.calls += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(0.05)
        with self._lock:
            self.running -= 1
        return [CodeSuggestion(system="ICD10CM", code="E11.9", confidence=0.8)]


def _encounter(index: int) -> Encounter:
    return Encounter.model_validate(
        {
            "encounter_id": f"slots-{index}",
            "setting": "office",
            "patient_status": "established",
            "text": "Type 2 diabetes without complications, stable on metformin. Continue metformin.",
        }
    )


@pytest.mark.parametrize("slots", [1, 2])
def test_suggest_runs_at_most_model_concurrency_at_once(slots: int) -> None:
    suggester = _CountingSuggester()
    engine = SuggestionEngine({"ICD10CM": suggester}, None, suggest_em_services=False, model_concurrency=slots)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(engine.suggest, [_encounter(i) for i in range(8)]))
    assert suggester.calls == 8
    assert suggester.most_at_once == slots
    assert all(r[0].code == "E11.9" for r in results)


def test_a_failed_prediction_frees_its_slot() -> None:
    engine = SuggestionEngine({"ICD10CM": _CountingSuggester()}, None, suggest_em_services=False, model_concurrency=1)
    claimless = _encounter(0)
    for _ in range(3):  # an audit without a claim is refused inside the slot; the slot must come back each time
        with pytest.raises(Exception, match="claim"):
            engine.audit(claimless)
    assert engine.suggest(claimless)[0].code == "E11.9"
