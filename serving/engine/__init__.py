"""The prediction side of the service: one ``SuggestionEngine`` composing whatever model components are loaded.

Components are model bundles loaded once at start-up (a folder or an MLflow model URI): the ICD-10-CM suggester is
required for suggestions; further bundles (CPT/HCPCS services, E/M) join through ``MEDCODE_EXTRA_BUNDLES``. HCC
findings come from the ICD suggestions through the CMS-HCC V28 map; audit checks combine the suggestions with the
NCCI/MUE tables when present. Nothing here invents a prediction: with no ICD bundle the engine is not ready and
every prediction raises ``API015``. Never import torch or ``training/`` from here.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from datasets.codesets import CodeSets, HccModel
from datasets.schema import Encounter
from models.clinical.document import ClinicalDocument
from models.hcc.gaps import PatientCoding, payment_year_for, scan_patient
from models.hcc.mapper import HccMapper
from serving.engine.audit_bridge import AuditSuite, audit_response, build_audit_suite
from serving.engine.base import BundleLoadError, CodeSuggester, CodeSuggestion, Span
from serving.engine.onnx_text import FORMAT as ONNX_TEXT_FORMAT
from serving.engine.onnx_text import OnnxTextClassifier, read_manifest
from serving.errors import ApiError
from serving.models import (
    AuditResponse,
    CodeSystemName,
    EvidenceSpan,
    HccFinding,
    HccGap,
    HccGapsResponse,
    SuggestionPublic,
)

__all__ = ["BundleLoadError", "CodeSuggester", "CodeSuggestion", "Span", "SuggestionEngine", "load_component"]

logger = logging.getLogger("medcode.serving.engine")
DEFAULT_AUTO_THRESHOLD = 0.9
# Confidence at or above which a documented HCC condition counts as present for gap scans.
HCC_DOCUMENTED_AT = 0.5


def _load_icd10_suggester(folder: Path, manifest: dict[str, Any]) -> CodeSuggester:
    from serving.engine import icd10_bundle

    return icd10_bundle.load(folder, manifest)


# Manifest "format" -> loader (models/ bundles are imported only when a manifest names them).
LOADERS: dict[str, Callable[[Path, dict[str, Any]], CodeSuggester]] = {
    ONNX_TEXT_FORMAT: OnnxTextClassifier.load,
    "medcode.icd10_suggester.v1": _load_icd10_suggester,
}


def _resolve(reference: str) -> Path:
    """A local folder for a bundle reference: a path, or an MLflow model URI downloaded once."""
    if "://" in reference or reference.startswith(("models:/", "runs:/")):
        try:
            import mlflow.artifacts
        except ImportError as error:  # pragma: no cover - mlflow is in the lock file
            raise BundleLoadError(
                f"BND-S05 {reference} is an MLflow URI but mlflow is not installed; pip install -r requirements.lock."
            ) from error
        return Path(mlflow.artifacts.download_artifacts(artifact_uri=reference))
    folder = Path(reference)
    if not folder.is_dir():
        raise BundleLoadError(f"BND-S01 No model bundle folder at {folder.resolve()}; fix MEDCODE_ICD_BUNDLE.")
    return folder


def load_component(reference: str) -> CodeSuggester:
    """Load one bundle by its manifest's ``format``; unknown formats fail (no silent fallback)."""
    folder = _resolve(reference)
    manifest = read_manifest(folder)
    kind = str(manifest.get("format", ""))
    loader = LOADERS.get(kind)
    if loader is None:
        raise BundleLoadError(
            f"BND-S06 {folder}/manifest.json has format {kind!r}, which this service cannot load (known: "
            f"{sorted(LOADERS)}). Upgrade medcode or re-export the bundle."
        )
    return loader(folder, manifest)


def _spans(spans: tuple[Span, ...]) -> list[EvidenceSpan]:
    return [EvidenceSpan(start=s.start, end=s.end) for s in spans]


_P = ParamSpec("_P")
_R = TypeVar("_R")
_EngineMethod = Callable[Concatenate["SuggestionEngine", _P], _R]


def _model_work(method: _EngineMethod[_P, _R]) -> _EngineMethod[_P, _R]:
    """Run ``method`` in one of the engine's model slots (waiting for one when all are taken)."""

    @functools.wraps(method)
    def in_a_slot(self: SuggestionEngine, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self._model_slots:
            return method(self, *args, **kwargs)

    return in_a_slot


class SuggestionEngine:
    """Composes the loaded components behind one interface returning API models.

    Args:
        components: loaded bundles by code system (``ICD10CM`` required for predictions; ``CPT``, ``HCPCS``, ``EM``).
        codesets: code sets for titles, claim validation, HCC mapping and NCCI/MUE checks.
        auto_threshold: confidence at or above which a suggestion is routed ``auto``; None takes the ICD bundle's
            tuned ``thresholds.auto`` (or 0.9).
        min_confidence: suggestions below are dropped.
        top_k: most suggestions per component.
        audit_suite: the audit engine and E/M/services/HCC models of ``models/`` (None: audits answer 503).
        suggest_em_services: add the E/M level and CPT/HCPCS services to suggestions (needs ``audit_suite``).
        model_concurrency: most predictions (suggest, audit, HCC gap scan) running at once; further callers wait.
    """

    def __init__(
        self,
        components: dict[str, CodeSuggester],
        codesets: CodeSets | None,
        *,
        auto_threshold: float | None = None,
        min_confidence: float = 0.05,
        top_k: int = 15,
        audit_suite: AuditSuite | None = None,
        suggest_em_services: bool = True,
        model_concurrency: int = 2,
    ) -> None:
        self.components = components
        # Requests arrive on FastAPI's thread pool (40 threads); the models are CPU-bound, so only a few may run at
        # once or the threads thrash the interpreter lock and the slowest requests wait seconds.
        self._model_slots = threading.BoundedSemaphore(model_concurrency)
        self.codesets = codesets
        self.audit_suite = audit_suite
        self.suggest_em_services = suggest_em_services
        # Discovering the CMS files reads the folders; do it once here, not on every request.
        self.has_cms = codesets.has_cms if codesets is not None else False
        icd = components.get("ICD10CM")
        bundle_auto = icd.thresholds.get("auto") if icd is not None else None
        self.auto_threshold = auto_threshold if auto_threshold is not None else bundle_auto or DEFAULT_AUTO_THRESHOLD
        self.min_confidence = min_confidence
        self.top_k = top_k
        self._hcc_models: dict[int, HccModel] = {}

    @property
    def ready(self) -> bool:
        """Whether the ICD-10-CM suggester is loaded."""
        return "ICD10CM" in self.components

    @property
    def bundle_ids(self) -> dict[str, str]:
        """Loaded bundle id per code system."""
        return {system: component.bundle_id for system, component in self.components.items()}

    def _require(self) -> CodeSuggester:
        icd = self.components.get("ICD10CM")
        if icd is None:
            raise ApiError("API015")
        return icd

    def _hcc_model(self, encounter: Encounter) -> HccModel | None:
        """CMS-HCC V28 of the payment year that follows the encounter's year of service."""
        if self.codesets is None:
            return None
        year = (encounter.date_of_service or dt.date.today()).year
        payment_year = payment_year_for(year)
        if payment_year not in self._hcc_models:
            self._hcc_models[payment_year] = self.codesets.hcc("V28", payment_year)
        return self._hcc_models[payment_year]

    def _title(self, system: str, code: str) -> str:
        if self.codesets is None:
            return ""
        try:
            if system == "ICD10CM":
                found = self.codesets.icd10cm.find_code(code)
                return found.title if found is not None else ""
            if system == "HCPCS" and self.has_cms:
                record = self.codesets.cms.hcpcs(code)
                return record.description if record is not None else ""
        except Exception:  # titles are decoration; a lookup problem must not fail a prediction
            logger.warning("title lookup failed", extra={"system": system})
        return ""

    def raw_suggestions(self, encounter: Encounter) -> list[CodeSuggestion]:
        """Every component's ranked suggestions for the encounter (labels removed by the caller)."""
        self._require()
        found: list[CodeSuggestion] = []
        for component in self.components.values():
            found.extend(component.suggest(encounter, top_k=self.top_k, min_confidence=self.min_confidence))
        return found

    @_model_work
    def suggest(self, encounter: Encounter) -> list[SuggestionPublic]:
        """Suggestions with titles and tiers, plus the HCCs (V28, after hierarchies) the ICD suggestions map to.

        The note is parsed once; the E/M pipeline (with the service detector) and the HCC MEAT finder read that one
        document.
        """
        clean = encounter.without_labels()
        raw = self.raw_suggestions(clean)
        doc = ClinicalDocument.from_encounter(clean)
        public = [
            SuggestionPublic(
                system=s.system,  # type: ignore[arg-type]
                code=s.code,
                title=self._title(s.system, s.code),
                confidence=round(s.confidence, 4),
                tier="auto" if s.confidence >= self.auto_threshold else "review",
                evidence=_spans(s.evidence),
            )
            for s in raw
        ]
        public += self._em_and_services(clean, doc)
        for finding in self._hcc_findings(clean, doc, raw, self.min_confidence):
            public.append(
                SuggestionPublic(
                    system="HCC",
                    code=finding.hcc,
                    title=finding.label,
                    confidence=finding.confidence,
                    tier="auto" if finding.confidence >= self.auto_threshold else "review",
                    evidence=finding.evidence,
                )
            )
        return public

    def _em_and_services(self, encounter: Encounter, doc: ClinicalDocument) -> list[SuggestionPublic]:
        """The supported E/M level and the documented CPT/HCPCS services, from the E/M leveler's pipeline."""
        if self.audit_suite is None or not self.suggest_em_services:
            return []
        em, services = self.audit_suite.models.coding(encounter, doc)
        found: list[SuggestionPublic] = []
        if em is not None:
            found.append(
                SuggestionPublic(
                    system="EM",
                    code=em.supported_code,
                    confidence=round(float(em.confidence), 4),
                    tier="auto" if em.confidence >= self.auto_threshold else "review",
                    evidence=[EvidenceSpan(start=e.start, end=e.end) for e in em.evidence],
                )
            )
        for service in services:
            system: CodeSystemName = "HCPCS" if service.code[:1].isalpha() else "CPT"
            found.append(
                SuggestionPublic(
                    system=system,
                    code=service.code,
                    title=self._title(system, service.code),
                    confidence=round(float(service.confidence), 4),
                    tier="auto" if service.confidence >= self.auto_threshold else "review",
                    evidence=[EvidenceSpan(start=e.start, end=e.end) for e in service.evidence],
                )
            )
        return found

    def _hcc_findings(
        self, encounter: Encounter, doc: ClinicalDocument, raw: list[CodeSuggestion], at_least: float
    ) -> list[HccFinding]:
        """HCCs (V28, after hierarchies) of the suggested ICD-10-CM codes that the note (``doc``, its parsed text)
        supports with MEAT evidence; a condition without MEAT is never suggested as an HCC."""
        model = self._hcc_model(encounter)
        if model is None:
            return []
        suggested = [(s.code, s.confidence) for s in raw if s.system == "ICD10CM" and s.confidence >= at_least]
        analysis = HccMapper({"V28": model}).analyse(encounter, suggested, doc)
        return [
            HccFinding(
                hcc=record.hcc,
                label=record.label,
                icd10cm=record.icd10cm[0],
                confidence=round(record.confidence, 4),
                evidence=[EvidenceSpan(start=e.start, end=e.end) for spans in record.meat.values() for e in spans],
            )
            for record in analysis.records["V28"]
            if record.status in ("captured", "gap")
        ]

    # --- claim validation and audit --------------------------------------------------------------------------------
    def unknown_claim_codes(self, encounter: Encounter) -> list[str]:
        """Codes of the claim (and history claims) that no loaded code set knows."""
        if self.codesets is None:
            return []
        claims = [encounter.claim] if encounter.claim is not None else []
        claims += [h.claim for h in encounter.history]
        unknown: dict[str, None] = {}
        icd = self.codesets.icd10cm
        has_cms = self.has_cms
        for claim in claims:
            for code in claim.diagnoses():
                if icd.find_code(code) is None:
                    unknown.setdefault(code, None)
            for line in claim.lines:
                if has_cms and line.code[0].isalpha() and self.codesets.cms.hcpcs(line.code) is None:
                    unknown.setdefault(line.code, None)
        return list(unknown)

    def check_claim(self, encounter: Encounter) -> None:
        """Raise ``API010`` naming unknown codes (codes are not PHI)."""
        unknown = self.unknown_claim_codes(encounter)
        if unknown:
            raise ApiError("API010", codes=", ".join(unknown[:20]))

    @_model_work
    def audit(self, encounter: Encounter) -> AuditResponse:
        """Audit the billed claim against the note with the checks available on this machine."""
        if encounter.claim is None:
            raise ApiError("API011")
        self.check_claim(encounter)
        self._require()
        if self.audit_suite is None:
            raise ApiError("API024")
        clean = encounter.without_labels()
        result = self.audit_suite.engine.audit(clean)
        return audit_response(result, sorted(self.bundle_ids.values()))

    # --- HCC gap scan ----------------------------------------------------------------------------------------------
    @_model_work
    def hcc_gaps(self, encounter: Encounter) -> HccGapsResponse:
        """HCCs documented with MEAT in the note but not captured by this year's claims, and HCCs coded in the year
        before that no claim of this year recaptures, with the RAF change if all were captured."""
        self.check_claim(encounter)
        clean = encounter.without_labels()
        raw = self.raw_suggestions(clean)
        model = self._hcc_model(encounter)
        if model is None:
            raise ApiError("API015")
        documented = self._hcc_findings(clean, ClinicalDocument.from_encounter(clean), raw, HCC_DOCUMENTED_AT)
        billed_now = model.map_diagnoses(encounter.claim.diagnoses()) if encounter.claim is not None else {}
        date = encounter.date_of_service or dt.date.today()
        coding = PatientCoding(last_date=date.isoformat(), age=encounter.age, sex=encounter.sex)
        coding.dx_by_year[date.year] = set(encounter.claim.diagnoses() if encounter.claim is not None else [])
        for entry in encounter.history:
            coding.dx_by_year.setdefault(entry.date_of_service.year, set()).update(entry.claim.diagnoses())
        coding.documented[date.year] = {f.hcc: f.icd10cm for f in documented}
        scan = scan_patient(encounter.patient_id or encounter.encounter_id, coding, lambda _: model, year=date.year)
        by_hcc = {f.hcc: f for f in documented}
        gaps = []
        for gap in scan.gaps if scan is not None else []:
            finding = by_hcc.get(gap.hcc)
            if gap.kind == "documented_never_coded" and finding is not None:
                gaps.append(HccGap(kind="documented_not_billed", **finding.model_dump()))
            else:
                evidence = finding.evidence if finding is not None else []
                gaps.append(HccGap(kind="recapture", hcc=gap.hcc, label=gap.label, icd10cm=gap.icd10cm,
                                   confidence=1.0, evidence=evidence, last_coded_year=gap.last_coded_year))  # fmt: skip
        return HccGapsResponse(
            encounter_id=encounter.encounter_id,
            patient_id=encounter.patient_id,
            model=f"CMS-HCC V28 PY{model.payment_year}",
            documented=documented,
            billed=sorted(billed_now),
            gaps=gaps,
            raf_current=scan.raf_current if scan is not None else None,
            raf_if_closed=scan.raf_closed if scan is not None else None,
            raf_delta=scan.raf_delta if scan is not None else None,
        )


def build_engine(
    icd_bundle: str | None,
    extra_bundles: list[str],
    codesets: CodeSets | None,
    *,
    auto_threshold: float | None,
    min_confidence: float,
    top_k: int,
    use_audit_engine: bool = True,
    suggest_em_services: bool = True,
    model_concurrency: int = 2,
) -> SuggestionEngine:
    """Load every configured bundle once; a bad bundle raises :class:`BundleLoadError` (the service must not start)."""
    components: dict[str, CodeSuggester] = {}
    for reference in ([icd_bundle] if icd_bundle else []) + list(extra_bundles):
        component = load_component(reference)
        if component.system in components:
            raise BundleLoadError(
                f"BND-S07 Two bundles serve {component.system} ({components[component.system].bundle_id} and "
                f"{component.bundle_id}); configure one per code system."
            )
        components[component.system] = component
        logger.info("loaded bundle", extra={"bundle_id": component.bundle_id, "system": component.system})
    if icd_bundle and "ICD10CM" not in components:
        raise BundleLoadError(f"BND-S08 MEDCODE_ICD_BUNDLE={icd_bundle} does not serve ICD10CM codes; fix the setting.")
    suite = None
    if use_audit_engine and codesets is not None:
        suite = build_audit_suite(codesets, components.get("ICD10CM"), top_k)
    return SuggestionEngine(
        components,
        codesets,
        auto_threshold=auto_threshold,
        min_confidence=min_confidence,
        top_k=top_k,
        audit_suite=suite,
        suggest_em_services=suggest_em_services,
        model_concurrency=model_concurrency,
    )
