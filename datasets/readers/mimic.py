"""Read MIMIC-IV-Note and MIMIC-III notes, joined with their admissions' ICD codes, as encounters.

MIMIC-IV (``read_mimic_iv``): notes from ``note/discharge.csv[.gz]`` (or ``radiology.csv``: same columns
``note_id, subject_id, hadm_id, note_type, note_seq, charttime, storetime, text``) joined on ``hadm_id`` with
``hosp/diagnoses_icd.csv[.gz]`` and, optionally, ``hosp/procedures_icd.csv[.gz]``. Only ICD-10 rows
(``icd_version == 10``) are kept; MIMIC writes codes without dots, so diagnoses are normalised with
:func:`~datasets.schema.normalize_icd10cm` (``"E119"`` -> ``"E11.9"``) into ``gold.icd10cm`` in ``seq_num`` order,
and ICD-10-PCS procedure codes (seven characters, no dots) go in the extra key ``icd10pcs``. Admissions coded in
ICD-9 (about half of MIMIC-IV) therefore get an empty ``gold.icd10cm``; ``icd10_only=True`` leaves their notes out.

MIMIC-III (``read_mimic_iii``): ``NOTEEVENTS.csv[.gz]`` joined with ``DIAGNOSES_ICD.csv[.gz]`` (and optionally
``PROCEDURES_ICD.csv[.gz]``). MIMIC-III is coded in ICD-9 only: its encounters carry the ICD-9-CM diagnoses, dotted
(``"4019"`` -> ``"401.9"``, ``"V1582"`` -> ``"V15.82"``, ``"E8790"`` -> ``"E879.0"``), in the extra key ``icd9cm``
and ICD-9 procedure codes (``"3893"`` -> ``"38.93"``) in ``icd9pcs``; ``gold.icd10cm`` is empty. No mapping to
ICD-10 is attempted (the CMS GEMs are many-to-many and would invent labels). Notes marked ``ISERROR = 1`` are left
out, as the MIMIC-III documentation advises.

Memory: the code tables are read once and held grouped by ``hadm_id`` as tuples of interned code strings (each
distinct code string is stored once). Measured with tracemalloc on a synthetic table of 50,000 admissions x 11 codes:
about 260 bytes per admission once loaded, with a transient peak of about 1.1 KB per admission while rows are being
grouped, and 2.3 s of CPU per 550k rows. For MIMIC-IV (~430k admissions, ~4.8M diagnosis rows, of which only the
ICD-10 rows are kept) that is at most about 110 MB held and a peak under 0.5 GB while loading, and some 20 s of CPU.
The note file, the large part (~330k discharge notes, several GB of text), is streamed row by row and each note is
released once its encounter is yielded, so memory does not grow with the number of notes. Malformed rows of the code
tables raise :class:`SourceRowError` (file, line, column); malformed note rows are bad records (line number, no
text) and are skipped or raised as the caller chose.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from datasets.io import BadRecord, OnError, ReadReport
from datasets.readers._common import BadRecordSink, iter_csv_rows
from datasets.readers.errors import SourceFileNotFoundError, SourceRowError
from datasets.schema import Encounter, Gold, normalize_icd10cm

MIMIC_IV_NOTE_COLUMNS = ("note_id", "subject_id", "hadm_id", "note_type", "note_seq", "charttime", "text")
MIMIC_IV_CODE_COLUMNS = ("hadm_id", "seq_num", "icd_code", "icd_version")
MIMIC_III_NOTE_COLUMNS = ("ROW_ID", "SUBJECT_ID", "HADM_ID", "CHARTDATE", "CATEGORY", "DESCRIPTION", "TEXT")
MIMIC_III_CODE_COLUMNS = ("HADM_ID", "SEQ_NUM", "ICD9_CODE")

_IV_HINT = (
    "Point to the MIMIC-IV-Note and MIMIC-IV hosp files as published on PhysioNet (see datasets/readers/mimic.py)."
)
_III_HINT = "Point to the MIMIC-III v1.4 CSV files as published on PhysioNet (see datasets/readers/mimic.py)."

_ICD9_DX = re.compile(r"^(?:[0-9]{3}[0-9]{0,2}|V[0-9]{2}[0-9]{0,2}|E[0-9]{3}[0-9]?)$")
_ICD9_PCS = re.compile(r"^[0-9]{2}[0-9]{0,2}$")
_ICD10_PCS = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")

# Codes per admission, in seq_num order; keys are hadm_id as written in the file (integer text).
CodeTable = dict[str, tuple[str, ...]]


def format_icd9cm(code: str) -> str:
    """Dot an ICD-9-CM diagnosis code as MIMIC writes it without a dot.

    ``"4019"`` -> ``"401.9"``, ``"V1582"`` -> ``"V15.82"``, ``"E8790"`` -> ``"E879.0"``, ``"250"`` -> ``"250"``.

    Raises:
        ValueError: the input is not shaped like an ICD-9-CM diagnosis code.
    """
    compact = code.strip().upper().replace(".", "")
    if not _ICD9_DX.match(compact):
        raise ValueError("not shaped like an ICD-9-CM diagnosis code")
    head = 4 if compact.startswith("E") else 3
    return compact if len(compact) <= head else f"{compact[:head]}.{compact[head:]}"


def format_icd9pcs(code: str) -> str:
    """Dot an ICD-9-CM procedure code (volume 3): ``"3893"`` -> ``"38.93"``.

    Raises:
        ValueError: the input is not two to four digits.
    """
    compact = code.strip().replace(".", "")
    if not _ICD9_PCS.match(compact):
        raise ValueError("not shaped like an ICD-9 procedure code")
    return compact if len(compact) <= 2 else f"{compact[:2]}.{compact[2:]}"


def _icd10pcs(code: str) -> str:
    compact = code.strip().upper()
    if not _ICD10_PCS.match(compact):
        raise ValueError("not shaped like an ICD-10-PCS code (seven letters or digits, no I or O)")
    return compact


def _hadm_key(value: str) -> str:
    """``"20001234"``, ``" 20001234 "`` and ``"20001234.0"`` (pandas exports) are the same admission."""
    value = value.strip()
    return value[:-2] if value.endswith(".0") else value


@dataclass(frozen=True)
class CodeTableLayout:
    """The columns of a release's ``*_icd`` tables.

    Attributes:
        code_column: column with the undotted code.
        seq_column: column with the priority (1 = principal).
        hadm_column: the admission id column.
        hint: what to do when the file has the wrong columns.
        version_column: column with the ICD version; with ``version``, other rows are dropped.
        version: the version to keep (``"10"``).
        upper_header: the file's column names are upper case (MIMIC-III).
    """

    code_column: str
    seq_column: str
    hadm_column: str
    hint: str
    version_column: str | None = None
    version: str | None = None
    upper_header: bool = False


_IV_LAYOUT = CodeTableLayout("icd_code", "seq_num", "hadm_id", _IV_HINT, version_column="icd_version", version="10")
_III_LAYOUT = CodeTableLayout("ICD9_CODE", "SEQ_NUM", "HADM_ID", _III_HINT, upper_header=True)


def load_codes_by_admission(path: Path, layout: CodeTableLayout, normalize: Callable[[str], str]) -> CodeTable:
    """Read a MIMIC ``*_icd`` table into ``{hadm_id: (code, ...)}`` ordered by ``seq_num``, without duplicates.

    Args:
        path: the CSV (``.gz`` allowed).
        layout: the release's column names.
        normalize: turns a raw code into its canonical form; raises ``ValueError`` for a malformed code.

    Returns:
        The codes of each admission that has at least one code of the kept version.

    Raises:
        SourceLayoutError: a required column is missing.
        SourceRowError: a row has no admission id, a non-integer ``seq_num`` or a malformed code.
    """
    code_column, seq_column, hadm_column = layout.code_column, layout.seq_column, layout.hadm_column
    version_column, version = layout.version_column, layout.version
    required = [hadm_column, seq_column, code_column] + ([version_column] if version_column else [])
    interned: dict[str, str] = {}
    grouped: dict[str, list[tuple[int, str]]] = {}
    for line, row, problem in iter_csv_rows(path, required, layout.hint, upper_header=layout.upper_header):
        if problem is not None:
            raise SourceRowError(path, line, "*", problem)
        if version_column is not None and row[version_column].strip() != version:
            continue
        raw_code = row[code_column].strip()
        if not raw_code:
            continue  # MIMIC-III has a few diagnosis rows with an empty code: nothing to keep
        hadm = _hadm_key(row[hadm_column])
        if not hadm:
            raise SourceRowError(path, line, hadm_column, "empty admission id")
        try:
            seq = int(float(row[seq_column])) if row[seq_column].strip() else sys.maxsize
        except ValueError:
            raise SourceRowError(path, line, seq_column, "not an integer") from None
        try:
            code = normalize(raw_code)
        except ValueError as error:
            raise SourceRowError(path, line, code_column, str(error).split(" (")[0]) from None
        grouped.setdefault(sys.intern(hadm), []).append((seq, interned.setdefault(code, code)))
    table: CodeTable = {}
    for hadm, pairs in grouped.items():
        pairs.sort(key=lambda pair: pair[0])
        table[hadm] = tuple(dict.fromkeys(code for _, code in pairs))
    return table


def _admission_codes(
    diagnoses_path: Path,
    procedures_path: Path | None,
    layout: CodeTableLayout,
    diagnosis_code: Callable[[str], str],
    procedure_code: Callable[[str], str],
) -> tuple[CodeTable, CodeTable]:
    """The diagnosis and (when the table is given) procedure codes of each admission."""
    diagnoses = load_codes_by_admission(diagnoses_path, layout, diagnosis_code)
    procedures = load_codes_by_admission(procedures_path, layout, procedure_code) if procedures_path else {}
    return diagnoses, procedures


@dataclass(frozen=True)
class MimicIvFiles:
    """Where the MIMIC-IV files are: the note file, the diagnoses table and optionally the procedures table."""

    notes: Path
    diagnoses: Path
    procedures: Path | None = None

    @classmethod
    def find(cls, root: Path, note_file: str = "discharge.csv") -> MimicIvFiles:
        """Find the files under a folder holding ``note/`` and ``hosp/`` (or all files flat in one folder).

        Raises:
            SourceFileNotFoundError: the notes or diagnoses are missing; lists every path tried.
        """
        folders = [root / "note", root / "hosp", root]
        notes = _find_any(folders, note_file, "The MIMIC-IV-Note file")
        diagnoses = _find_any(folders, "diagnoses_icd.csv", "The MIMIC-IV diagnoses_icd table")
        try:
            procedures: Path | None = _find_any(folders, "procedures_icd.csv", "The procedures table")
        except FileNotFoundError:
            procedures = None
        return cls(notes, diagnoses, procedures)


@dataclass(frozen=True)
class MimicIiiFiles:
    """Where the MIMIC-III files are: NOTEEVENTS, DIAGNOSES_ICD and optionally PROCEDURES_ICD."""

    notes: Path
    diagnoses: Path
    procedures: Path | None = None

    @classmethod
    def find(cls, root: Path) -> MimicIiiFiles:
        """Find the files in a MIMIC-III folder (``NOTEEVENTS.csv[.gz]`` and friends, any letter case).

        Raises:
            SourceFileNotFoundError: the notes or diagnoses are missing; lists every path tried.
        """
        folders = [root]
        notes = _find_any(folders, "NOTEEVENTS.csv", "The MIMIC-III NOTEEVENTS table", lower_too=True)
        diagnoses = _find_any(folders, "DIAGNOSES_ICD.csv", "The MIMIC-III DIAGNOSES_ICD table", lower_too=True)
        try:
            procedures: Path | None = _find_any(folders, "PROCEDURES_ICD.csv", "PROCEDURES_ICD", lower_too=True)
        except FileNotFoundError:
            procedures = None
        return cls(notes, diagnoses, procedures)


def _find_any(folders: list[Path], name: str, what: str, *, lower_too: bool = False) -> Path:
    names = [name, name.lower()] if lower_too else [name]
    tried = [folder / f"{n}{gz}" for folder in folders for n in names for gz in ("", ".gz")]
    for candidate in tried:
        if candidate.is_file():
            return candidate
    raise SourceFileNotFoundError(what, tried, "Pass the folder as published on PhysioNet, or each file explicitly.")


def _note_date(value: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    return dt.date.fromisoformat(value[:10])


def read_mimic_iv(
    files: MimicIvFiles,
    *,
    icd10_only: bool = False,
    on_error: OnError = "skip",
    report: ReadReport | None = None,
    on_bad: Callable[[BadRecord], None] | None = None,
) -> Iterator[Encounter]:
    """Stream MIMIC-IV notes as encounters labelled with their admission's ICD-10-CM codes.

    Each note becomes ``Encounter(encounter_id="mimic-iv-<note_id>", patient_id=subject_id,
    date_of_service=charttime's date, setting="inpatient" when it has an admission, gold.icd10cm=[...])`` with the
    extra keys ``hadm_id``, ``note_type``, ``note_seq`` and ``icd10pcs``.

    Args:
        files: the note file and code tables (:meth:`MimicIvFiles.find` locates them under a root folder).
        icd10_only: leave out notes whose admission has no ICD-10-CM diagnosis (coded in ICD-9, or not coded).
        on_error: ``"skip"`` reports malformed note rows and goes on; ``"raise"`` stops at the first.
        report: filled with counts and every bad record while iterating.
        on_bad: called for each bad record when skipping.

    Yields:
        One encounter per usable note, in file order.

    Raises:
        SourceFileNotFoundError, SourceLayoutError: a file is missing or has the wrong columns.
        SourceRowError: a code table row is malformed.
    """
    diagnoses, procedures = _admission_codes(
        files.diagnoses, files.procedures, _IV_LAYOUT, normalize_icd10cm, _icd10pcs
    )
    sink = BadRecordSink(files.notes.name, on_error, report, on_bad)
    for line, row, problem in iter_csv_rows(files.notes, MIMIC_IV_NOTE_COLUMNS, _IV_HINT):
        if problem is not None:
            sink.bad(line, problem)
            continue
        note_id, text = row["note_id"].strip(), row["text"]
        if not note_id:
            sink.bad(line, "empty note_id")
            continue
        if not text.strip():
            sink.bad(line, "empty text")
            continue
        hadm = _hadm_key(row["hadm_id"])
        codes = diagnoses.get(hadm, ()) if hadm else ()
        if icd10_only and not codes:
            continue
        try:
            date = _note_date(row["charttime"])
        except ValueError:
            sink.bad(line, "charttime: not a date")
            continue
        extras: dict[str, object] = {"note_type": row["note_type"].strip()}
        if hadm:
            extras["hadm_id"] = hadm
        if row["note_seq"].strip():
            extras["note_seq"] = row["note_seq"].strip()
        if hadm in procedures:
            extras["icd10pcs"] = list(procedures[hadm])
        sink.ok()
        record = {
            "encounter_id": f"mimic-iv-{note_id}",
            "text": text,
            "patient_id": row["subject_id"].strip() or None,
            "date_of_service": date,
            "setting": "inpatient" if hadm else None,
            "gold": Gold(icd10cm=list(codes)),
            **extras,
        }
        yield Encounter.model_validate(record)


def read_mimic_iii(
    files: MimicIiiFiles,
    *,
    categories: tuple[str, ...] | None = ("Discharge summary",),
    on_error: OnError = "skip",
    report: ReadReport | None = None,
    on_bad: Callable[[BadRecord], None] | None = None,
) -> Iterator[Encounter]:
    """Stream MIMIC-III notes as encounters with their admission's ICD-9 codes (MIMIC-III has no ICD-10).

    Each note becomes ``Encounter(encounter_id="mimic-iii-<ROW_ID>", patient_id=SUBJECT_ID,
    date_of_service=CHARTDATE, setting="inpatient" when it has an admission, gold.icd10cm=[])`` with the extra keys
    ``hadm_id``, ``category``, ``description``, ``icd9cm`` (dotted ICD-9-CM diagnoses in SEQ_NUM order) and
    ``icd9pcs``. ``gold.icd10cm`` is always empty: these encounters are for ICD-9 work, pre-training or PHI checks.

    Args:
        files: the tables (:meth:`MimicIiiFiles.find` locates them in a folder).
        categories: note categories to keep (case-insensitive; MIMIC-III writes "Discharge summary",
            "Radiology", "Nursing", ...); ``None`` keeps all.
        on_error: ``"skip"`` reports malformed note rows and goes on; ``"raise"`` stops at the first.
        report: filled with counts and every bad record while iterating.
        on_bad: called for each bad record when skipping.

    Yields:
        One encounter per usable note, in file order; notes flagged ``ISERROR = 1`` are left out.

    Raises:
        SourceFileNotFoundError, SourceLayoutError: a file is missing or has the wrong columns.
        SourceRowError: a code table row is malformed.
    """
    diagnoses, procedures = _admission_codes(
        files.diagnoses, files.procedures, _III_LAYOUT, format_icd9cm, format_icd9pcs
    )
    wanted = None if categories is None else {c.strip().lower() for c in categories}
    sink = BadRecordSink(files.notes.name, on_error, report, on_bad)
    for line, row, problem in iter_csv_rows(files.notes, MIMIC_III_NOTE_COLUMNS, _III_HINT, upper_header=True):
        if problem is not None:
            sink.bad(line, problem)
            continue
        category = row["CATEGORY"].strip()
        if wanted is not None and category.lower() not in wanted:
            continue
        if row.get("ISERROR", "").strip() in {"1", "1.0"}:
            continue
        row_id, text = row["ROW_ID"].strip(), row["TEXT"]
        if not row_id:
            sink.bad(line, "empty ROW_ID")
            continue
        if not text.strip():
            sink.bad(line, "empty TEXT")
            continue
        try:
            date = _note_date(row["CHARTDATE"])
        except ValueError:
            sink.bad(line, "CHARTDATE: not a date")
            continue
        hadm = _hadm_key(row["HADM_ID"])
        extras: dict[str, object] = {"category": category, "icd9cm": list(diagnoses.get(hadm, ())) if hadm else []}
        if row["DESCRIPTION"].strip():
            extras["description"] = row["DESCRIPTION"].strip()
        if hadm:
            extras["hadm_id"] = hadm
        if hadm in procedures:
            extras["icd9pcs"] = list(procedures[hadm])
        sink.ok()
        record = {
            "encounter_id": f"mimic-iii-{row_id}",
            "text": text,
            "patient_id": row["SUBJECT_ID"].strip() or None,
            "date_of_service": date,
            "setting": "inpatient" if hadm else None,
            "gold": Gold(icd10cm=[]),
            **extras,
        }
        yield Encounter.model_validate(record)
