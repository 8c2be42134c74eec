"""What the suggest, audit, HCC and batch routes share: note-size checks, suggestion + routing, FHIR intake."""

from __future__ import annotations

from typing import Any

from datasets.schema import Encounter
from serving.core.config import Settings
from serving.db.session import Database
from serving.engine import SuggestionEngine
from serving.errors import ApiError
from serving.fhir import FhirBundleError, bundle_to_encounter
from serving.models import SuggestResponse
from serving.queue import route_and_store
from serving.security import Principal


def check_note(settings: Settings, encounter: Encounter) -> None:
    """413 ``API006`` when the note is larger than ``MEDCODE_MAX_NOTE_BYTES``."""
    size = len(encounter.text.encode("utf-8"))
    if size > settings.max_note_bytes:
        raise ApiError("API006", size=size, limit=settings.max_note_bytes)


def encounter_from_fhir(bundle: dict[str, Any]) -> Encounter:
    """The encounter of a FHIR Bundle, or 422 ``API017`` saying what is missing."""
    try:
        return bundle_to_encounter(bundle)
    except FhirBundleError as error:
        raise ApiError("API017", reason=str(error)) from None


def suggest_and_route(
    settings: Settings, database: Database, engine: SuggestionEngine, user: Principal, encounter: Encounter
) -> SuggestResponse:
    """Validate, predict, route and store one encounter; nothing is stored when any step refuses it."""
    check_note(settings, encounter)
    engine.check_claim(encounter)
    suggestions = engine.suggest(encounter)
    bundle_ids = sorted(engine.bundle_ids.values())
    with database.write_transaction() as connection:
        routing, item_id = route_and_store(
            connection, user, encounter, suggestions, bundle_ids, settings.qa_sample_rate
        )
    return SuggestResponse(
        encounter_id=encounter.encounter_id,
        bundle_ids=bundle_ids,
        suggestions=suggestions,
        review_item_id=item_id,
        routing=routing,  # type: ignore[arg-type]
    )
