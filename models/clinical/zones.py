"""Assessment-and-plan zones of a note that names none by a header: paragraphs that judge a problem and decide.

Dictated and narrative notes often have no "Assessment:" header at all; the assessment is the paragraph in which the
physician says what a problem is ("the heart failure is quiet and controlled", "I think this is a flare") and what
will be done about it ("so, we will increase carvedilol", "my plan is to ..."). The history tells how things went,
the examination what was found, lists name drugs or conditions: none of them both judges and decides. So a paragraph
reads as an assessment when one of its sentences holds a clinical judgement and a management decision, a grammar
over clinical vocabulary that does not depend on the headers, their order or the note's template.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# A judgement about a problem: the physician's inference ("I think", "likely", "consistent with") or a status word
# that grades a problem's course ("stable", "controlled", "worsening", "flare", "uncomplicated", "unclear").
_JUDGEMENT = re.compile(
    r"\b(?:i think|i believe|i suspect|i would call|in my (?:view|opinion)|impression|assessment|likely|probabl[ey]|"
    r"consistent with|suggestive of|concerning for|worrying for|stable|steady|controlled|uncontrolled|worse\w*|"
    r"improv\w*|flare\w*|exacerbat\w*|decompensat\w*|"
    r"(?:un)?complicat\w*|self-limit\w*|resolv\w*|unclear|uncertain|unexplained|diagnos\w*|threat\w*|"
    r"(?:life|organ)[- ]threatening|severe\w*|acute\w*|chronic|new|simple|minor|mild|moderate|benign|recurrent|"
    r"persistent|despite|goal|target|better|doing (?:well|fine)|quiescent|remission|(?:good|fair|poor) control|"
    r"settled|on track|(?:in )?good order|where (?:we|i) want|(?:nothing|no need) to change|no change|unchanged|"
    # a course foreseen: "will clear on its own", "should settle by itself"
    r"(?:on its own|by itself|of its own accord))\b"
    # or a copula right after the problem it grades: "the Crohn's ileitis is where we want it"
    r"|^\W*(?:(?:as for|regarding|as to) )?(?:the|her|his|their|this)\b[^.;:]{0,60}?"
    r"\b(?:is|are|remains?|seems?|appears?)\b"
)
# A management decision: a plan statement or an action on treatment, tests or disposition in the present or future
# ("my plan is", "we will", "continue", "increase", "ordered", "refer", "admit", "echo lined up", "splinting
# discussed", "avoid screens"); a past action or change told in the history ("was started on", "appetite decreased",
# "avoiding NSAIDs as advised") is not one.
_ACTION = re.compile(
    r"\b(?:plan(?:s|ned)?|we(?:'ll| will| agreed| decided)|i(?:'ll| will| have (?:ordered|started|sent|prescribed)| "
    r"recommend| suggest| advised)|will|continu\w*|start(?!ed)|stop|(?:increas|decreas|reduc)(?:e|ing|ed to)|add|"
    r"switch|change|hold|titrat\w*|taper\w*|resum\w*|discontinu\w*|refill\w*|renew\w*|prescri\w*|order(?:ed)?|"
    r"refer(?:ral|red)?|schedul\w*|recheck|repeat|recommend\w*|(?<!as )advis\w*|counsel\w*|admi(?:t|ssion)\w*|"
    r"arrang\w*|sent|send|(?:lined|set) up|book(?:ed)?|discuss(?:ed)?|avoid|"
    # changing or keeping a dose, and asking for a test: "raise the dose", "maintain on losartan", "BMP requested"
    r"raise|double|halve|maintain(?:ed)?|requested|obtain|to be drawn|management|cont|c/w|adjust\w*|"
    # keeping a treatment, in the plan's words: "carry on with adalimumab", "stick with losartan", "stay on it"
    r"carry on(?: with)?|stick with|persist with|stay on|keep (?:on|taking|using))\b"
)
# or a dosing instruction: "amoxicillin high dose for 10 days", "ibuprofen over the counter", "single-dose IM
# penicillin", "oral cefpodoxime" (not "topical", which the history uses of a therapy under way); a drug list writes
# the same instructions of what the patient already takes
_DOSING = re.compile(
    r"\bfor \d+ (?:days|weeks)\b|\b(?:once|twice|three times) (?:daily|a day)\b|\b(?:bid|tid|qid|prn)\b|"
    r"\bas needed\b|\bover the counter\b|\botc\b|\b(?:oral|po|im|iv|intramuscular|by mouth)\b"
)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_SENTENCE = re.compile(r"(?:[^.!?\n]|\.(?=\d))+(?:[.!?]+|$)", re.MULTILINE)  # "BMI 41.8" ends none


def paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the note's paragraphs (text between blank lines), without their surrounding white space."""
    position = 0
    for boundary in [*(_PARAGRAPH_BREAK.finditer(text)), None]:
        stop = len(text) if boundary is None else boundary.start()
        chunk = text[position:stop]
        if chunk.strip():
            yield position + len(chunk) - len(chunk.lstrip()), position + len(chunk.rstrip())
        if boundary is not None:
            position = boundary.end()


def judges(text: str) -> bool:
    """``text`` (lower case) holds a clinical judgement ("I think", "is stable", "above goal", "unclear")."""
    return _JUDGEMENT.search(text) is not None


def decides(text: str) -> bool:
    """``text`` (lower case) holds a management decision ("we will", "continue", "ordered", "twice daily")."""
    return acts(text) or _DOSING.search(text) is not None


def acts(text: str) -> bool:
    """``text`` (lower case) states an action on the patient's management ("continue", "ordered", "will"), beyond
    how a drug is taken ("twice daily", which a drug list states too)."""
    return _ACTION.search(text) is not None


def reads_as_assessment(paragraph: str) -> bool:
    """A sentence of ``paragraph`` (lower case) judges a problem and it or one of the two before or after it decides
    its management ("The heart failure is quiet and controlled. EF 35 percent. So, increase carvedilol to 25 mg.";
    the judgement may close the item: "Pink eye: drops for 7 days. Cornea clear; a simple new problem.")."""
    sentences = [m.group(0) for m in _SENTENCE.finditer(paragraph)]
    return any(
        judges(sentence) and any(decides(s) for s in sentences[max(0, i - 2) : i + 3])
        for i, sentence in enumerate(sentences)
    )


def assessment_start(paragraph: str) -> int | None:
    """Offset in ``paragraph`` (lower case) of its first sentence that judges a problem with a decision on its
    management in it or one of the next two (see :func:`reads_as_assessment`); None when there is none. A history
    paragraph that goes on to the assessment ("... no orthopnea. Heart failure: at target. Continue carvedilol.")
    turns to it there."""
    found = list(_SENTENCE.finditer(paragraph))
    sentences = [m.group(0) for m in found]
    for i, sentence in enumerate(sentences):
        if judges(sentence) and any(decides(s) for s in sentences[i : i + 3]):
            return found[i].start() + len(sentence) - len(sentence.lstrip())
    return None
