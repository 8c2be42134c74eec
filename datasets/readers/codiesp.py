"""CodiEsp (CLEF eHealth 2020 task 1) reader: one :class:`Encounter` per clinical case report.

Layout read (``DIR`` is the corpus root, e.g. ``../shared/data/codiesp``)::

    DIR/<split>/text_files_en/<doc_id>.txt   the organisers' machine-translated English text
    DIR/<split>/<split>D.tsv                 doc_id<TAB>icd10cm   (lower case, dotted: ``r50.9``)
    DIR/<split>/<split>P.tsv                 doc_id<TAB>icd10pcs  (often truncated)

Diagnosis codes are normalised (upper case, dotted) but otherwise kept as given: injury codes that lack their 7th
character stay as they are, because they are what the annotators wrote. ICD-10-PCS codes go to the extra key
``icd10pcs`` and the number of diagnosis rows the TSV had for the document (before de-duplication) to
``codiesp_gold_rows``. The ``background`` split has no TSV files: its documents come without ``gold``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from datasets.schema import Encounter, Gold, normalize_icd10cm

CodiespSplit = Literal["train", "dev", "test", "background"]
CODIESP_SPLITS: tuple[str, ...] = ("train", "dev", "test", "background")


class CodiespFormatError(ValueError):
    """A CodiEsp file is missing or malformed; the message names the file, line and what to do."""


@dataclass
class CodiespStats:
    """Counts of one read: documents, diagnosis rows as in the TSV (before de-duplication), procedure rows."""

    documents: int = 0
    diagnosis_rows: int = 0
    procedure_rows: int = 0
    documents_without_codes: list[str] = field(default_factory=list)
    codes_without_text: list[str] = field(default_factory=list)


def _read_tsv(path: Path, *, normalise: bool) -> dict[str, list[str]]:
    """``doc_id -> codes`` in file order (duplicates kept); raises on a malformed line, naming file and line."""
    codes: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
                raise CodiespFormatError(
                    f"{path}:{number}: expected 'doc_id<TAB>code', got {len(parts)} field(s). "
                    "Check that the file is an unmodified CodiEsp TSV."
                )
            doc_id, code = parts[0].strip(), parts[1].strip()
            if normalise:
                try:
                    code = normalize_icd10cm(code)
                except ValueError as error:
                    raise CodiespFormatError(f"{path}:{number}: column 2: {error}. Fix or remove the row.") from None
            else:
                code = code.upper()
            codes.setdefault(doc_id, []).append(code)
    return codes


def _dedupe(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(codes))


def read_codiesp(root: Path, split: CodiespSplit, stats: CodiespStats | None = None) -> Iterator[Encounter]:
    """Yield the encounters of one CodiEsp split, sorted by document id.

    Args:
        root: the corpus folder holding ``train/``, ``dev/`` (and ``test/``, ``background/`` when present).
        split: which split to read.
        stats: filled with counts as documents are yielded, when given.

    Raises:
        CodiespFormatError: the split folder, its text folder or its diagnosis TSV is missing, or a row is malformed.
    """
    if split not in CODIESP_SPLITS:
        raise CodiespFormatError(f"Unknown CodiEsp split {split!r}; choose one of {', '.join(CODIESP_SPLITS)}.")
    folder = root / split
    text_dir = folder / "text_files_en"
    if not text_dir.is_dir():
        raise CodiespFormatError(
            f"No CodiEsp text folder at {text_dir}. Pass --root pointing at the corpus folder that holds {split}/."
        )
    labelled = split != "background"
    diagnoses: dict[str, list[str]] = {}
    procedures: dict[str, list[str]] = {}
    if labelled:
        d_path = folder / f"{split}D.tsv"
        if not d_path.is_file():
            raise CodiespFormatError(f"No diagnosis file {d_path.name} in {folder}. The split is incomplete.")
        diagnoses = _read_tsv(d_path, normalise=True)
        p_path = folder / f"{split}P.tsv"
        if p_path.is_file():
            procedures = _read_tsv(p_path, normalise=False)
    stats = stats if stats is not None else CodiespStats()
    stats.codes_without_text = sorted(set(diagnoses) - {p.stem for p in text_dir.glob("*.txt")})
    for text_path in sorted(text_dir.glob("*.txt")):
        doc_id = text_path.stem
        text = text_path.read_text(encoding="utf-8")
        record: dict[str, object] = {"encounter_id": doc_id, "text": text, "source": f"codiesp/{split}"}
        if labelled:
            rows = diagnoses.get(doc_id, [])
            if not rows:
                stats.documents_without_codes.append(doc_id)
            record["gold"] = Gold(icd10cm=_dedupe(rows))
            record["icd10pcs"] = _dedupe(procedures.get(doc_id, []))
            record["codiesp_gold_rows"] = len(rows)
            stats.diagnosis_rows += len(rows)
            stats.procedure_rows += len(procedures.get(doc_id, []))
        stats.documents += 1
        yield Encounter.model_validate(record)
