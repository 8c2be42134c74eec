"""Read FHIR R4 resources as encounters, and write an encounter as a FHIR R4 Bundle.

Input: a JSON file holding one Bundle (or one resource), or NDJSON with one resource a line (a bulk-data export) or
one Bundle a line. Resources are validated with ``fhir.resources`` (its R4B models, identical to R4 for the types used
here). What is read:

- ``Encounter``: ``period.start`` -> ``date_of_service``; ``class.code`` (v3 ActCode) -> ``setting``: AMB office,
  VR telehealth, EMER emergency, IMP/ACUTE inpatient, OBSENC observation, HH home, NONAC nursing_facility;
  ``subject`` -> the patient; first ``participant.individual`` -> ``provider_id``; ``serviceType.text`` ->
  ``specialty``; an identifier with system :data:`MEDCODE_ID_SYSTEM` -> ``encounter_id`` (else the resource id); the
  extension :data:`AGE_EXTENSION` (``valueAge`` in years) -> ``age``.
- ``Patient``: ``gender`` -> ``sex`` (female F, male M, other/unknown U); ``birthDate`` with the date of service ->
  ``age`` when the encounter has no age extension; the resource id -> ``patient_id``.
- ``DocumentReference``: the note text from ``content[].attachment``: ``data`` (base64) of ``text/plain`` (its
  ``charset`` honoured, UTF-8 by default) or ``text/html`` (tags stripped), or ``url`` pointing to a ``Binary``
  resource in the same input. A ``url`` to anything else is not fetched and is reported as a bad record, as is
  a non-text content type. Several notes of one encounter are joined with a blank line.
- ``Claim``: each ``item`` -> a claim line: the ``productOrService`` coding (CPT or HCPCS system preferred, else the
  first five-character code), ``modifier`` codings, ``quantity.value`` -> units, ``diagnosisSequence`` -> the
  ICD-10-CM codes of ``diagnosis[].diagnosisCodeableConcept`` with those sequence numbers; ``insurer.display`` ->
  ``payer``. ``diagnosisReference`` (Condition resources) is not resolved.
- ``Binary``: only as the target of an attachment ``url``. Other resource types are ignored.

Grouping: resources belong to the encounter their reference names: ``DocumentReference.context.encounter`` and
``Claim.item[].encounter`` (a claim item without one goes with the claim's other items, or with the only encounter of
the input). A DocumentReference that names no encounter becomes an encounter of its own (id = the document id).
References are matched by ``Type/id`` and by ``fullUrl`` (``urn:uuid:...`` or absolute URLs). Each Bundle is grouped
on its own and streamed; resources given one a line are grouped once the whole file is read, so a bulk export is held
in memory (fine for exports of some 100k resources; split larger exports by patient).

Bad records (invalid JSON, invalid resources, unfetchable attachments, encounters without note text, unattachable
claim items) are reported with their line (NDJSON) or line 1 (a JSON file) and the resource reference, never with
note text or identifier values.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from datasets.io import BadRecord, OnError, ReadReport
from datasets.readers._common import BadRecordSink
from datasets.readers.errors import SourceFileNotFoundError, SourceLayoutError
from datasets.schema import Claim, ClaimLine, Encounter, Setting, Sex, normalize_icd10cm, normalize_procedure_code

MEDCODE_ID_SYSTEM = "urn:medcode:encounter-id"
AGE_EXTENSION = "urn:medcode:fhir:age-at-encounter"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"
HCPCS_SYSTEM = "https://bluebutton.cms.gov/resources/codesystem/hcpcs"
ICD10CM_SYSTEMS = frozenset(
    {"http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10", "urn:oid:2.16.840.1.113883.6.90"}
)
_PROCEDURE_SYSTEMS = frozenset(
    {CPT_SYSTEM, HCPCS_SYSTEM, "urn:oid:2.16.840.1.113883.6.12", "urn:oid:2.16.840.1.113883.6.285"}
)

# v3 ActCode encounter class -> medcode setting ("AMB": clinic visit; "VR": video visit; "OBSENC": observation).
CLASS_TO_SETTING: dict[str, Setting] = {
    "AMB": "office",
    "VR": "telehealth",
    "EMER": "emergency",
    "IMP": "inpatient",
    "ACUTE": "inpatient",
    "OBSENC": "observation",
    "HH": "home",
    "NONAC": "nursing_facility",
}
SETTING_TO_CLASS: dict[str, str] = {
    "office": "AMB",
    "telehealth": "VR",
    "emergency": "EMER",
    "inpatient": "IMP",
    "observation": "OBSENC",
    "home": "HH",
    "nursing_facility": "NONAC",
}
GENDER_TO_SEX: dict[str, Sex] = {"female": "F", "male": "M", "other": "U", "unknown": "U"}
SEX_TO_GENDER = {"F": "female", "M": "male", "U": "unknown"}
SUPPORTED_TYPES = ("Encounter", "Patient", "DocumentReference", "Claim", "Binary")

_FHIR_ID = re.compile(r"[^A-Za-z0-9\-.]")
_TAG = re.compile(r"<[^>]+>")
_HINT = "Give a FHIR R4 Bundle as JSON, or NDJSON with one resource or one Bundle a line."


class _Problem(ValueError):
    """A PHI-free reason why one resource or encounter cannot be read."""


@dataclass
class _Entry:
    line: int
    resource: Any
    full_url: str | None

    @property
    def ref(self) -> str:
        return f"{self.resource.get_resource_type()}/{self.resource.id or '?'}"


@dataclass
class _Builder:
    key: str
    encounter: _Entry | None = None
    line: int = 1
    documents: list[_Entry] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    lines: list[ClaimLine] = field(default_factory=list)
    claims: list[_Entry] = field(default_factory=list)
    subject: str | None = None
    broken: bool = False


def _ref_keys(entry: _Entry) -> list[str]:
    keys = [entry.ref]
    if entry.full_url:
        keys.append(entry.full_url)
        tail = "/".join(entry.full_url.rstrip("/").split("/")[-2:])
        if tail == entry.ref:
            keys.append(tail)
    return keys


def _ref_tail(reference: str) -> str:
    """``"http://host/fhir/Patient/p1"`` -> ``"Patient/p1"``; other forms unchanged."""
    parts = reference.rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) > 2 else reference


def _ref_id(reference: str | None) -> str | None:
    if not reference:
        return None
    return reference.rstrip("/").split("/")[-1].removeprefix("urn:uuid:")


def _validation_reason(error: ValidationError) -> str:
    # Locations and error kinds only: pydantic's default message quotes the input value (PHI risk).
    parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
    return "; ".join(parts[:3]) + ("" if len(parts) <= 3 else f" (+{len(parts) - 3} more)")


def _parse_resource(obj: Any) -> Any:
    if not isinstance(obj, dict) or not isinstance(obj.get("resourceType"), str):
        raise _Problem("not a FHIR resource (no resourceType)")
    kind = obj["resourceType"]
    try:
        model = get_fhir_model_class(kind)
    except (KeyError, ValueError):
        raise _Problem(f"unknown resourceType {kind!r}") from None
    try:
        return model.model_validate(obj)
    except ValidationError as error:
        raise _Problem(f"invalid {kind}: {_validation_reason(error)}") from None


def _decode_attachment(attachment: Any, binaries: dict[str, Any]) -> str:
    content_type = (attachment.contentType or "text/plain").lower()
    mime = content_type.split(";")[0].strip()
    charset_match = re.search(r"charset\s*=\s*\"?([A-Za-z0-9_\-]+)", content_type)
    charset = charset_match.group(1) if charset_match else "utf-8"
    data: bytes | None = attachment.data
    if data is None and attachment.url:
        binary = binaries.get(attachment.url) or binaries.get(_ref_tail(attachment.url))
        if binary is None:
            raise _Problem(
                "attachment has only a url, which medcode does not fetch: inline the text as base64 `data` or "
                "include the Binary resource it names"
            )
        data = binary.data
        if binary.contentType:
            mime = binary.contentType.lower().split(";")[0].strip()
    if data is None:
        raise _Problem("attachment has neither data nor url")
    if mime not in {"text/plain", "text/html", "application/xhtml+xml", "text/markdown"}:
        raise _Problem(f"attachment content type {mime!r} is not text: convert the document to text/plain first")
    try:
        text = data.decode(charset)
    except (LookupError, UnicodeDecodeError):
        raise _Problem(f"attachment is not valid {charset} text") from None
    if mime in {"text/html", "application/xhtml+xml"}:
        text = html.unescape(_TAG.sub(" ", re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>", "\n", text)))
        lines = (" ".join(line.split()) for line in text.splitlines())
        text = "\n".join(line for line in lines if line)
    return text


def _coding_code(codings: list[Any] | None, systems: frozenset[str]) -> str | None:
    if not codings:
        return None
    for coding in codings:
        if coding.system in systems and coding.code:
            return str(coding.code)
    for coding in codings:
        if coding.code:
            return str(coding.code)
    return None


def _claim_lines(claim: Any) -> tuple[dict[str, list[ClaimLine]], list[ClaimLine]]:
    """Lines per encounter reference, and lines that name no encounter."""
    dx_by_sequence: dict[int, str] = {}
    for diagnosis in claim.diagnosis or []:
        concept = diagnosis.diagnosisCodeableConcept
        code = _coding_code(concept.coding if concept else None, ICD10CM_SYSTEMS)
        if code is None:
            continue
        try:
            dx_by_sequence[int(diagnosis.sequence)] = normalize_icd10cm(code)
        except ValueError:
            raise _Problem(f"diagnosis {diagnosis.sequence} is not an ICD-10-CM code") from None
    by_encounter: dict[str, list[ClaimLine]] = {}
    unassigned: list[ClaimLine] = []
    for item in claim.item or []:
        code = _coding_code(item.productOrService.coding, _PROCEDURE_SYSTEMS)
        if code is None:
            raise _Problem(f"item {item.sequence} has no productOrService code")
        try:
            code = normalize_procedure_code(code)
        except ValueError:
            raise _Problem(f"item {item.sequence} productOrService code is not a CPT/HCPCS code") from None
        modifiers = [str(c.code) for m in item.modifier or [] for c in (m.coding or [])[:1] if c.code]
        units = 1
        if item.quantity is not None and item.quantity.value is not None:
            units = int(item.quantity.value)
        missing = [s for s in item.diagnosisSequence or [] if int(s) not in dx_by_sequence]
        if missing:
            raise _Problem(f"item {item.sequence} points to diagnosis sequence {missing[0]}, which the claim lacks")
        line = ClaimLine(
            code=code,
            modifiers=modifiers,
            units=units,
            dx=[dx_by_sequence[int(s)] for s in item.diagnosisSequence or []],
        )
        refs = [r.reference for r in item.encounter or [] if r.reference]
        if refs:
            by_encounter.setdefault(_ref_tail(refs[0]), []).append(line)
        else:
            unassigned.append(line)
    return by_encounter, unassigned


def _age(extensions: list[Any] | None) -> int | None:
    for extension in extensions or []:
        if extension.url == AGE_EXTENSION and extension.valueAge is not None and extension.valueAge.value is not None:
            return int(extension.valueAge.value)
    return None


def _years_between(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    return dt.date.fromisoformat(text[:10]) if len(text) >= 10 else None


class _Group:
    """The resources of one Bundle (or one NDJSON file of resources), turned into encounters."""

    def __init__(self, entries: list[_Entry], sink: BadRecordSink) -> None:
        self.entries = entries
        self.sink = sink
        self.index: dict[str, _Entry] = {}
        for entry in entries:
            for key in _ref_keys(entry):
                self.index.setdefault(key, entry)
        self.binaries = {k: e.resource for k, e in self.index.items() if e.resource.get_resource_type() == "Binary"}
        self.builders: dict[str, _Builder] = {}

    def _lookup(self, reference: str | None) -> _Entry | None:
        if not reference:
            return None
        return self.index.get(reference) or self.index.get(_ref_tail(reference))

    def _builder(self, reference: str, line: int) -> _Builder:
        target = self._lookup(reference)
        key = target.ref if target is not None else _ref_tail(reference)
        if key not in self.builders:
            self.builders[key] = _Builder(key=key, encounter=target, line=target.line if target else line)
        return self.builders[key]

    def build(self) -> Iterator[Encounter]:
        for entry in self.entries:
            if entry.resource.get_resource_type() == "Encounter":
                self._builder(entry.ref, entry.line)
        for entry in self.entries:
            if entry.resource.get_resource_type() == "DocumentReference":
                self._add_document(entry)
        for entry in self.entries:
            if entry.resource.get_resource_type() == "Claim":
                self._add_claim(entry)
        for builder in self.builders.values():
            if builder.broken:
                continue
            if not builder.texts:
                self.sink.bad(builder.line, f"{builder.key}: no DocumentReference with note text points to it")
                continue
            try:
                encounter = self._encounter(builder)
            except (_Problem, ValueError, ValidationError) as error:
                reason = _validation_reason(error) if isinstance(error, ValidationError) else str(error)
                self.sink.bad(builder.line, f"{builder.key}: {reason}")
                continue
            self.sink.ok()
            yield encounter

    def _add_document(self, entry: _Entry) -> None:
        document = entry.resource
        refs = [r.reference for r in (document.context.encounter or [])] if document.context else []
        refs = [r for r in refs if r]
        builder = self._builder(refs[0], entry.line) if refs else self._builder(entry.ref, entry.line)
        if document.subject is not None and document.subject.reference and builder.subject is None:
            builder.subject = document.subject.reference
        builder.documents.append(entry)
        texts = []
        for number, content in enumerate(document.content or [], start=1):
            try:
                texts.append(_decode_attachment(content.attachment, self.binaries))
            except _Problem as problem:
                self.sink.bad(entry.line, f"{entry.ref} content {number}: {problem}")
                builder.broken = True
                return
        builder.texts.extend(t for t in texts if t.strip())

    def _add_claim(self, entry: _Entry) -> None:
        claim = entry.resource
        try:
            by_encounter, unassigned = _claim_lines(claim)
        except _Problem as problem:
            self.sink.bad(entry.line, f"{entry.ref}: {problem}")
            return
        if unassigned:
            if len(by_encounter) == 1:
                next(iter(by_encounter.values())).extend(unassigned)
            elif not by_encounter and len(self.builders) == 1:
                by_encounter[next(iter(self.builders))] = unassigned
            else:
                self.sink.bad(
                    entry.line,
                    f"{entry.ref}: {len(unassigned)} item(s) name no encounter and the input holds "
                    f"{len(self.builders)} encounters: set Claim.item.encounter",
                )
                return
        for reference, lines in by_encounter.items():
            builder = self._builder(reference, entry.line)
            builder.lines.extend(lines)
            builder.claims.append(entry)
            if builder.subject is None and claim.patient is not None and claim.patient.reference:
                builder.subject = claim.patient.reference

    def _encounter(self, builder: _Builder) -> Encounter:
        fields: dict[str, Any] = {"text": "\n\n".join(builder.texts)}
        resource = builder.encounter.resource if builder.encounter is not None else None
        first_doc = builder.documents[0].resource if builder.documents else None
        encounter_id: str | None = None
        if resource is not None and resource.get_resource_type() == "Encounter":
            for identifier in resource.identifier or []:
                if identifier.system == MEDCODE_ID_SYSTEM and identifier.value:
                    encounter_id = identifier.value
            encounter_id = encounter_id or resource.id
            if resource.period is not None:
                fields["date_of_service"] = _as_date(resource.period.start)
            if resource.class_fhir is not None and resource.class_fhir.code:
                fields["setting"] = CLASS_TO_SETTING.get(str(resource.class_fhir.code).upper())
            if resource.subject is not None and resource.subject.reference:
                builder.subject = resource.subject.reference
            for participant in resource.participant or []:
                if participant.individual is not None and participant.individual.reference:
                    fields["provider_id"] = _ref_id(participant.individual.reference)
                    break
            if resource.serviceType is not None and resource.serviceType.text:
                fields["specialty"] = resource.serviceType.text
            fields["age"] = _age(resource.extension)
        else:
            encounter_id = _ref_id(builder.key)
        if fields.get("date_of_service") is None and first_doc is not None:
            period = first_doc.context.period if first_doc.context else None
            fields["date_of_service"] = _as_date(period.start if period else None) or _as_date(first_doc.date)
        patient = self._lookup(builder.subject)
        if patient is not None and patient.resource.get_resource_type() == "Patient":
            fields["patient_id"] = patient.resource.id
            if patient.resource.gender:
                fields["sex"] = GENDER_TO_SEX.get(str(patient.resource.gender))
            birth = _as_date(patient.resource.birthDate)
            if fields.get("age") is None and birth is not None and fields.get("date_of_service") is not None:
                fields["age"] = _years_between(birth, fields["date_of_service"])
        elif builder.subject:
            fields["patient_id"] = _ref_id(builder.subject)
        if builder.lines:
            fields["claim"] = Claim(lines=builder.lines)
        for claim_entry in builder.claims:
            claim = claim_entry.resource
            if claim.insurer is not None and claim.insurer.display:
                fields["payer"] = claim.insurer.display
            if "provider_id" not in fields and claim.provider is not None and claim.provider.reference:
                fields["provider_id"] = _ref_id(claim.provider.reference)
        if not encounter_id:
            raise _Problem("no id")
        return Encounter(encounter_id=encounter_id, **{k: v for k, v in fields.items() if v is not None})


def _entries_of_bundle(bundle: Any, line: int, sink: BadRecordSink) -> list[_Entry]:
    entries: list[_Entry] = []
    for number, raw in enumerate(bundle.get("entry") or [], start=1):
        obj = raw.get("resource") if isinstance(raw, dict) else None
        if not isinstance(obj, dict) or obj.get("resourceType") not in SUPPORTED_TYPES:
            continue
        try:
            resource = _parse_resource(obj)
        except _Problem as problem:
            sink.bad(line, f"entry {number}: {problem}")
            continue
        entries.append(_Entry(line, resource, raw.get("fullUrl")))
    return entries


def read_fhir(
    path: str | Path,
    *,
    on_error: OnError = "skip",
    report: ReadReport | None = None,
    on_bad: Callable[[BadRecord], None] | None = None,
) -> Iterator[Encounter]:
    """Stream encounters from a FHIR R4 Bundle (``.json``) or NDJSON (``.ndjson``/``.jsonl``) file.

    Args:
        path: the file; ``.json`` holds one Bundle or one resource, ``.ndjson``/``.jsonl`` one resource or one
            Bundle a line.
        on_error: ``"skip"`` reports bad records and goes on; ``"raise"`` stops at the first.
        report: filled with counts and every bad record while iterating.
        on_bad: called for each bad record when skipping.

    Yields:
        One encounter per FHIR Encounter (or encounter-less DocumentReference) with note text.

    Raises:
        SourceFileNotFoundError: the file is missing.
        SourceLayoutError: a ``.json`` file is not valid JSON or not a FHIR resource.
        BadRecordError: with ``on_error="raise"``, at the first bad record.
    """
    source = Path(path)
    if not source.is_file():
        raise SourceFileNotFoundError("The FHIR file", [source.resolve()], _HINT)
    sink = BadRecordSink(source.name, on_error, report, on_bad)
    if source.suffix.lower() == ".json":
        try:
            obj = json.loads(source.read_bytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise SourceLayoutError(source, f"not valid UTF-8 JSON ({type(error).__name__})", _HINT) from None
        if not isinstance(obj, dict) or "resourceType" not in obj:
            raise SourceLayoutError(source, "not a FHIR resource (no resourceType)", _HINT)
        if obj["resourceType"] == "Bundle":
            yield from _Group(_entries_of_bundle(obj, 1, sink), sink).build()
            return
        try:
            entries = [_Entry(1, _parse_resource(obj), None)]
        except _Problem as problem:
            sink.bad(1, str(problem))
            return
        yield from _Group(entries, sink).build()
        return
    pending: list[_Entry] = []
    with source.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as error:
                sink.bad(number, f"not valid UTF-8 (byte {error.start})")
                continue
            except json.JSONDecodeError as error:
                sink.bad(number, f"invalid JSON ({error.msg} at column {error.colno})")
                continue
            if isinstance(obj, dict) and obj.get("resourceType") == "Bundle":
                yield from _Group(_entries_of_bundle(obj, number, sink), sink).build()
                continue
            if isinstance(obj, dict) and obj.get("resourceType") not in SUPPORTED_TYPES and "resourceType" in obj:
                continue
            try:
                pending.append(_Entry(number, _parse_resource(obj), None))
            except _Problem as problem:
                sink.bad(number, str(problem))
    if pending:
        yield from _Group(pending, sink).build()


def _fhir_id(value: str) -> str:
    """A valid FHIR id (``[A-Za-z0-9-.]{1,64}``) from any string; the original goes in an identifier."""
    return _FHIR_ID.sub("-", value)[:64] or "x"


def _procedure_system(code: str) -> str:
    # CPT: five digits, or four digits plus F/T/U (category II/III, PLA); HCPCS Level II starts with a letter.
    return HCPCS_SYSTEM if code[0].isalpha() else CPT_SYSTEM


def encounter_to_fhir_bundle(encounter: Encounter) -> dict[str, Any]:
    """Write an encounter as a FHIR R4 ``collection`` Bundle (a plain JSON-ready dict).

    The Bundle holds a Patient (when ``patient_id`` or ``sex`` is known), an Encounter (class from ``setting``,
    period from ``date_of_service``, the medcode id as an identifier, ``age`` as the :data:`AGE_EXTENSION`), a
    DocumentReference with the note as base64 ``text/plain; charset=utf-8``, and a Claim when ``claim`` has lines.
    :func:`read_fhir` reads it back to the same ``encounter_id``, ``text``, ``patient_id``, ``date_of_service``,
    ``setting``, ``age``, ``sex``, ``specialty``, ``provider_id``, ``payer`` and ``claim``; labels (``gold``,
    ``expected_flags``), ``history``, ``patient_status``, ``time_minutes`` and extra keys are not carried.

    Args:
        encounter: the encounter.

    Returns:
        The Bundle as a dict, valid against the FHIR R4 Bundle, Encounter, DocumentReference and Claim models.
    """
    enc_id = _fhir_id(encounter.encounter_id)
    encounter_ref = f"Encounter/{enc_id}"
    entries: list[dict[str, Any]] = []
    subject: dict[str, Any] | None = None
    if encounter.patient_id is not None or encounter.sex is not None:
        patient_id = _fhir_id(encounter.patient_id or f"patient-of-{enc_id}")
        patient: dict[str, Any] = {"resourceType": "Patient", "id": patient_id}
        if encounter.sex is not None:
            patient["gender"] = SEX_TO_GENDER[encounter.sex]
        entries.append(patient)
        if encounter.patient_id is not None:
            subject = {"reference": f"Patient/{patient_id}"}
    fhir_encounter: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": enc_id,
        "identifier": [{"system": MEDCODE_ID_SYSTEM, "value": encounter.encounter_id}],
        "status": "finished",
        "class": (
            {"system": ACT_CODE_SYSTEM, "code": SETTING_TO_CLASS[encounter.setting]}
            if encounter.setting is not None
            else {"system": "http://terminology.hl7.org/CodeSystem/v3-NullFlavor", "code": "UNK"}
        ),
    }
    if subject is not None:
        fhir_encounter["subject"] = subject
    if encounter.date_of_service is not None:
        fhir_encounter["period"] = {"start": encounter.date_of_service.isoformat()}
    if encounter.provider_id is not None:
        fhir_encounter["participant"] = [
            {"individual": {"reference": f"Practitioner/{_fhir_id(encounter.provider_id)}"}}
        ]
    if encounter.specialty is not None:
        fhir_encounter["serviceType"] = {"text": encounter.specialty}
    if encounter.age is not None:
        fhir_encounter["extension"] = [
            {
                "url": AGE_EXTENSION,
                "valueAge": {"value": encounter.age, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"},
            }
        ]
    entries.append(fhir_encounter)
    document: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": _fhir_id(f"note-{enc_id}"),
        "status": "current",
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64.b64encode(encounter.text.encode("utf-8")).decode("ascii"),
                }
            }
        ],
        "context": {"encounter": [{"reference": encounter_ref}]},
    }
    if subject is not None:
        document["subject"] = subject
    entries.append(document)
    if encounter.claim is not None and encounter.claim.lines:
        entries.append(_claim_resource(encounter, enc_id, encounter_ref, subject))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:medcode:{r['resourceType']}/{r['id']}", "resource": r} for r in entries],
    }


def _claim_resource(
    encounter: Encounter, enc_id: str, encounter_ref: str, subject: dict[str, Any] | None
) -> dict[str, Any]:
    assert encounter.claim is not None
    diagnoses = encounter.claim.diagnoses()
    sequence = {code: number for number, code in enumerate(diagnoses, start=1)}
    items = []
    for number, line in enumerate(encounter.claim.lines, start=1):
        item: dict[str, Any] = {
            "sequence": number,
            "productOrService": {"coding": [{"system": _procedure_system(line.code), "code": line.code}]},
            "quantity": {"value": line.units},
            "encounter": [{"reference": encounter_ref}],
        }
        if line.modifiers:
            item["modifier"] = [{"coding": [{"code": m}]} for m in line.modifiers]
        if line.dx:
            item["diagnosisSequence"] = [sequence[code] for code in line.dx]
        items.append(item)
    created = encounter.date_of_service or dt.date.today()
    payer = {"display": encounter.payer} if encounter.payer else {"display": "unknown"}
    claim: dict[str, Any] = {
        "resourceType": "Claim",
        "id": _fhir_id(f"claim-{enc_id}"),
        "status": "active",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
        "use": "claim",
        "patient": subject or {"display": "unknown"},
        "created": created.isoformat(),
        "provider": (
            {"reference": f"Practitioner/{_fhir_id(encounter.provider_id)}"}
            if encounter.provider_id
            else {"display": "unknown"}
        ),
        "priority": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/processpriority", "code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": payer}],
        "item": items,
    }
    if encounter.payer:
        claim["insurer"] = {"display": encounter.payer}
    if diagnoses:
        claim["diagnosis"] = [
            {
                "sequence": number,
                "diagnosisCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}]},
            }
            for code, number in sequence.items()
        ]
    return claim
