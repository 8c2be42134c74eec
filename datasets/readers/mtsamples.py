"""Read the MTSamples transcriptions (``mtsamples/mtsamples_unique.csv``) as encounters.

Each row becomes one :class:`~datasets.schema.Encounter`: ``encounter_id`` is ``"mtsamples-<note_id>"``, ``text`` is
the transcription, ``specialty`` the stripped ``medical_specialty``; ``description``, ``sample_name`` and
``keywords`` are kept as extra keys. MTSamples has no code labels, so ``gold`` is not set. Rows without a
transcription or a note id are reported as :class:`~datasets.io.BadRecord` with their line number and skipped
(or raised, with ``on_error="raise"``). The file is streamed: memory stays flat.

:func:`is_office_note` picks the office/SOAP-type visit notes that E/M levelling works on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from configs.settings import get_settings
from datasets.io import BadRecord, OnError, ReadReport
from datasets.readers._common import BadRecordSink, iter_csv_rows
from datasets.readers.errors import SourceFileNotFoundError
from datasets.schema import Encounter

MTSAMPLES_COLUMNS = ("note_id", "description", "medical_specialty", "sample_name", "transcription", "keywords")
MTSAMPLES_FILE = "mtsamples_unique.csv"
_HINT = "Expected the MTSamples CSV with columns " + ", ".join(MTSAMPLES_COLUMNS) + " (see ../shared/data/README.md)."

# Specialties whose notes are office/clinic visit notes as a whole ("SOAP / Chart / Progress Notes": "S: sore throat
# for 3 days ... A/P: viral pharyngitis"; "Office Notes": "The patient returns to the office for follow-up ...").
OFFICE_SPECIALTIES = frozenset({"SOAP / Chart / Progress Notes", "Office Notes"})
# Specialties that never hold a visit note, even when the title says "follow-up" (a follow-up CT, an operative
# report of a staged procedure, a discharge summary, an autopsy, a letter).
NON_VISIT_SPECIALTIES = frozenset(
    {
        "Radiology",
        "Surgery",
        "Autopsy",
        "Lab Medicine - Pathology",
        "Discharge Summary",
        "Letters",
        "Emergency Room Reports",
    }
)
# Titles that describe an office visit: "Diabetes Followup", "URI - SOAP", "Office Visit - Hypertension", "Recheck".
_OFFICE_HINT = re.compile(
    r"\b(?:soap|office\s+(?:visit|note)|clinic\s+(?:visit|note)|progress\s+note|follow[\s-]?up|recheck|"
    r"check[\s-]?up|return\s+visit)\b",
    re.IGNORECASE,
)
# Titles that describe something other than a visit note even within a visiting specialty.
_NOT_VISIT_HINT = re.compile(
    r"\b(?:operative|procedure|discharge|consult(?:ation)?|x-ray|ct\s+scan|mri|ultrasound|echocardiogram|"
    r"h&p|history\s+and\s+physical|postoperative\s+day|colonoscopy|cystoscopy|endoscopy|biopsy)\b",
    re.IGNORECASE,
)


def default_mtsamples_path() -> Path:
    """``<MEDCODE_DATA_DIR>/mtsamples/mtsamples_unique.csv``.

    Raises:
        SourceFileNotFoundError: no data folder is configured or it has no MTSamples file.
    """
    data_dir = get_settings().data_dir
    hint = "Set MEDCODE_DATA_DIR to the folder with mtsamples/, or pass the CSV path."
    if data_dir is None:
        raise SourceFileNotFoundError("The MTSamples CSV", [], hint)
    path = data_dir / "mtsamples" / MTSAMPLES_FILE
    if not path.is_file():
        raise SourceFileNotFoundError("The MTSamples CSV", [path], hint)
    return path


def is_office_note(fields: Mapping[str, object] | Encounter) -> bool:
    """Whether an MTSamples note is an office/SOAP-type visit note (the population E/M levelling works on).

    True when the specialty is "SOAP / Chart / Progress Notes" or "Office Notes"; otherwise when the sample name or
    description names an office visit, SOAP note, follow-up or recheck, the specialty is not one that never holds
    visit notes (radiology, surgery, discharge summaries, ...), and the title does not name an operation,
    consultation, imaging study or H&P.

    Args:
        fields: an encounter read by :func:`read_mtsamples` or a raw CSV row (``medical_specialty``,
            ``sample_name``, ``description``).

    Returns:
        True for office/SOAP-type notes.
    """
    if isinstance(fields, Encounter):
        extra = fields.model_extra or {}
        specialty = fields.specialty or ""
        title = f"{extra.get('sample_name') or ''} {extra.get('description') or ''}"
    else:
        specialty = str(fields.get("specialty") or fields.get("medical_specialty") or "").strip()
        title = f"{fields.get('sample_name') or ''} {fields.get('description') or ''}"
    if specialty in OFFICE_SPECIALTIES:
        return True
    if specialty in NON_VISIT_SPECIALTIES:
        return False
    return bool(_OFFICE_HINT.search(title)) and not _NOT_VISIT_HINT.search(title)


def read_mtsamples(
    path: str | Path | None = None,
    *,
    office_only: bool = False,
    on_error: OnError = "skip",
    report: ReadReport | None = None,
    on_bad: Callable[[BadRecord], None] | None = None,
) -> Iterator[Encounter]:
    """Stream MTSamples rows as encounters.

    Args:
        path: the CSV; default ``<MEDCODE_DATA_DIR>/mtsamples/mtsamples_unique.csv``.
        office_only: yield only office/SOAP-type notes (:func:`is_office_note`); the others are not bad records,
            just not yielded.
        on_error: ``"skip"`` reports rows without transcription or id and goes on; ``"raise"`` stops at the first.
        report: filled with counts and every bad record while iterating.
        on_bad: called for each bad record when skipping.

    Yields:
        One encounter per usable row, in file order.

    Raises:
        SourceFileNotFoundError: the file is missing.
        SourceLayoutError: the header lacks one of the MTSamples columns.
        BadRecordError: with ``on_error="raise"``, at the first bad row.
    """
    source = Path(path) if path is not None else default_mtsamples_path()
    sink = BadRecordSink(source.name, on_error, report, on_bad)
    for line, row, problem in iter_csv_rows(source, MTSAMPLES_COLUMNS, _HINT):
        note_id = row.get("note_id", "").strip()
        text = row.get("transcription", "")
        if problem is not None:
            sink.bad(line, problem)
            continue
        if not note_id:
            sink.bad(line, "empty note_id")
            continue
        if not text.strip():
            sink.bad(line, "empty transcription")
            continue
        if office_only and not is_office_note(row):
            continue
        specialty = row.get("medical_specialty", "").strip() or None
        record: dict[str, object] = {"encounter_id": f"mtsamples-{note_id}", "text": text, "specialty": specialty}
        record.update({k: row[k].strip() for k in ("description", "sample_name", "keywords") if row.get(k, "").strip()})
        sink.ok()
        yield Encounter.model_validate(record)
