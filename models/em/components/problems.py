"""Problems component (``medcode.em.problems.v1``): problems addressed at the visit and their status.

AMA CPT E/M guidelines (2021/2023), "Number and Complexity of Problems Addressed": a problem is *addressed* when it
is evaluated or treated at the encounter by the reporting practitioner; a condition only listed (problem list,
past history) or mentioned by another professional is not. So only items of the assessment and plan count, one per
line or numbered item; lines that order or review data, rule something out, or record time are not problems.

Status comes from the item's own wording, in the order of the AMA table from the most complex down ("threat to
life" before "severe exacerbation" before "systemic symptoms" ... before "acute uncomplicated"). The lexicon reads it
first; the learned status (:mod:`models.em.status`) reads wordings the lexicon does not know: it names the status of
an item taken as a problem without a lexicon status, and the fuller status where the lexicon read only the onset
("acute, with rigors and systemic upset"). With no status read either way, a chronic condition
(``chronic_conditions`` cues) is *stable* unless its plan changes therapy (start, increase, add, switch: not at goal
-> *progression*); anything else is *acute uncomplicated*. "Uncomplicated" in a chronic condition's name ("alcohol
dependence, uncomplicated") is the classification's axis, not that status. Another chronic illness run into the same
item in a clause of its own with its own course ("... Hypertension, stable.") is a problem of its own.
Example: "2. Hypertension - worsening, not at treatment goal. BP 158/94. Plan: increase lisinopril." ->
``problem/chronic_progression``.
"""

from __future__ import annotations

import re

from models.clinical.assertion import assert_span
from models.clinical.document import ClinicalDocument, section_kind
from models.clinical.zones import judges
from models.em.components._lines import PLAN_SECTIONS, items, strip_bullet
from models.em.cues import EmCues, default_cues
from models.em.status import default_status_model

_NOT_A_PROBLEM = re.compile(
    r"^(?:[a-z &/]{1,25}:\s*)?(?:ordered|orders?\b|labs?(?:/studies)? ordered|will (?:get|obtain|order|check)|"
    r"f/u\b.*ordered|"
    r"reviewed|review of|rev'?d|results?\b|external|records?\b|outside|went through|looked at|history (?:obtained|was)|"
    r"hx from|independent|i independently|my own|discussed|discussion|case discussed|d/w|rule[- ]?out|r/o|"
    r"need to r/o|differential|\?|sdoh|total (?:\w+ )?time|time\b|i spent|spent \d|immuniz|vaccine|gave\b|acp\b|"
    r"advance care|note:|"
    r"global|separate|in addition|also (?:addressed|seen)|sep\.? problem|electronically|e-signed|signed|signature|"
    r"dictated|transcribed|attending attestation|attestation|"
    r"--|return precautions|rtc\b|follow[- ]?up in|problems? addressed|the (?:\w+ ){0,3}gave|"
    r"(?:the )?(?:\w+ ){0,4}notes? (?:were )?reviewed|routine|health maintenance|preventive|age-appropriate|"
    r"(?:depression )?screening|counsel|hm\b|hra\b|health risk|cognitive|functional|fall risk|awv|"
    r"personalized prevention|written screening|imms?\b|"
    # a preventive checklist ("Age/sex screening reviewed, immunizations reconciled, ...") is the preventive service
    r"(?:[\w/-]+ ){0,2}(?:screening|immunizations?|vaccines?|vaccinations?) (?:\w+ )?(?:reviewed|reconciled|"
    r"up to date|current|discussed|done|completed)\b)"
)
# a line labelled as the patient's social circumstances ("Social needs: food insecurity ...", "Barrier to care: ..."):
# a social determinant limiting care is a risk item, not a problem addressed, whatever condition it names
# (not a condition named "social ...": "Social anxiety disorder: stable")
_SOCIAL_LABEL = re.compile(
    r"^(?:social (?:needs|determinants?|circumstances|context|situation|issues|concerns|factors|barriers?|obstacles?)|"
    r"(?:practical|financial|logistic(?:al)?) (?:barriers?|obstacles?|issues|concerns|limitations?)|"
    r"(?:barriers?|obstacles?) to \w+|socio-?economic \w+|determinants? of health)\b[^:]{0,30}:"
)
# a line that signs the note or records its time, however it is worded ("Seen and written up by the treating
# physician.", "Authenticated by the attending physician.", "12 minutes in all on this date."), or closes a letter
# ("Yours sincerely, ...", "Kind regards", "... (electronically signed)"): a consultant's letter ends its plan with
# the sign-off, and the line names the writer, not a problem
_NOT_AN_ITEM = re.compile(
    r"^\W{0,3}\d+\s*(?:minutes|mins?)\b|\b(?:authenticated|attested|authored|written up|documented|dictated|verified|"
    r"(?:e-?)?signed|seen and examined)\b[^.;]{0,30}\bby (?:the |me\b|dr\b)|"
    r"^(?:yours (?:sincerely|faithfully|truly)|sincerely|(?:with )?(?:kind|best|warm) (?:regards|wishes)|regards)\b|"
    r"\b(?:electronically|digitally) signed\b|\bsigned (?:electronically|digitally)\b|"
    # the dictation disclaimer ("Voice recognition used; minor transcription errors possible.", "This note was
    # prepared with speech recognition software"): it speaks of the note, not of a problem
    r"\b(?:voice|speech) recognition\b|\bdictation software\b|\btranscription errors?\b"
)
_HEADER_ONLY = re.compile(r"^[\W_]*[A-Za-z /&]{1,30}[\W_]*:?\s*$")
# a negation in the same clause right before a status word ("no evidence of decompensation")
# (not across a copula: in "sprain, no fracture on films is new and uncomplicated" the status is affirmed; nor across
# "and"/"but" opening a second predicate: "not yet at target and slowly deteriorating" negates the target, not the
# course, as "not" does not distribute over "and" the way it does over "or")
# ("w/o" is "without" in shorthand: "asthma, stable w/o exacerbation" states no exacerbation)
_NEGATED_BEFORE = re.compile(
    r"\b(?:no|not|without|w/o|w/out|denies|negative for|no evidence of|no signs of)\b"
    r"(?:(?! (?:is|are|was|were|and|but) )[^,;()|.:-]){0,30}$"
)
# a course the problem risks taking, not the one it takes ("at risk of serious deterioration without urgent care")
_RISK_OF = re.compile(r"\brisks? (?:of|for)\s+(?:[a-z-]+\s+){0,2}$")
# a symptom or sign brought under control ("bleeding controlled w/ pressure", "pain well controlled with ibuprofen")
# tells how today's care went, not the stable course of a chronic illness
_FINDING_CONTROLLED = re.compile(
    r"\b(?:bleeding|hemorrhage|oozing|pain|nausea|vomiting|itch(?:ing)?|swelling|fever|discomfort|spasms?)\s+"
    r"(?:(?:is|was|now|well|adequately|fully|easily|quickly)\s+)*$"
)
# where the name ends for the learned status: a clause mark or a spaced dash, not the hyphen of "moderate-to-severe"
_NAME_END = re.compile(r"[:(|,;.\[]|\s-{1,2}\s|\s->\s")
# a clause that opens with a negation states no status of its own ("no recent exacerbations")
_NEGATED_START = re.compile(r"(?:no|not|without|w/o|w/out|denies|negative for)\b")
# statuses that say more of a problem than its onset
_BEYOND_ONSET = frozenset({"threat_to_life", "chronic_severe", "acute_systemic", "undiagnosed_uncertain"})
_MARKER = re.compile(r"^\s*(?:[-*•#]+\s*\S|\(?\d{1,2}[.)]\s+\S|(?:dx|diagnosis|problem)\s*#?\d*\s*:)", re.IGNORECASE)
_PLAN_LIKE = re.compile(
    r"^(?:continue|start|stop|increase|decrease|follow|return|take|use|apply|avoid|ambulate|check|recheck|"
    r"discuss\w*|recommend\w*|schedul\w*|refer\w*|will|plan|patient|pt|she|he|they|we|our|my|advised|"
    r"counsel\w*|encourag\w*|educat\w*|instruct\w*|rtc|f/u|follow-up|see|call|monitor\w*|obtain|order\w*|"
    r"labs?|get|send|sent|keep|maintain|try|hold|add|switch|change|may|can|should|if|no|none|n/a|also|then|all|"
    r"refill\w*|renew\w*|drawing|"
    # "I think the wrist sprain is ...": the physician's judgement of a problem, not an instruction
    r"i(?! (?:think|believe|suspect|would call|feel)\b)|"
    r"the patient|this|that|there|he's|she's|in the meantime|as (?:above|noted|discussed)|at this (?:point|time))\b"
)
# the plan part of an item: "Plan:", "| Plan", a SOAP "P:" after the assessment ("A: COPD, stable.  P: ..."), "->"
_PLAN_SPLIT = re.compile(r"\bplan\s*:|\|\s*plan|(?<=\s)p\s*:\s|\s->\s", re.IGNORECASE)
# a score or scale read, not a problem: "Karnofsky score 100", "ECOG performance status 1", "PHQ-9 score of 4"
_MEASUREMENT = re.compile(r"^(?:[\w-]+ ){0,3}(?:score|scale|index|status|grade)\b(?: (?:of|is|was))?[\s=:]*\d")
_FIRST_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# a short name set off by a colon or a spaced dash at the start of an item: "Pyelonephritis -- ...", "Gout: ..."
_NAME_LABEL = re.compile(r"^(?P<name>[^\W\d_][^.:;,()|\n]{0,60}?)(?::\s|\s-{1,2}\s)")
# a letter's item opens with the topic it turns to ("With regard to the gout, this has settled", "As for her
# asthma, ..."): the problem is named after the turn
_TOPIC_TURN = re.compile(
    r"^(?:with (?:regard|respect|reference) to|as (?:for|regards|to)|regarding|concerning|in terms of|"
    r"turning (?:now )?to|on the (?:matter|question|subject) of)\s+(?:the |her |his |their |this )?",
    re.IGNORECASE,
)
# "uncomplicated" and "without complication(s)" in the name of a chronic condition are the classification's axis
# ("Crohn disease of the small intestine without complications", "alcohol dependence, uncomplicated"), not the acute
# uncomplicated status: the chronic condition's own course decides; with an onset word ("new, uncomplicated") the
# item is a new problem, and the word its status
_NO_COMPLICATION = re.compile(r"\b(?:uncompl(?:icated)?|without (?:any )?complications?)\b")
_ONSET = re.compile(r"\b(?:new|acute|recent|sudden)\b")
_CHANGE = re.compile(
    r"\b(?:increas\w*|add(?:ed|ing)?|start\w*|switch\w*|titrat\w*|uptitrat\w*|escalat\w*|intensif\w*|new rx)\b"
)


def _refined(cued: tuple[str, int, int], learned: tuple[str, int, int] | None) -> tuple[str, int, int]:
    """The lexicon's status, or the learned one where the lexicon read only the onset ("acute", "new": acute
    uncomplicated) and the model reads more of the clause ("acute, with rigors and systemic upset" is systemic). The
    lexicon reads a course phrase exactly, negation included ("adequately controlled", "no recent exacerbations"),
    which word features cannot ("inadequately controlled" shares most of its pieces)."""
    if learned is not None and cued[0] == "acute_uncomplicated" and learned[0] in _BEYOND_ONSET:
        return learned
    return cued


# where a clause ends inside an item: a sentence end or a semicolon
_CLAUSE_BREAK = re.compile(r"[.;]\s+")


def _opens_with_name(prefix: str) -> bool:
    """Whether the words before a condition's cue are part of its name ("type 2", "left-sided", "the"), not an
    instruction about it ("continue metformin for")."""
    words = prefix.split()
    return len(words) <= 3 and not (words and _PLAN_LIKE.match(" ".join(words)))


def _run_in_problems(head: str, name_end: int, cues: EmCues) -> list[tuple[int, int, tuple[str, int, int]]]:
    """Other chronic illnesses run into the same item, each in a clause that opens with its name and states its own
    course ("Type 2 diabetes, not at goal - increase metformin. Hypertension, stable - continue lisinopril."): (start,
    end, status) of each. A later clause about the item's own condition ("Diabetes education given"), or one naming a
    condition without a course of its own, adds none."""
    first = cues.chronic.search(head)
    named = {first.group()} if first else set()
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(head, name_end)]
    out: list[tuple[int, int, tuple[str, int, int]]] = []
    for i, start in enumerate(breaks):
        end = breaks[i + 1] if i + 1 < len(breaks) else len(head)
        chronic = cues.chronic.search(head, start, end)
        # ("chronic, steady on treatment": the word "chronic" is the item's course, not another condition)
        if (
            chronic is None
            or chronic.group() in named | {"chronic"}
            or not _opens_with_name(head[start : chronic.start()])
        ):
            continue
        status = _status(head[:end], chronic.end(), cues) or _status(head[:end], start, cues)
        if status is None or not status[0].startswith("chronic_"):
            continue
        named.add(chronic.group())
        out.append((start, end, status))
    return out


def _course_of_chronic(head: str, found: tuple[str, int, int] | None) -> tuple[str, int, int] | None:
    """``found`` unless it reads the acute uncomplicated status from a chronic condition's "no complication" axis
    ("alcohol dependence, uncomplicated", not "new, uncomplicated"): that names no course, so the chronic
    condition's default decides."""
    if (
        found is not None
        and found[0] == "acute_uncomplicated"
        and _NO_COMPLICATION.search(head, found[1], found[2])
        and not _ONSET.search(head)
    ):
        return None
    return found


def _social_first(head: str, chronic: re.Match[str] | None, cues: EmCues) -> bool:
    """A line with no status of its own that tells a social determinant before any condition it names ("Food
    insecurity at home makes the diabetic diet hard to follow"): the circumstance limiting care is a risk item (the
    risk component reads it), not a problem addressed, as with a line labelled "Social needs:". A condition named
    first ("Type 2 diabetes. Cannot afford the strips.") stays the problem."""
    social = next((m for label in cues.risk if label.label == "sdoh" for m in [label.pattern.search(head)] if m), None)
    return social is not None and (chronic is None or social.start() < chronic.start())


def _status(head: str, start: int, cues: EmCues) -> tuple[str, int, int] | None:
    """The most complex status label worded in ``head[start:]`` (the AMA table's order), with its span in ``head``."""
    for label in cues.problem_status:
        for match in label.pattern.finditer(head, start):
            # "no evidence of decompensation" is not a severe exacerbation, nor "at risk of serious deterioration"
            # a worsening course
            if _NEGATED_BEFORE.search(head[: match.start()]) or _RISK_OF.search(head[: match.start()]):
                continue
            if label.label == "chronic_stable" and _FINDING_CONTROLLED.search(head[: match.start()]):
                continue
            return label.label, match.start(), match.end()
    return None


def annotate_problems(doc: ClinicalDocument, cues: EmCues | None = None) -> ClinicalDocument:
    """Add one ``problem`` mention per addressed problem, labelled with its status (see module docstring)."""
    cues = cues or default_cues()
    status_model = default_status_model()
    candidates = items(doc, PLAN_SECTIONS)
    # When the assessment lists its problems as items ("1.", "-", "#", "Dx:"), an unmarked line without a status
    # word continues the item above it ("Urine culture grew E. coli." under "1. UTI") and is not a new problem.
    marked = any(_MARKER.match(line.text) for line in candidates)
    for line in candidates:
        body = strip_bullet(line.text)
        turn = _TOPIC_TURN.match(body)
        body = body[turn.end() :] if turn else body
        lowered = line.norm[len(line.text) - len(body) :]
        header_like = _HEADER_ONLY.match(body) and (body.rstrip().endswith(":") or section_kind(body) != "other")
        if header_like or _NOT_A_PROBLEM.match(lowered) or _SOCIAL_LABEL.match(lowered) or _NOT_AN_ITEM.search(lowered):
            continue
        offset = line.start + (len(line.text) - len(body))
        assertion = assert_span(doc, offset, min(line.end, offset + 12), use_section=False)
        if assertion.has("hypothetical") or assertion.has("negated"):
            continue
        split = _PLAN_SPLIT.search(body)
        head = lowered[: split.start()] if split else lowered[:200]
        # (a name ends at its line: "1) GAD" above "Status - at goal" on the next)
        name_end = min(len(body), next((i for i, ch in enumerate(body) if ch in "-:(|,;.\n"), len(body)))
        run_in = _run_in_problems(head, name_end, cues)
        head = head[: run_in[0][0]] if run_in else head
        # The physician's qualifier after the name decides ("migraine flare -- acute, straightforward" is acute
        # uncomplicated); status words inside the name count when no qualifier follows ("COPD exacerbation.").
        # The learned status, read after the name (a severity in the name, "Severe backache.", is no course),
        # refines the status the lexicon finds and names the status of an item taken as a problem without one; it
        # does not make a line a problem by itself.
        cued = _status(head, name_end, cues) or _status(head[:name_end], 0, cues)
        chronic = cues.chronic.search(head)
        after_name = _NAME_END.search(head)
        learned = status_model.status(head, after_name.start() if after_name else len(head))
        if chronic is not None:
            cued, learned = _course_of_chronic(head, cued), _course_of_chronic(head, learned)
        found = _refined(cued, learned) if cued is not None else None
        status, evidence = (found[0], (offset + found[1], offset + found[2])) if found else (None, None)
        if status is None and marked and not _MARKER.match(line.text):
            continue
        if status is None and _social_first(head, chronic, cues):
            continue
        if status is None:
            # a free-text plan sentence is not a problem item; a narrative paragraph is judged by its first sentence
            # ("Possible tethered cord.  I had a thorough discussion with the patient ..."), which names the problem
            # in a few words or judges it ("I think the radiculopathy is getting away from us despite treatment")
            # (an item that names its problem before its first mark, "1) Pneumonia: came on suddenly with fevers
            # ...", "Pyelonephritis -- came on suddenly ...", is a listed problem however long its qualifier)
            first = _FIRST_SENTENCE.split(head, maxsplit=1)[0]
            label = _NAME_LABEL.match(body)
            named_item = (_MARKER.match(line.text) and name_end < len(body) and len(body[:name_end].split()) <= 8) or (
                # (not when what follows the label states an absence: "One more thing: no reliable transport ...")
                label is not None
                and len(label.group("name").split()) <= 6
                and not _NEGATED_START.match(lowered, label.end())
            )
            if chronic is None and not split and len(first.split()) > 12 and not judges(first) and not named_item:
                continue
            # (a chronic condition runs no self-limited course: a word-feature reading of one as self-limited, "holding
            # its own", "behaving itself on what she takes now", is a wording the model has not seen, so the
            # chronic condition's default below decides)
            if (
                learned is not None
                and not _NEGATED_START.match(head, learned[1])
                and not (chronic is not None and learned[0] == "self_limited")
            ):
                status, evidence, inferred = learned[0], (offset + learned[1], offset + learned[2]), True
            elif chronic is not None:
                status = "chronic_progression" if _CHANGE.search(lowered) else "chronic_stable"
                evidence = (offset + chronic.start(), offset + chronic.end())
                inferred = True
            else:
                # no status word and no chronic condition: a problem only when the item names something (a short
                # noun phrase such as "Right shoulder pain"), not when it is a plan instruction ("Follow clinically")
                name_part = re.split(r"[.:;(|,-]", lowered, maxsplit=1)[0].strip()
                if not name_part or len(name_part.split()) > 8:
                    continue
                if _PLAN_LIKE.match(name_part) or _MEASUREMENT.match(name_part) or cues.order.match(name_part):
                    continue  # an instruction, a score read, or an order ("Sent for BMP.", "Requested: TSH.")
                status, evidence, inferred = "acute_uncomplicated", (offset, line.end), True
        else:
            inferred = False
        doc.add(
            "problem",
            status,
            offset,
            line.end,
            name=body[:name_end].strip(),
            status_span=evidence,
            inferred=inferred,
            chronic=chronic is not None,
        )
        for start, end, (run_in_status, status_start, status_end) in run_in:
            doc.add(
                "problem",
                run_in_status,
                offset + start,
                offset + end,
                name=body[start:end].split(",")[0].strip(),
                status_span=(offset + status_start, offset + status_end),
                inferred=False,
                chronic=True,
            )
    return doc
