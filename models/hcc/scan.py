"""The HCC scan of one encounter: suggestions (ICD-10-CM suggester or the HCC condition finder) + MEAT + RAF.

:class:`HccScanner` is what the audit engine and ``medcode evaluate --task hcc`` call (the service passes its loaded
ICD-10-CM suggestions to :class:`~models.hcc.mapper.HccMapper` directly). Suggestions come
from a callable ``encounter -> [(icd10cm, confidence)]`` (wrap the ICD-10-CM suggester here when its bundle is
loaded); without one, :class:`~models.hcc.conditions.HccConditionFinder` reads the assessment and plan.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from datasets.codesets import CodeSets, Icd10cm
from datasets.schema import ICD10CM_DOTTED, Encounter
from models.clinical.document import ClinicalDocument, Evidence
from models.hcc.conditions import HccConditionFinder, as_suggestions
from models.hcc.mapper import HccAnalysis, HccMapper

Suggest = Callable[[Encounter], list[tuple[str, float]]]


class HccScanner:
    """HCCs with MEAT for an encounter.

    Args:
        mapper: the V28/V24 mapper.
        finder: the condition finder used when ``suggest`` is None.
        suggest: optional external suggestions (e.g. the ICD-10-CM suggester's codes above threshold).
    """

    version = "medcode.hcc.scan.v1"

    def __init__(self, mapper: HccMapper, finder: HccConditionFinder | None, suggest: Suggest | None = None) -> None:
        self.mapper = mapper
        self.finder = finder
        self.suggest = suggest

    @classmethod
    def default(cls, suggest: Suggest | None = None) -> HccScanner:
        """V28 and V24 (payment year 2026) with the condition finder built from the ICD-10-CM titles."""
        mapper = HccMapper()
        return cls(mapper, None if suggest else _finder(tuple(mapper.models)), suggest)

    def scan(self, encounter: Encounter) -> HccAnalysis:
        doc = ClinicalDocument.from_encounter(encounter)
        named: dict[str, list[Evidence]] = {}
        if self.suggest is not None:
            suggested = self.suggest(encounter)
        elif self.finder is not None:
            suggested, named = as_suggestions(self.finder.find(doc))
        else:
            suggested = []
        return self.mapper.analyse(encounter, suggested, doc=doc, named=named)


@lru_cache(maxsize=2)
def _finder(versions: tuple[str, ...]) -> HccConditionFinder:
    codesets = CodeSets.from_settings()
    titles = [(c.code, c.title) for c in codesets.icd10cm.billable_codes() if ICD10CM_DOTTED.match(c.code)]
    models = [codesets.hcc(v, 2026) for v in versions]  # type: ignore[arg-type]
    return HccConditionFinder(titles, models, other_names=other_names(codesets.icd10cm))


def other_names(icd: Icd10cm) -> Callable[[str], list[tuple[str, str]]]:
    """A code's inclusion terms and its ancestors' down to the three-character category, each with the code it is
    listed under ("Terminal ileitis" under K50.0 names K50.00's condition; see
    :class:`~models.hcc.conditions.HccConditionFinder` for which descendant an ancestor's term answers with), and the
    Alphabetic Index entries that lead to it and that its titles and inclusion terms lack ("Lupus, nephritis" is
    M32.14; ``models/audit/data/icd10cm_index_terms_v1.csv``), which the audit's other readers know too."""
    from models.audit.terms import index_terms  # models.audit imports this module: imported on first use

    index = index_terms()
    own: dict[str, tuple[str, ...]] = {}  # terms of each code of the hierarchy, read once (categories share them)

    def names(code: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for item_code in (code, *icd.ancestors(code)):
            if len(item_code) < 3 or "-" in item_code:
                continue
            if item_code not in own:
                item = icd.find_code(item_code)
                own[item_code] = (*(item.inclusion_terms if item is not None else ()), *index.get(item_code, ()))
            out.extend((item_code, term) for term in own[item_code])
        return out

    return names
