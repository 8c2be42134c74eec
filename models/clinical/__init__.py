"""Shared note processing for the E/M leveler, the service detector and the HCC MEAT finder.

Lives here: the document object that pipeline components annotate (sentences, sections, evidence spans) and the
assertion of a mention (negated, historical, family, hypothetical, planned). Does not live here: coding rules.
"""

from models.clinical.assertion import Assertion, assert_span
from models.clinical.document import ClinicalDocument, Evidence, Mention, Section, Sentence

__all__ = ["Assertion", "ClinicalDocument", "Evidence", "Mention", "Section", "Sentence", "assert_span"]
