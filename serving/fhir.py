"""FHIR R4 ``Bundle`` (DocumentReference + Encounter + Patient + Claim) -> DESIGN.md encounter, for the API.

TODO(fhir-reader): delegate to ``datasets/readers/fhir.py`` once it offers Bundle -> Encounter, so that the API and
``medcode data fhir`` read FHIR identically. Until then this reads the four resources the service needs; errors
name the resource and field, never their values.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from pydantic import ValidationError

from datasets.schema import Encounter

_SETTINGS = {
    "AMB": "office",
    "VR": "telehealth",
    "IMP": "inpatient",
    "ACUTE": "inpatient",
    "OBSENC": "observation",
    "EMER": "emergency",
    "HH": "home",
}
_SEX = {"female": "F", "male": "M"}
_ID_SYSTEM = "urn:medcode:encounter-id"  # the identifier datasets/readers/fhir.py writes the medcode id under


class FhirBundleError(ValueError):
    """The bundle lacks what an encounter needs; the message names the resource and field only."""


def _resources(bundle: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    if bundle.get("resourceType") != "Bundle":
        raise FhirBundleError("resourceType is not 'Bundle'")
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not entries:
        raise FhirBundleError("the Bundle has no entry list")
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and isinstance(resource.get("resourceType"), str):
            found.setdefault(resource["resourceType"], []).append(resource)
    return found


def _note_text(documents: list[dict[str, Any]]) -> str:
    texts: list[str] = []
    for document in documents:
        for content in document.get("content") or []:
            attachment = content.get("attachment") if isinstance(content, dict) else None
            data = attachment.get("data") if isinstance(attachment, dict) else None
            if not isinstance(data, str):
                continue
            try:
                texts.append(base64.b64decode(data, validate=True).decode("utf-8"))
            except (binascii.Error, UnicodeDecodeError):
                raise FhirBundleError("DocumentReference.content.attachment.data is not base64 UTF-8 text") from None
    if not texts:
        raise FhirBundleError("no DocumentReference with content.attachment.data (base64 note text)")
    return "\n\n".join(texts)


def _codes(concept: Any) -> list[str]:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return [c["code"] for c in codings or [] if isinstance(c, dict) and isinstance(c.get("code"), str)]


def _claim(claims: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not claims:
        return None
    claim = claims[0]
    diagnoses: dict[int, str] = {}
    for diagnosis in claim.get("diagnosis") or []:
        codes = _codes(diagnosis.get("diagnosisCodeableConcept"))
        if codes and isinstance(diagnosis.get("sequence"), int):
            diagnoses[diagnosis["sequence"]] = codes[0]
    lines = []
    for item in claim.get("item") or []:
        codes = _codes(item.get("productOrService"))
        if not codes:
            raise FhirBundleError("Claim.item.productOrService has no coding.code")
        pointers = item.get("diagnosisSequence") or list(diagnoses)
        quantity = item.get("quantity") or {}
        lines.append(
            {
                "code": codes[0],
                "modifiers": [m for modifier in item.get("modifier") or [] for m in _codes(modifier)],
                "units": int(quantity.get("value", 1)) if isinstance(quantity, dict) else 1,
                "dx": [diagnoses[p] for p in pointers if p in diagnoses],
            }
        )
    return {"lines": lines}


def _age(birth_date: Any, on: dt.date | None) -> int | None:
    if not isinstance(birth_date, str) or on is None:
        return None
    try:
        born = dt.date.fromisoformat(birth_date[:10])
    except ValueError:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def bundle_to_encounter(bundle: dict[str, Any]) -> Encounter:
    """Read one encounter from a FHIR R4 Bundle.

    Raises:
        FhirBundleError: a required resource or field is missing or malformed (message without values).
    """
    resources = _resources(bundle)
    text = _note_text(resources.get("DocumentReference", []))
    encounter = (resources.get("Encounter") or [{}])[0]
    patient = (resources.get("Patient") or [{}])[0]
    medcode_ids = [
        i.get("value")
        for i in encounter.get("identifier") or []
        if isinstance(i, dict) and i.get("system") == _ID_SYSTEM
    ]
    encounter_id = (
        (medcode_ids[0] if medcode_ids else None)
        or encounter.get("id")
        or (resources.get("DocumentReference") or [{}])[0].get("id")
    )
    if not isinstance(encounter_id, str) or not encounter_id:
        raise FhirBundleError("no Encounter.id (or DocumentReference.id) to identify the encounter")
    start = (encounter.get("period") or {}).get("start")
    date_of_service = None
    if isinstance(start, str):
        try:
            date_of_service = dt.date.fromisoformat(start[:10])
        except ValueError:
            raise FhirBundleError("Encounter.period.start is not a date") from None
    klass = encounter.get("class")
    setting = _SETTINGS.get(klass.get("code", "")) if isinstance(klass, dict) else None
    record: dict[str, Any] = {
        "encounter_id": encounter_id,
        "text": text,
        "patient_id": patient.get("id"),
        "date_of_service": date_of_service,
        "setting": setting,
        "sex": _SEX.get(str(patient.get("gender")), "U") if patient.get("gender") else None,
        "age": _age(patient.get("birthDate"), date_of_service),
        "claim": _claim(resources.get("Claim", [])),
    }
    try:
        return Encounter.model_validate({k: v for k, v in record.items() if v is not None})
    except ValidationError as error:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in error.errors()})
        raise FhirBundleError(f"the encounter read from the Bundle is invalid at {', '.join(fields)}") from None
    except ValueError as error:
        raise FhirBundleError(f"a code in the Claim is malformed ({type(error).__name__})") from None
