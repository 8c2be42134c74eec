"""How the audit holds up when a note's layout is written in ways the reader has not seen.

Physicians lay out the same documentation in many ways: the assessment header in other words ("Today's issues",
"Formulation") or none at all, headers in capitals or numbered, the plan before the history, problems as numbered
lines, bullets, "#" items or one run-on paragraph, each problem's plan on the line below, the assessment told in the
history paragraph, a vitals line copied between problems, blank lines, Windows line endings and tabs, an attestation
or a copied-forward past medical history at the end, the problem or drug list run on below the assessment under a
label of other words, every header in words of its own. This probe takes labelled encounters (validation data: never
the held-out family), rewrites each note's layout with one transformation of :data:`TRANSFORMATIONS` at a time and
scores the audit on every variant beside the notes as written. A transformation moves, marks or re-spaces the
note's own words and adds none that could change what it documents (a relabelling, :data:`RELABELLED`, writes
headers and list intros in other words that say the same), so the labels stay true; a variant that scores
well below the notes as written names a layout the note reader mistakes.

    python -m evaluation.structure_probe --data validation.jsonl [--only items_run_on,plan_first]
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from datasets.io import read_encounters
from datasets.schema import Encounter
from evaluation.audit import evaluate_audit
from models.clinical.document import ASSESSMENT_KINDS, Section, find_sections
from models.clinical.zones import paragraphs

# A rewrite of a note's layout; None when the note has nothing it applies to (the note is then scored as written).
Rewrite = Callable[[str], "str | None"]

# headers physicians use that none of our synthetic families use verbatim; "" removes the header
PROBE_HEADERS: dict[str, str] = {
    "encounter_diagnoses": "Encounter diagnoses:",
    "clinical_summary": "Clinical summary:",
    "todays_issues": "Today's issues:",
    "medical_decision_making": "Medical decision making:",
    "formulation": "Formulation:",
    "no_header": "",
}
# the marks a list item opens with: "-", "*", "•", ">", "#", "1.", "2)", "(3)", "1/", "a)", "* 2."
_ITEM_MARK = re.compile(r"^[ \t]*(?:(?:[-*\u2022>+#]+|\(?\d{1,2}[.)/]|\(?[a-z][.)])[ \t]*)*")
_FIRST_SENTENCE_END = re.compile(r"(?<=[.;])[ \t]+(?=\S)")
_VITALS = re.compile(r"Vitals?:[ \t]*(?:[^.\n]|\.(?=\d))+\.")
# the marks around a header's words: "<Exam>", "== Plan ==", "**Discussion**", "[Assessment]", "Plan >>", "A/P:"
_HEADER_MARKS = re.compile(r"^[\s\-*#=<\[]+|[\s:=*>\]|\-\u2013\u2014]+$")
_ATTESTATION = (
    "Attestation: I saw and examined the patient with the resident and reviewed the history, examination and data. "
    "I agree with the findings and the plan as documented above.\nElectronically signed by the attending physician."
)


def _headed(text: str) -> list[Section]:
    """The note's sections that open with a header."""
    return [s for s in find_sections(text) if s.body_start > s.start]


def _first_assessment(text: str) -> Section | None:
    return next((s for s in _headed(text) if s.kind in ASSESSMENT_KINDS), None)


def with_assessment_header(text: str, header: str) -> str | None:
    """``text`` with the header of its first assessment or plan section replaced by ``header`` ("" removes it);
    None when the note heads no such section."""
    section = _first_assessment(text)
    if section is None:
        return None
    written, rest = text[section.start : section.body_start], text[section.body_start :]
    # a header alone on its line keeps its line; a run-in header ("Plan >> ...") stays run in
    separator = "\n" if "\n" in written else "" if rest.startswith("\n") else " "
    return text[: section.start] + (header + separator if header else "") + rest


def _with_headers(text: str, restyle: Callable[[int, str], str]) -> str | None:
    """``text`` with the words of every header that opens a paragraph restyled (``restyle(ordinal, words)``) and
    written as "Words:"; a header alone on its line stays alone, a run-in header stays run in. Headers inside a
    paragraph ("Vitals:" under the exam, a problem list's intro) are left as written."""
    opening = {start for start, _ in paragraphs(text)}
    sections = [
        s
        for s in _headed(text)
        if s.start + len(text[s.start : s.body_start]) - len(text[s.start : s.body_start].lstrip()) in opening
    ]
    if not sections:
        return None
    pieces, last = [], 0
    for ordinal, section in enumerate(sections, start=1):
        written = text[section.start : section.body_start]
        words = _HEADER_MARKS.sub("", written)
        if not words:
            continue
        alone = text[section.body_start : section.body_start + 1] in ("\n", "")
        indent = written[: len(written) - len(written.lstrip())]
        pieces += [text[last : section.start], indent + restyle(ordinal, words) + ":" + ("" if alone else " ")]
        last = section.body_start
    return "".join(pieces) + text[last:]


def _paragraph_kinds(text: str) -> list[tuple[str, str]]:
    """The note's paragraphs, each with the kind of the section its first character stands in."""
    sections = find_sections(text)
    out = []
    for start, stop in paragraphs(text):
        kind = next((s.kind for s in sections if s.start <= start < s.end), "other")
        out.append((kind, text[start:stop]))
    return out


def _moved(text: str, kinds: frozenset[str], after: frozenset[str] | None) -> str | None:
    """``text`` with the paragraphs of the ``kinds`` sections moved to just after the note's opening paragraph
    (``after`` None) or to just after the last paragraph of the ``after`` sections; None when nothing moves."""
    blocks = _paragraph_kinds(text)
    moving = [body for kind, body in blocks if kind in kinds]
    staying = [(kind, body) for kind, body in blocks if kind not in kinds]
    if not moving or not staying:
        return None
    if after is None:
        at = 1
    else:
        anchors = [i for i, (kind, _) in enumerate(staying) if kind in after]
        if not anchors:
            return None
        at = anchors[-1] + 1
    bodies = [body for _, body in staying]
    moved = "\n\n".join([*bodies[:at], *moving, *bodies[at:]])
    return None if moved == "\n\n".join(body for _, body in blocks) else moved


def _assessment_block(text: str) -> tuple[int, int] | None:
    """Span of the first assessment's items: from the end of its header to the end of its paragraph."""
    section = _first_assessment(text)
    if section is None:
        return None
    blank = re.compile(r"\n[ \t]*\n").search(text, section.body_start)
    stop = min(blank.start() if blank else len(text), len(text))
    start = section.body_start
    return (start, stop) if text[start:stop].strip() else None


def _item_lines(text: str, start: int, stop: int) -> list[tuple[int, int, bool]]:
    """The lines of ``text[start:stop]`` with their spans and whether each opens a section header of its own
    ("  Plan: ..." under a problem), which an item rewrite leaves as written."""
    starts = {s.start for s in _headed(text)}
    out, position = [], start
    for line in text[start:stop].split("\n"):
        lead = len(line) - len(line.lstrip())
        if line.strip():
            out.append((position, position + len(line), position + lead in starts or position in starts))
        position += len(line) + 1
    return out


def _with_items(text: str, write: Callable[[list[str]], str]) -> str | None:
    """``text`` with the lines of its first assessment (their item marks taken off) written by ``write``."""
    block = _assessment_block(text)
    if block is None:
        return None
    start, stop = block
    lines = [
        text[a:b].strip() if header else _ITEM_MARK.sub("", text[a:b], count=1).strip()
        for a, b, header in _item_lines(text, start, stop)
    ]
    lines = [line for line in lines if line]
    if not lines:
        return None
    lead = text[start : start + len(text[start:stop]) - len(text[start:stop].lstrip("\n"))]
    rewritten = text[:start] + lead + write(lines) + text[stop:]
    return None if rewritten == text else rewritten


def _sentence(line: str) -> str:
    return line if line.endswith((".", "!", "?", ";")) else line + "."


def _marked(mark: Callable[[int], str], lines: list[str]) -> str:
    return "\n".join(mark(i) + line for i, line in enumerate(lines, start=1))


def _run_on(lines: list[str]) -> str:
    return " ".join(_sentence(line) for line in lines)


def _plan_below(indent: str, lines: list[str]) -> str:
    """Each item's first sentence on its line and the rest of the item on the next line."""
    out = []
    for line in lines:
        head, *rest = _FIRST_SENTENCE_END.split(line, maxsplit=1)
        out.append(head + (f"\n{indent}{rest[0]}" if rest else ""))
    return "\n".join(out)


def _assessment_in_history(text: str) -> str | None:
    """The first assessment's header removed and its text told at the end of the history paragraph."""
    block = _assessment_block(text)
    section = _first_assessment(text)
    history = next((s for s in _headed(text) if s.kind == "hpi"), None)
    if block is None or section is None or history is None or history.start > section.start:
        return None
    start, stop = block
    told = _run_on([_ITEM_MARK.sub("", line).strip() for line in text[start:stop].split("\n") if line.strip()])
    end = history.body_start + len(text[history.body_start : history.end].rstrip())
    if end > section.start:
        return None
    return text[:end] + " " + told + text[end : section.start] + text[stop:]


def _results_in_history(text: str) -> str | None:
    """The results sections' headers removed and what they list told at the end of the history paragraph (results,
    records and images reviewed written as part of the story)."""
    history = next((s for s in _headed(text) if s.kind == "hpi"), None)
    results = [s for s in _headed(text) if s.kind == "data" and history is not None and s.start > history.end]
    if history is None or not results:
        return None
    told = _run_on(
        [
            _ITEM_MARK.sub("", line).strip()
            for s in results
            for line in text[s.body_start : s.end].split("\n")
            if line.strip()
        ]
    )
    end = history.body_start + len(text[history.body_start : history.end].rstrip())
    pieces, last = [text[:end], " ", told], end
    for section in results:
        pieces.append(text[last : section.start])
        last = section.end
    return "".join(pieces) + text[last:]


def _vitals_between_items(text: str) -> str | None:
    """The note's own vitals line copied between its first and second assessment items."""
    block, vitals = _assessment_block(text), _VITALS.search(text)
    if block is None or vitals is None:
        return None
    lines = [(a, b) for a, b, header in _item_lines(text, *block) if not header]
    if len(lines) < 2:
        return None
    end = lines[0][1]
    return text[:end] + "\n" + vitals.group(0) + text[end:]


def _past_history_appended(text: str) -> str | None:
    """The note's problem list copied forward under "Past Medical History:" at the end of the note."""
    carried = [
        line.strip()
        for s in find_sections(text)
        if s.kind == "pmh"
        for line in text[s.body_start : s.end].split("\n")
        if line.strip() and not line.rstrip().endswith(":")
    ]
    if not carried:
        return None
    return text.rstrip() + "\n\nPast Medical History:\n" + "\n".join(f"- {_ITEM_MARK.sub('', c)}" for c in carried)


def _tabs(text: str) -> str | None:
    """Header text set off by a tab and the assessment's items indented by one."""
    block = _assessment_block(text)
    indented = text
    if block is not None:
        start, stop = block
        indented = text[:start] + re.sub(r"(?m)^(?=\S)", "\t", text[start:stop]) + text[stop:]
    return re.sub(r"(?m)^([A-Za-z][A-Za-z /&'-]{0,40}:)[ \t]+", "\\1\t", indented)


# Labels in words of our own that the section reader does not know, for the lists a chart carries (a note takes one
# by its length: no draw); the problem list's say the conditions are carried, not handled at this visit
_CARRIED_INTROS = (
    "Chart also lists (no changes made):",
    "Longstanding, not reviewed at this visit:",
    "For reference only, carried from prior records:",
    "Pre-existing, unchanged and not revisited:",
    "Other diagnoses on her record, untouched today:",
)
_DRUG_LABELS = ("Takes:", "Regimen:", "On:", "Current pills:")
_UNKNOWN_HEADERS: dict[str, tuple[str, ...]] = {
    "chief_complaint": ("Here for", "Came in with"),
    "hpi": ("Story", "Tells me", "Since last seen"),
    "ros": ("Asked about", "Other complaints"),
    "pmh": ("Background", "Carried forward", "On the books"),
    "psh": ("Operations",),
    "medications": ("What she takes", "Regimen", "Taking"),
    "allergies": ("Reacts to", "Intolerant of"),
    "family": ("Relatives", "Kin"),
    "social": ("Lives", "Day to day"),
    "exam": ("On looking", "Bedside"),
    "data": ("Numbers", "Came back"),
    "procedure": ("Done today", "In the room"),
    "time": ("Minutes",),
}
# the section kinds whose headers (and list intros) a transformation writes in other words
RELABELLED: dict[str, frozenset[str]] = {
    "carried_list_below_assessment": frozenset({"pmh"}),
    "drug_list_below_assessment": frozenset({"medications"}),
    "headers_unknown_plan_first": frozenset(_UNKNOWN_HEADERS),
}


def _by_length(options: Sequence[str], text: str, ordinal: int = 0) -> str:
    return options[(len(text) + ordinal) % len(options)]


def _list_below_assessment(text: str, kind: str, labels: Sequence[str]) -> str | None:
    """The entries of the note's ``kind`` sections (their headers and list intros dropped) written on the lines right
    below the first assessment's items under a label of ``labels``, without a blank line between: a list the chart
    carries, run on below the assessment as a template or a copy-forward leaves it."""
    block = _assessment_block(text)
    sections = [s for s in _headed(text) if s.kind == kind]
    if block is None or not sections or any(s.start < block[1] and s.end > block[0] for s in sections):
        return None
    entries = [
        line.strip()
        for s in sections
        for line in text[s.body_start : s.end].split("\n")
        if line.strip() and not line.rstrip().endswith(":")
    ]
    if not entries:
        return None
    below = "\n" + _by_length(labels, text) + "\n" + "\n".join(entries)
    pieces, last = [], 0
    for start, stop in sorted([(s.start, s.end) for s in sections] + [(block[1], block[1])]):
        pieces.append(text[last:start])
        if start == stop == block[1]:
            pieces.append(below)
        last = stop
    return re.sub(r"\n{3,}", "\n\n", "".join(pieces) + text[last:])


def _headers_unknown_plan_first(text: str) -> str | None:
    """The assessment written first and every other header in words the section reader does not know, as "Words:":
    what follows the assessment then reads as going on with it unless the reader sees what it is."""
    moved = _moved(text, kinds=ASSESSMENT_KINDS, after=None) or text
    sections = [s for s in _headed(moved) if s.kind in _UNKNOWN_HEADERS]
    if not sections:
        return None
    pieces, last = [], 0
    for ordinal, section in enumerate(sections):
        written = moved[section.start : section.body_start]
        alone = moved[section.body_start : section.body_start + 1] in ("\n", "")
        indent = written[: len(written) - len(written.lstrip())]
        label = _by_length(_UNKNOWN_HEADERS[section.kind], text, ordinal)
        pieces += [moved[last : section.start], indent + label + ":" + ("" if alone else " ")]
        last = section.body_start
    return "".join(pieces) + moved[last:]


TRANSFORMATIONS: dict[str, Rewrite] = {
    **{f"header_{name}": partial(with_assessment_header, header=header) for name, header in PROBE_HEADERS.items()},
    "headers_upper": partial(_with_headers, restyle=lambda _, words: words.upper()),
    "headers_title_colon": partial(_with_headers, restyle=lambda _, words: words.title()),
    "headers_numbered": partial(_with_headers, restyle=lambda i, words: f"{i}) {words}"),
    "plan_first": partial(_moved, kinds=ASSESSMENT_KINDS, after=None),
    "history_after_exam": partial(_moved, kinds=frozenset({"hpi"}), after=frozenset({"exam"})),
    "items_numbered": partial(_with_items, write=partial(_marked, lambda i: f"{i}. ")),
    "items_bulleted": partial(_with_items, write=partial(_marked, lambda _: "- ")),
    "items_hash": partial(_with_items, write=partial(_marked, lambda _: "# ")),
    "items_labelled": partial(_with_items, write=partial(_marked, lambda _: "Problem: ")),
    "items_unmarked": partial(_with_items, write=partial(_marked, lambda _: "")),
    "items_run_on": partial(_with_items, write=_run_on),
    "plan_below_item": partial(_with_items, write=partial(_plan_below, "")),
    "plan_below_item_indented": partial(_with_items, write=partial(_plan_below, "    ")),
    "assessment_in_history": _assessment_in_history,
    "results_in_history": _results_in_history,
    "vitals_between_items": _vitals_between_items,
    "blank_lines_doubled": lambda text: re.sub(r"\n[ \t]*\n", "\n\n\n\n", text),
    "double_spaced": lambda text: text.replace("\n", "\n\n"),
    "crlf": lambda text: text.replace("\n", "\r\n"),
    "tabs": _tabs,
    "attestation_appended": lambda text: text.rstrip() + "\n\n" + _ATTESTATION,
    "past_history_appended": _past_history_appended,
    "carried_list_below_assessment": partial(_list_below_assessment, kind="pmh", labels=_CARRIED_INTROS),
    "drug_list_below_assessment": partial(_list_below_assessment, kind="medications", labels=_DRUG_LABELS),
    "headers_unknown_plan_first": _headers_unknown_plan_first,
}


def variants(encounters: Iterable[Encounter], rewrite: Rewrite) -> list[Encounter]:
    """Every encounter with its note rewritten (unchanged when the rewrite does not apply to it)."""
    out = []
    for encounter in encounters:
        text = rewrite(encounter.text)
        out.append(encounter if text is None else encounter.model_copy(update={"text": text}))
    return out


class _Remembering:
    """An engine that audits each (encounter, text) once: a variant that leaves a note as written reuses its audit."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine
        self._seen: dict[tuple[str, str], Any] = {}

    def audit(self, encounter: Encounter) -> Any:
        key = (encounter.encounter_id, encounter.text)
        if key not in self._seen:
            self._seen[key] = self._engine.audit(encounter)
        return self._seen[key]


def probe(
    encounters: Sequence[Encounter], transformations: dict[str, Rewrite], engine: Any
) -> dict[str, dict[str, Any]]:
    """Audit metrics of the notes as written (``as_written``) and of each transformation's variants, with the number
    of notes each rewrote (``rewritten``)."""
    remembering = _Remembering(engine)
    results = {"as_written": {**evaluate_audit(encounters, remembering), "rewritten": 0}}
    for name, rewrite in transformations.items():
        rewritten = variants(encounters, rewrite)
        changed = sum(v.text != e.text for v, e in zip(rewritten, encounters, strict=True))
        results[name] = {**evaluate_audit(rewritten, remembering), "rewritten": changed}
    return results


def table(results: dict[str, dict[str, Any]]) -> str:
    """A Markdown table: per transformation the notes rewritten, clean-claim specificity and each note-reading flag
    type's precision/recall."""
    types = sorted({t for m in results.values() for t, v in m["per_type"].items() if v["support"]})
    rows = [
        "| variant | rewritten | spec | " + " | ".join(types) + " |",
        "|---" * (len(types) + 3) + "|",
    ]
    for name, metrics in results.items():
        cells = [f"{metrics['per_type'][t]['precision']:.3f}/{metrics['per_type'][t]['recall']:.3f}" for t in types]
        spec = metrics["clean_claim_specificity"]
        rows.append(f"| {name} | {metrics['rewritten']} | {spec:.3f} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, required=True, help="labelled encounters (JSONL/CSV/Parquet)")
    parser.add_argument("--only", default="", help="comma-separated transformation names (default: all)")
    args = parser.parse_args(argv)
    from models.audit import load_default_engine

    chosen = [name for name in args.only.split(",") if name]
    unknown = sorted(set(chosen) - set(TRANSFORMATIONS))
    if unknown:
        parser.error(f"unknown transformation(s) {unknown}; choose from {sorted(TRANSFORMATIONS)}")
    transformations = {name: TRANSFORMATIONS[name] for name in chosen} if chosen else TRANSFORMATIONS
    encounters = list(read_encounters(args.data))
    print(table(probe(encounters, transformations, load_default_engine())))


if __name__ == "__main__":
    main()
