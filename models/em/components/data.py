"""Data component (``medcode.em.data.v1``): amount and complexity of data to be reviewed and analysed.

AMA CPT E/M guidelines (2021/2023). Category 1: each *unique test* ordered or reviewed (a test ordered at this visit
includes the later review of its result; a panel is one test), each unique *external note* source, and the
assessment requiring an *independent historian*. Category 2: *independent interpretation* of a test reported by
another physician. Category 3: *discussion of management* with an external physician or other qualified
professional. A test whose interpretation we bill (ECG 93000, spirometry) does not count again as data; a
point-of-care lab we perform does count as a test ordered. Example: "Ordered: CBC, lipid panel." -> two
``data/test_ordered`` mentions.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from models.clinical.assertion import assert_span
from models.clinical.document import ClinicalDocument
from models.em.cues import EmCues, default_cues

_DATA_SECTIONS = frozenset(
    {"assessment", "plan", "preventive", "data", "other", "hpi", "exam", "procedure", "chief_complaint"}
)
_SPLIT = re.compile(r",|;|\band\b|\s\+\s|/(?=[a-z])")
_NEAR = 12  # characters between a cue and the first test it governs ("Ordered: CBC", "reviewed the CMP")
# or only these words between them ("Labs ordered today include CBC, BMP", "ordered as follows: TSH")
# or determiners and the words that qualify a test without naming it ("will check a free and total testosterone
# level", "we will obtain a repeat fasting lipid panel")
_FILLER = re.compile(
    r"^(?:[\s:,>-]|\b(?:today|now|also|includ(?:e|es|ed|ing)|are|were|is|was|as follows|placed|for|the|a|an|"
    r"his|her|their|some|both|another|repeat|fasting|baseline|follow-?up|serum|free|total|and)\b)*$"
)
_NEAR_BEFORE = 45  # "comprehensive metabolic panel (the previous primary care office) reviewed"
# or, farther, only the result's source between them: "BMP from the emergency department visit last week pulled up and
# reviewed", "CBC done at the urgent care clinic was reviewed"
# (also "CBC obtained at the nephrology clinic personally reviewed": a verb of doing before the source, an adverb
# before the cue)
_SOURCE_GAP = re.compile(
    r"^\s*(?:\([^()]{0,80}\)|(?:(?:obtained|done|performed|drawn|taken|collected|checked|resulted)\s+)?"
    r"(?:from|at|by|of|in) (?:(?!\b(?:and|was|were|is|are|we|i)\b)[^,;:()]){0,80}?)\s*"
    r"(?:(?:was|were|has been|have been)\s+)?(?:\w+ly\s+)?"
    r"(?:\w+(?: up| out)? and\s+)?$"
)
# a cue, then what was reviewed and where from, then the tests: "Reviewed labs from the hospital discharge summary:
# CBC - WBC 7.4", "reviewed the outside imaging (ED visit): chest x-ray ..."
_SOURCE_LEAD = re.compile(
    r"^\s*(?:(?:the|all|recent|prior|previous|outside|old|available|his|her|their)\s+)*"
    r"(?:labs?|results?|studies|imaging|tests?|blood ?work|data|work-?up)\s*"
    r"(?:(?:from|at|of|in|done at|obtained at)\s+[^,;:()]{1,80}?|\([^()]{1,80}\))?\s*[:(-]\s*$"
)
# words of a clause, not of a test's name
_CLAUSE = re.compile(r"\b(?:i|we|you|is|are|was|were|would|will|has|have|this|that|it)\b")
# the words that may stand between an order cue and its list's colon: "Orders placed this visit: ...", "Orders for
# today's visit: ...", "Ordered today:"
_LISTED = re.compile(
    r"(?:\s*(?:placed|entered|today|now|(?:(?:at|during|for|from)\s+)?(?:this|today's)\s+"
    r"(?:visit|encounter|appointment)))*\s*:\s*(?P<items>[^.\n]+)"
)
# (the source told with "per" first: in "Per the sleep center, urinalysis: negative" the colon follows the test)
_RESULT_LEAD = re.compile(r"[\W_]*(?:per [^,;:]{1,80},\s*|(?P<source>[^:]{1,80}):\s*)?")
_MODALITIES = ("ultrasound", "ct", "mri", "x-ray", "monitor", "echocardiogram")


def _canonical(test: str) -> str:
    text = re.sub(r"\b(?:report|results?|level|panel|profile|the|a|an|repeat|fasting|stat)\b", " ", test.lower())
    aliases = {"bmp": "basic metabolic", "cmp": "comprehensive metabolic", "cxr": "chest x-ray", "ua": "urinalysis",
               "hgb a1c": "a1c", "hemoglobin a1c": "a1c", "echo": "echocardiogram", "lfts": "hepatic function",
               "lft": "hepatic function", "liver function tests": "hepatic function", "complete blood count": "cbc",
               "inr": "prothrombin time with inr", "prothrombin time": "prothrombin time with inr",
               "electrolytes": "basic metabolic"}  # fmt: skip
    text = re.sub(r"\s+", " ", text.replace("w/", "with ")).strip(" .:-()")
    text = text.replace("xray", "x-ray")
    # one imaging or monitoring study per modality and note ("transvaginal ultrasound ordered" in the plan and
    # "Orders: pelvic ultrasound" below it are the same order)
    for modality in _MODALITIES:
        if text == modality or text.endswith(" " + modality):
            return modality
    for alias, canon in aliases.items():
        if re.fullmatch(rf"{re.escape(alias)}(?: .*)?", text):
            return canon
    return text


# A reading act, in any voice or as a noun: "reviewed", "has been perused", "examined by me and shows", "I have gone
# through", "chart review", "(reviewed)". Whether it reads a result or another source's records is said by its object.
_READING = re.compile(
    r"\b(?:review\w*|rev'?d|read|perus\w*|examin(?:ed|ing)|stud(?:ied|ying)|summari[sz]\w*|seen|"
    r"(?:gone|went|go|going|looked|look|read) (?:through|over|at)|pulled up)\b"
)
# The physician's own reading told in the first person with any verb of seeing or reading ("I have seen the CBC from
# the orthopedic office", "we have gone through the TSH", "I've read the echo report"): the review cue knows the verbs
# of reviewing ("reviewed", "looked at"), but a coder counts a result the note says the physician read, whatever the
# verb. The subject makes the verb a reading act: "seen" alone is not one ("seen in the ED, where a CT showed ...").
_OWN_READING = re.compile(
    r"\b(?:i|we)(?:'ve| have| had)?(?: (?:also|personally|now|just|already|since))? "
    r"(?:seen|read|perused|examined|studied|inspected|(?:gone|went|looked) (?:through|over|at))\b"
)
# Another source's records: notes, letters, charts, summaries (a test's report is a result, read as one)
_RECORDS = re.compile(
    r"\b(?:records?|recs|notes|letters?|correspondence|charts?|documentation|documents|paperwork|papers|packets?|"
    r"(?:discharge |visit |clinic )?summar(?:y|ies))\b"
)
# the patient's own records ("her food records", "his glucose log notes") come from no other source
# records the practice or the patient keeps, named by what they record ("vaccine record reconciled", "blood pressure
# log and glucose records reviewed"): no other source's notes
_KEPT_RECORDS = re.compile(
    r"\b(?:vaccines?|vaccinations?|immuni[sz]ations?|shots?|food|diet|glucose|sugar|bp|blood pressure|symptom|"
    r"sleep|headache|seizure|weight)\s+$"
)
# A clinician or a place of care named before the records is their source ("the patient's cardiologist
# documentation", "her nephrology clinic notes").
_RECORDS_SOURCE_NOUN = (
    r"(?:dr\.?|doctor|pcp|physician|specialist|surgeon|consultant|hospitalist|\w+olog(?:ist|y)|"
    r"clinic|office|hospital|center|centre|ed|er|emergency|urgent care|practice)"
)
_OWN_RECORDS = re.compile(
    r"\b(?:her|his|their|patient's|pt's|own)\s+(?:(?!" + _RECORDS_SOURCE_NOUN + r"\b)[a-z-]+\s+)?$"
)
# what may stand before the test a sentence opens with: "The", "Outside result", "Repeat", a bullet
_SUBJECT_LEAD = re.compile(
    r"^[\W_]*(?:(?:the|an?|outside|external|prior|previous|recent|old|repeat|results?|reports?|labs?|of)\s+)*$"
)

# what follows the test when it is the one read: its source, values, or the verb ("CBC (outside office)", "CBC @ the
# sleep center:", "TSH - 2.3", "CBC undertaken by ...", "CBC was reviewed")
_SUBJECT_TAIL = re.compile(
    r"\s*(?:$|[(@:,;-]|\b(?:from|at|by|of|in|done|performed|undertaken|obtained|drawn|taken|collected|results?|"
    r"reports?|levels?|values?|was|were|has|have|had|showed|shows|demonstrat\w*|review\w*|rev'?d|examined|seen|read)\b)"
)


# where "documentation" comes from when it is another source's ("outside documentation", "documents from the clinic")
_RECORD_SOURCE = re.compile(
    r"\b(?:from|by|sent|outside|external|prior|previous|old|received|" + _RECORDS_SOURCE_NOUN + r")\b"
)


# a result (or results) taken from a source named next: "Result from the hospital discharge summary, CBC: ..."
_RESULT_FROM = re.compile(
    r"\b(?:results?|labs?|values?|lab work|blood ?work)\s+(?:(?:taken|pulled|obtained|copied)\s+)?"
    r"(?:from|per|in|via)\s+(?:the |an? |his |her |their )?(?:[a-z'-]+\s+){0,3}$"
)
_RECEIVED_FROM = re.compile(
    r"\b(?:came|come|sent|received|forwarded|faxed|arrived)\b(?: \w+){0,2}? from "
    r"(?:the |an? |his |her |their |patient's |pt's )"
    # or the source as the sender: "what the sleep center sent us", "everything her cardiologist forwarded"
    r"|\b(?:what|everything|all)\s+(?:that\s+)?(?:the|an?|his|her|their|patient's|pt's)\s[^.;:]{1,60}?\b"
    r"(?:sent|faxed|forwarded|mailed|shared)\b"
)


def records_read(lowered: str, start: int = 0) -> re.Match[str] | None:
    """The records a sentence says were read ("Correspondence from the sleep center has been perused", "I have gone
    through the clinic letters from the cardiologist", "Chart review: the nephrology clinic records"): a records noun
    and a reading act in one sentence (from ``start``, past a section header), in either order."""
    records = _RECORDS.search(lowered, start)
    if records is None:
        # what another source sent, read, whatever it is called: "Read through the paperwork that came from the
        # cardiologist" (a result named in the sentence is a result reviewed instead)
        received = _RECEIVED_FROM.search(lowered, start)
        return received if received is not None and _READING.search(lowered, start) else None
    if _OWN_RECORDS.search(lowered[: records.start()]) or _KEPT_RECORDS.search(lowered[: records.start()]):
        return None
    if records.group(0).startswith("document") and not _RECORD_SOURCE.search(lowered, start):
        return None  # "including review and documentation": the physician's own writing, not another source's
    return records if _READING.search(lowered, start) else None


def reviewed_subject(lowered: str, start: int, cues: EmCues) -> list[tuple[str, int, int]]:
    """The tests a sentence opens with (from ``start``), when a reading act follows them: the test is the subject of
    a review told in the passive or after its values ("The CBC undertaken by the orthopedic office has been examined
    by me", "Outside result TSH (cardiologist) - 2.3, normal, reviewed today", "CBC @ the sleep center: WBC 7.4
    (reviewed)")."""
    if _READING.search(lowered, start) is None:
        return []  # most sentences read nothing: skip the scan for test names, the costliest pattern of the step
    tests = _tests_in(lowered[start:], cues)
    if not tests or not _SUBJECT_LEAD.match(lowered[start : start + tests[0][1]]):
        return []
    if not _SUBJECT_TAIL.match(lowered, start + tests[-1][2]):
        return []  # "A1c goal and diet reviewed": the goal was reviewed, not the test
    if _READING.search(lowered, start + tests[-1][2]) is None:
        return []
    return [(name, start + a, start + b) for name, a, b in tests]


_LIST_GAP = re.compile(r"^(?:\s*(?:,|;|/|&|\+|\band\b|\bplus\b)\s*)+(?:an? |the )?$")


def _test_lists(fragment: str, cues: EmCues, first_only: bool) -> list[list[tuple[str, int, int]]]:
    """The lists of test names in a fragment (names joined by commas, "and", "/" ...), each name with its offsets."""
    lists: list[list[tuple[str, int, int]]] = []
    last_end: int | None = None
    for match in cues.tests.finditer(fragment):
        name = match.group(0).strip()
        if not name:
            continue
        if last_end is None or not _LIST_GAP.match(fragment[last_end : match.start()]):
            if lists and first_only:
                break
            lists.append([])
        lists[-1].append((_canonical(name), match.start(), match.end()))
        last_end = match.end()
    return lists


def _tests_in(fragment: str, cues: EmCues) -> list[tuple[str, int, int]]:
    """The unique tests of the first list of test names in a fragment, with offsets into the fragment.

    "Ordered: CBC, BMP and lipid panel." gives three tests; "CMP (outside office) reviewed, creatinine 1.0, LFTs
    normal" gives one (the later "LFTs" is a value of the reviewed panel, not another test).
    """
    lists = _test_lists(fragment, cues, first_only=True)
    return lists[0] if lists else []


def _tests_before(fragment: str, cues: EmCues) -> list[tuple[str, int, int]]:
    """The last list of test names in a fragment: the subject of a cue that follows it ("CBC normal; testosterone
    level and CMP will be obtained" orders the last two, not the CBC)."""
    lists = _test_lists(fragment, cues, first_only=False)
    return lists[-1] if lists else []


# a later visit an order is put off to ("at the next visit", "on return", "at which time"; not "before the next
# visit", ordered now)
_LATER_VISIT = (
    r"(?:at|on) (?:the |her |his |their )?(?:next|follow-?up|subsequent|return) (?:visit|appointment|check)|"
    r"(?:at|on) (?:follow-?up|return)|at (?:which|that) time|next time|when (?:she|he|they) returns?"
)
# a condition on an order ("if", "unless", "in case", "as needed"; also "should it/symptoms ...")
_IF = r"if|unless|in case|in the event|as needed|when needed|prn"
_CONDITION = re.compile(rf"\b(?:{_IF}|should (?:it|this|they|he|she|there|symptoms?|pain)|{_LATER_VISIT})\b")
_CLAUSE_END = re.compile(r"[;.]")
# what may stand between an order and a condition that follows it ("MRI will be obtained in 6 weeks only if ...")
_ORDER_TAIL = re.compile(rf"^[^,;.]{{0,40}}?(?=\b(?:only )?(?:{_IF}|{_LATER_VISIT})\b)")


def _more_items(text: str, start: int, cues: EmCues) -> list[tuple[str, int, int]]:
    """Short list items after the named tests of an order ("A1c, BMP, lipids, CPK and liver enzymes"): each item of
    at most four words separated by a comma or "and" is another test, up to the end of the sentence."""
    out: list[tuple[str, int, int]] = []
    position = start
    for match in re.finditer(
        r"\s*(?:,|\band\b)\s*(?:and\s+)?(?P<item>[a-z0-9][a-z0-9 /-]*?)(?=\s*(?:,|\band\b|[.;]|$))", text[start:]
    ):
        if match.start() != position - start:
            break
        item = match.group("item").strip()
        if (
            not item
            or len(item.split()) > 4
            or cues.order.search(item)
            or cues.review.search(item)
            or _CLAUSE.search(item)
            or _CONDITION.search(item)
        ):
            break  # "..., if no infection, patient will call": the list ended
        known = _tests_in(item, cues)
        name = known[0][0] if known else _canonical(item)
        out.append((name, start + match.start("item"), start + match.end("item")))
        position = start + match.end()
    return out


# a report named before the cue, with no images or tracing of one's own in the sentence
_REPORT_READ = re.compile(
    r"^(?!.*\b(?:images?|films?|tracings?|myself|my (?:own )?(?:read|interpretation))\b).*\breport\b"
)
_CLAUSE_BREAK = re.compile(r"[,;:()]")
_NEGATION = re.compile(r"\b(?:no|not|without|denies|denied|negative for|declined|declines|refused|deferred)\b")


def _affirmed(doc: ClinicalDocument, start: int, end: int) -> bool:
    """Neither hypothetical nor negated, where a negation counts only inside the span's own clause: in "Because the
    patient could not recall the events, the spouse provided the history" the spouse is an independent historian."""
    assertion = assert_span(doc, start, end, use_section=False)
    if assertion.has("hypothetical"):
        return False
    if not assertion.has("negated"):
        return True
    sentence = doc.sentence_at(start)
    if sentence is None:
        return False
    before = _CLAUSE_BREAK.split(doc.norm[sentence.start : start])[-1]
    after = _CLAUSE_BREAK.split(doc.norm[end : sentence.end])[0]
    return not (_NEGATION.search(before) or _NEGATION.search(after))


def _conditional(lowered: str, start: int, end: int) -> bool:
    """An order made only on a condition not yet met, or put off to a later visit, is no test ordered at this visit:
    "If the pain persists, we will obtain an MRI", "MRI will be obtained only if no better in 6 weeks", "labs as
    needed", "see her back in 4 months, at which time I would like to recheck her PFTs". A coder counts what is
    ordered today; a contingent or later plan is reconsidered, and ordered, at a later encounter. A condition counts
    when it opens the order's clause (up to the previous ";" or sentence end) or follows the order directly, not when
    it starts a clause of its own after it ("CBC ordered, and if low will start iron" orders the CBC)."""
    clause_start = max((m.end() for m in _CLAUSE_END.finditer(lowered, 0, start)), default=0)
    if _CONDITION.search(lowered, clause_start, start):
        return True
    return _ORDER_TAIL.match(lowered[end:]) is not None


def _same_test(name: str, counted: set[str]) -> bool:
    """A test already counted under a longer or shorter name ("stress test" / "exercise stress test", "EMG" / "EMG
    and nerve conduction study")."""
    return any(
        name == c
        or name.endswith(" " + c)
        or c.endswith(" " + name)
        or name.startswith(c + " ")
        or c.startswith(name + " ")
        for c in counted
    )


_CLAUSE_MARK = re.compile(r"[,;]")
_PARENTHESES = re.compile(r"\([^()]*\)")


def _says_not_names(words: str, cues: EmCues) -> bool:
    """A list item that says something rather than names a test: a clause ("I would call this new", "a mole has
    changed shape"), a problem's status ("not yet diagnosed", "prognosis unclear") or an absence ("no masses")."""
    return bool(
        _CLAUSE.search(words)
        or _NEGATION.match(words)
        or any(label.pattern.search(words) for label in cues.problem_status)
    )


def _governed_tests(
    lowered: str, cue_start: int, cue_end: int, item_label: str, cues: EmCues
) -> list[tuple[str, int, int]]:
    """The tests a cue governs, with offsets into the sentence: the list of test names right after it ("Ordered: CBC,
    BMP"), or right before it ("CMP from the ED reviewed", "BMP ordered"); a cue elsewhere in the sentence
    ("precautions reviewed") governs none."""
    after = _tests_in(lowered[cue_end : cue_end + 160], cues)
    listed = _LISTED.match(lowered, cue_end)
    if listed is not None and item_label == "test_ordered":
        # "Orders placed: echocardiogram, ambulatory ECG monitor, TSH": every list item is a test, named in the
        # lexicon or not (a misspelt "basic metabolic panle" still counts once)
        tests: list[tuple[str, int, int]] = []
        for item in re.finditer(r"[^,;]+", listed.group("items")):
            for part in re.split(r"\band\b(?![^,;]*\b(?:naat|nerve conduction|chlamydia)\b)", item.group(0)):
                words = part.strip(" .")
                known = _tests_in(words, cues) if words else []
                if words and not known and _says_not_names(words, cues):
                    # "path pending: not yet diagnosed, prognosis unclear", "... pending: a mole has changed shape
                    # and darkened": the colon opens what is said of the problem, not a list of tests
                    return tests
                if words and len(words.split()) <= 6:
                    name = known[0][0] if known else _canonical(words)
                    offset = listed.start("items") + item.start() + item.group(0).find(words[:8])
                    tests.append((name, offset, offset + len(words)))
        return tests
    if after and (
        after[0][1] <= _NEAR
        or _FILLER.match(lowered[cue_end : cue_end + after[0][1]])
        or _SOURCE_LEAD.match(lowered[cue_end : cue_end + after[0][1]])
    ):
        tests = [(n, cue_end + a, cue_end + b) for n, a, b in after]
        if item_label == "test_ordered":
            tests += _more_items(lowered, cue_end + after[-1][2], cues)
        return tests
    window_start = max(0, cue_start - 120)
    before = [
        (n, window_start + a, window_start + b) for n, a, b in _tests_before(lowered[window_start:cue_start], cues)
    ]
    gap = lowered[before[-1][2] : cue_start] if before else ""
    # a clause mark between them makes the test a value told before the cue, not its subject ("creatinine 1.3, LFTs
    # normal, and I reviewed it": the panel was reviewed, not a liver panel)
    near = before and (
        (len(gap) <= _NEAR_BEFORE and not _CLAUSE_MARK.search(_PARENTHESES.sub("", gap))) or _SOURCE_GAP.match(gap)
    )
    if near:
        return before
    # a test, its outcome, then the reading act that closes the sentence ("the urgent care lipid panel: LDL 112, HDL
    # 44 - reviewed"): the test told with its outcome was read
    if item_label == "test_result" and not lowered[cue_end:].strip(" ."):
        return next(([test] for test in before if _OUTCOME_THEN_READ.match(lowered, test[2], cue_start)), [])
    return []


# what stands between a result's test and a reading act after it: the outcome after a mark, then a dash or comma
_OUTCOME_THEN_READ = re.compile(r"\s*(?::|=|-\s)[^;:()]{1,80}?(?:\s-{1,2}|,)\s*(?:(?:and|all|personally)\s+)*$")


# what follows a test whose outcome a results section tells: its value after a mark, or a verb of outcome ("... sent
# over a CBC: WBC 7.4", "the urinalysis came back clear", "a TSH, which was 2.3")
_OUTCOME = re.compile(
    r"\s*(?:\([^()]{0,80}\)\s*)?(?::|-\s|=|\b(?:came back|returned|was|were|showed|shows|is|are|of)\b)"
)


def _result_told(lowered: str, start: int, cues: EmCues) -> list[tuple[str, int, int]]:
    """The first test of a results-section sentence whose outcome it tells, wherever the sentence names it: a results
    section lists what was reviewed, whoever sent it ("The sleep center sent over an echocardiogram report: normal LV
    function"). A sentence that orders or reads nothing and names a test without an outcome tells no result."""
    tests = _tests_in(lowered[start:], cues)
    if not tests or not _OUTCOME.match(lowered, start + tests[-1][2]):
        return []
    return [(name, start + a, start + b) for name, a, b in tests]


# another reader named as the one who read ("her cardiologist reviewed", "Dr. Lee went over", "reviewed by
# orthopedics"), or the reading placed at an earlier visit ("reviewed at her last visit")
_OTHER_READER_BEFORE = re.compile(
    r"\b(?:dr\.?(?: [a-z-]+)?|doctor|pcp|primary care|cardiolog\w*|nephrolog\w*|neurolog\w*|oncolog\w*|"
    r"specialist|physician|provider|surgeon|surgery|team|nurse|np|pa|he|she|they)"
    r"(?:\s+(?:has|had|have|already|also|previously|then|who))*\s*$"
)
_OTHER_READER_AFTER = re.compile(
    r"\s*(?:[a-z]+\s+){0,3}?(?:by (?!me\b|myself\b)|(?:at|during) (?:her|his|their|the|a) "
    r"(?:last|previous|prior|earlier|recent) (?:visit|appointment|stay|admission))"
)


def _read_at_this_visit(lowered: str, cue_start: int, cue_end: int) -> bool:
    """A reading act told in the history is the writer's, at this visit ("Reviewed labs from the urgent care", "I
    personally reviewed the BMP from the ED", "CBC (outside office) reviewed - normal"), unless the sentence names
    another reader or an earlier visit for it ("her cardiologist reviewed the echo", "reviewed by orthopedics",
    "reviewed at her last visit")."""
    before = lowered[max(0, cue_start - 40) : cue_start]
    return not _OTHER_READER_BEFORE.search(before) and not _OTHER_READER_AFTER.match(lowered, cue_end)


def _add_tests(
    doc: ClinicalDocument,
    offset: int,
    found: list[tuple[str, int, int, str]],
    counted: set[str],
    overlaps_billed: Callable[[int, int], bool],
) -> None:
    """Add one ``data`` mention per test of ``found`` (offsets into the sentence at ``offset``) not yet counted,
    neither billed by us nor negated."""
    for name, s, e, item_label in found:
        start, end = offset + s, offset + e
        if _same_test(name, counted) or overlaps_billed(start, end):
            continue
        if not _affirmed(doc, start, end):
            continue
        counted.add(name)
        doc.add("data", item_label, start, end, test=name)


def annotate_data(doc: ClinicalDocument, cues: EmCues | None = None) -> ClinicalDocument:
    """Add ``data`` mentions: test_ordered / test_result (one per unique test), external_note (per source),
    independent_historian, independent_interpretation, external_discussion."""
    cues = cues or default_cues()
    billed_interpretation = [
        m
        for m in doc.of("service")
        if not m.attrs.get("counts_as_data", False) and m.attrs.get("service_kind") == "test"
    ]
    poc_tests = [m for m in doc.of("service") if m.attrs.get("counts_as_data", False)]
    counted: set[str] = set()
    labels_seen: set[str] = set()
    sources: set[str] = set()

    def overlaps_billed(start: int, end: int) -> bool:
        for m in billed_interpretation:
            sentence = doc.sentence_at(m.evidence.start)
            if sentence is not None and sentence.start <= start < sentence.end:
                return True
        return False

    for sentence in doc.sentences:
        if sentence.section not in _DATA_SECTIONS:
            continue
        lowered = sentence.norm
        history_only = sentence.section == "hpi"  # the HPI may name a historian or outside records, not orders
        # Category 1 and 2/3 labels. Records read by grammar are read past the section header: a header of records
        # and results ("Chart review and results") names where the data stand, it documents no reading (a run-in
        # label that names the act, "Discussion of management: the oncologist, by phone", is matched whole)
        body = max(doc.past_header(sentence.start) - sentence.start, 0)
        for label in cues.data:
            match = label.pattern.search(lowered)
            if match is None and label.label == "external_note":
                match = records_read(lowered, body)
            if match is None:
                continue
            start, end = sentence.start + match.start(), sentence.start + match.end()
            if label.label == "independent_interpretation" and (
                overlaps_billed(start, end)
                or not cues.interpretable.search(lowered)
                or _REPORT_READ.search(lowered[: match.start()])
            ):
                # we bill its interpretation, or it is a lab value: only images and tracings are interpreted, or it is
                # another physician's report that was read ("chest x-ray report (outside office) reviewed by me")
                continue
            if not _affirmed(doc, start, end):
                continue
            if label.label == "external_note":
                if _tests_in(lowered[: match.start()], cues) or _RESULT_FROM.search(lowered[: match.start()]):
                    # "CMP done at the hospital (discharge summary) was reviewed", "Result from the hospital
                    # discharge summary, CBC: ...": the records are where the result was found, not read of their own
                    continue
                key = re.sub(r"\W+", " ", lowered).strip()  # one source per sentence
                if key in sources:
                    continue
                sources.add(key)
            elif label.label in labels_seen:
                continue
            labels_seen.add(label.label)
            doc.add("data", label.label, start, end)
        if any(sentence.start <= m.evidence.start < sentence.end for m in poc_tests):
            continue  # a point-of-care test we perform is counted once, below
        if history_only:
            # the story tells what was done before this visit ("had a CT that showed ...", "her PCP reviewed the
            # labs"), but a result the physician says was read at this visit is reviewed wherever it is written
            reads = [c for c in cues.review.finditer(lowered) if _READING.match(lowered, c.start())]
            found = [
                (name, s, e, "test_result")
                for cue in [*reads, *_OWN_READING.finditer(lowered)]
                if _read_at_this_visit(lowered, cue.start(), cue.end())
                for name, s, e in _governed_tests(lowered, cue.start(), cue.end(), "test_result", cues)
            ]
            _add_tests(doc, sentence.start, found, counted, overlaps_billed)
            continue
        # tests ordered (a cue before the list) and results reviewed
        cue_spans = [(m.start(), m.end(), "test_ordered") for m in cues.order.finditer(lowered)]
        cue_spans += [(m.start(), m.end(), "test_result") for m in cues.review.finditer(lowered)]
        cue_spans += [(m.start(), m.end(), "test_result") for m in _OWN_READING.finditer(lowered)]
        # the test whose images we read ourselves is interpreted (category 2), not also a result reviewed
        interpreted = any(
            m.label == "independent_interpretation" and sentence.start <= m.evidence.start < sentence.end
            for m in doc.of("data")
        )
        found = [
            (name, s, e, item_label)
            for cue_start, cue_end, item_label in sorted(cue_spans)
            for name, s, e in _governed_tests(lowered, cue_start, cue_end, item_label, cues)
            if not (interpreted and item_label == "test_result")
            and not (item_label == "test_ordered" and _conditional(lowered, min(cue_start, s), max(cue_end, e)))
        ]
        if not found and not interpreted:
            body = doc.past_header(sentence.start) - sentence.start
            found = [(n, s, e, "test_result") for n, s, e in reviewed_subject(lowered, max(body, 0), cues)]
        if not found and sentence.section == "data" and not interpreted:
            # a results section lists what was reviewed: "TSH (outside office): 2.3, normal", "Labs from the
            # urgent care clinic last week: CBC with WBC 7.4", "Per the sleep center, CBC with WBC 7.4 (result
            # reviewed by me)"; the lead skips the section header and a source label before a colon, but not a test
            # name ("chest x-ray report (outside ED): no acute process")
            body = doc.past_header(sentence.start) - sentence.start
            lead = _RESULT_LEAD.match(lowered, body)
            source = lead.group("source") if lead else None
            lead_end = lead.end() if lead and not (source and _tests_in(source, cues)) else body
            found = [(n, s, e, "test_result") for n, s, e in _governed_tests(lowered, 0, lead_end, "test_result", cues)]
            if not found:
                found = [(n, s, e, "test_result") for n, s, e in _result_told(lowered, body, cues)]
        _add_tests(doc, sentence.start, found, counted, overlaps_billed)
    for service in poc_tests:
        name = f"poc:{service.label}"
        if name not in counted:
            counted.add(name)
            doc.add("data", "test_ordered", service.evidence.start, service.evidence.end, test=name, poc=True)
    return doc
