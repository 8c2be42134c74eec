"""CDI provider queries: where the note lacks the detail a more specific or a supported code needs, ask the provider.

Queries follow the AHIMA/ACDIS "Guidelines for Achieving a Compliant Query Practice" (2022 update): they quote the
clinical indicators from the note (with offsets), ask an open question, and offer multiple-choice options that are
clinically reasonable and always include "Other (please specify)" and "Unable to determine". They never mention
payment, HCCs or risk scores, never name a preferred answer, and offer at least two clinical options. The templates
are data (``data/cdi_query_templates_v1.yaml``); this module only decides when one applies and fills it in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from datasets.codesets import Icd10cm
from models.audit.context import AuditContext
from models.audit.errors import QueryTemplateError
from models.audit.flags import AuditFlag, CdiQuery, EvidenceSpan, QueryOption

OTHER = "Other (please specify)"
UNABLE = "Unable to determine"
MAX_INDICATORS = 4
_SENTENCE = re.compile(r"[^.\n;]+[.;]?")
_TIME_MISSING_WORDS = ("time",)


@dataclass(frozen=True)
class QueryTemplate:
    """One query template row (see the YAML header for the meaning of each key)."""

    id: str
    topic: str
    trigger_codes: tuple[str, ...]
    trigger_flags: tuple[str, ...]
    indicator_terms: tuple[str, ...]
    satisfied_terms: tuple[str, ...]
    question: str
    options: tuple[QueryOption, ...]

    @classmethod
    def from_dict(cls, row: dict[str, Any], where: str = "template") -> QueryTemplate:
        """Build a template, refusing unknown or missing keys (the message lists the allowed ones)."""
        allowed = {f.name for f in fields(cls)}
        unknown, missing = sorted(set(row) - allowed), sorted(allowed - set(row))
        if unknown or missing:
            raise QueryTemplateError(
                f"{where}: query templates take exactly {sorted(allowed)}; unknown {unknown}, missing {missing}. "
                "Fix the template row."
            )
        try:
            options = tuple(QueryOption(**o) for o in row["options"])
        except (TypeError, ValueError) as exc:
            raise QueryTemplateError(f"{where}: bad option ({exc.__class__.__name__}). Fix the options list.") from None
        return cls(
            id=str(row["id"]),
            topic=str(row["topic"]),
            trigger_codes=tuple(str(c) for c in row["trigger_codes"]),
            trigger_flags=tuple(str(f) for f in row["trigger_flags"]),
            indicator_terms=tuple(str(t).lower() for t in row["indicator_terms"]),
            satisfied_terms=tuple(str(t).lower() for t in row["satisfied_terms"]),
            question=str(row["question"]),
            options=options,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "topic": self.topic,
            "trigger_codes": list(self.trigger_codes),
            "trigger_flags": list(self.trigger_flags),
            "indicator_terms": list(self.indicator_terms),
            "satisfied_terms": list(self.satisfied_terms),
            "question": self.question,
            "options": [o.model_dump(exclude_none=True) for o in self.options],
        }

    def matches_code(self, code: str) -> bool:
        return any(code.startswith(t[:-1]) if t.endswith("*") else code == t for t in self.trigger_codes)


@lru_cache(maxsize=1)
def default_templates() -> tuple[QueryTemplate, ...]:
    """The shipped templates (``models/audit/data/cdi_query_templates_v1.yaml``)."""
    name = "cdi_query_templates_v1.yaml"
    text = (resources.files("models.audit") / "data" / name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return tuple(
        QueryTemplate.from_dict(row, where=f"models/audit/data/{name} template {i}")
        for i, row in enumerate(data["templates"])
    )


def sentences_with(text: str, terms: tuple[str, ...], limit: int = MAX_INDICATORS) -> list[EvidenceSpan]:
    """Sentences of the note that contain one of the terms, as evidence spans (at most ``limit``)."""
    out: list[EvidenceSpan] = []
    for match in _SENTENCE.finditer(text):
        sentence = match.group(0)
        lowered = f" {sentence.lower()} "
        if any(term in lowered for term in terms):
            lead = len(sentence) - len(sentence.lstrip())
            start, end = match.start() + lead, match.start() + len(sentence.rstrip())
            if end > start:
                out.append(EvidenceSpan(source="note", text=text[start:end], start=start, end=end))
        if len(out) >= limit:
            break
    return out


def specificity_options(icd: Icd10cm, billed: str, documented: str | None, limit: int = 5) -> list[str]:
    """Clinically neighbouring codes for a specificity query, in code order (no option is singled out).

    The documented specific code, up to three billable siblings that are themselves specific, and the billed code,
    so that the provider can also confirm the less specific one.
    """
    codes: list[str] = []
    if documented and icd.find_code(documented) is not None:
        codes.append(documented)
        parent = icd.get_code(documented).parent
        if parent:
            siblings = [
                c for c in icd.children(parent)
                if c != documented and icd.is_billable(c) and "unspecified" not in icd.title(c).lower()
            ]  # fmt: skip
            codes += siblings[:3]
    if icd.find_code(billed) is not None:
        codes.append(billed)
    return sorted(dict.fromkeys(codes))[:limit]


def _options(template_options: tuple[QueryOption, ...]) -> list[QueryOption]:
    return [*template_options, QueryOption(label=OTHER), QueryOption(label=UNABLE)]


class QueryGenerator:
    """Build compliant provider queries for one audited encounter.

    Args:
        templates: query templates (the shipped ones by default).
    """

    def __init__(self, templates: tuple[QueryTemplate, ...] | None = None) -> None:
        self.templates = default_templates() if templates is None else templates

    def generate(self, ctx: AuditContext, flags: list[AuditFlag]) -> list[CdiQuery]:
        text = ctx.encounter.text
        lowered = f" {text.lower()} "
        codes = list(ctx.billed_dx) + [d.code for d in ctx.outputs.documented or ()]
        queries: list[CdiQuery] = []
        for template in self.templates:
            if template.satisfied_terms and any(t in lowered for t in template.satisfied_terms):
                continue
            if template.id.startswith("cdi.specificity."):
                queries += self._specificity(ctx, template, flags)
                continue
            if template.id.startswith("cdi.em."):
                query = self._em(ctx, template, flags)
                if query is not None:
                    queries.append(query)
                continue
            hit = next((c for c in codes if template.matches_code(c)), None)
            if hit is None:
                continue
            indicators = sentences_with(text, template.indicator_terms)
            if not indicators:
                continue
            flag_index = next((i for i, f in enumerate(flags) if hit in (f.icd10cm, f.billed, f.code)), None)
            queries.append(
                CdiQuery(
                    query_id=f"{ctx.encounter.encounter_id}:{template.id}",
                    topic=template.topic,
                    template_id=template.id,
                    clinical_indicators=indicators,
                    question=template.question,
                    options=_options(template.options),
                    related_flag=flag_index,
                    related_codes=[hit],
                )
            )
        return queries

    def _specificity(self, ctx: AuditContext, template: QueryTemplate, flags: list[AuditFlag]) -> list[CdiQuery]:
        icd = ctx.codesets.icd10cm
        out: list[CdiQuery] = []
        covered = set()
        for index, flag in enumerate(flags):
            if flag.type not in template.trigger_flags or flag.billed is None or flag.billed in covered:
                continue
            billed = flag.billed
            covered.add(billed)
            options = specificity_options(icd, billed, flag.supported)
            choices = tuple(QueryOption(label=icd.title(c), code=c) for c in options)
            if len(choices) < 2:
                continue
            indicators = [e for e in flag.evidence if e.source == "note"][:MAX_INDICATORS]
            if not indicators:
                continue
            out.append(
                CdiQuery(
                    query_id=f"{ctx.encounter.encounter_id}:{template.id}:{billed}",
                    topic=template.topic,
                    template_id=template.id,
                    clinical_indicators=indicators,
                    question=template.question.format(condition=icd.title(billed).lower()),
                    options=_options(choices),
                    related_flag=index,
                    related_codes=[billed],
                )
            )
        return out

    def _em(self, ctx: AuditContext, template: QueryTemplate, flags: list[AuditFlag]) -> CdiQuery | None:
        index = next((i for i, f in enumerate(flags) if f.type in template.trigger_flags), None)
        finding = ctx.outputs.em
        if index is None or finding is None:
            return None
        missing = [m.lower() for m in finding.missing]
        time_missing = finding.time_minutes is None and ctx.encounter.time_minutes is None
        if template.id == "cdi.em.time.v1":
            if not time_missing:
                return None
        elif not any(not m.startswith(_TIME_MISSING_WORDS) for m in missing):
            return None
        # the leveler's evidence (problems, data, risk, time) first: keyword sentences only when it has none
        indicators = [e for e in flags[index].evidence if e.source == "note"][:MAX_INDICATORS]
        if not indicators:
            indicators = sentences_with(ctx.encounter.text, template.indicator_terms)
        if not indicators:
            return None
        return CdiQuery(
            query_id=f"{ctx.encounter.encounter_id}:{template.id}",
            topic=template.topic,
            template_id=template.id,
            clinical_indicators=indicators,
            question=template.question,
            options=_options(template.options),
            related_flag=index,
            related_codes=[c for c in (flags[index].billed,) if c],
        )
