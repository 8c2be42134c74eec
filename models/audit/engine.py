"""The audit engine: model outputs once per encounter, then every registered check, then queries and the score.

``AuditEngine.audit(encounter)`` is the one entry point the CLI, the batch runner (local and Spark) and the service
share. It removes the labels first (``gold`` and ``expected_flags`` are never read while auditing), runs the model
providers that are loaded, builds one :class:`AuditContext`, runs the configured checks (skipping, and recording,
those whose inputs are missing), generates CDI queries and scores the encounter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from configs.audit import AuditConfig, load_audit_config
from configs.payer_rules import PayerRules, load_payer_rules
from datasets.codesets import CodeSets
from datasets.codesets.cms import CmsTables
from datasets.schema import Encounter
from models.audit.cdi import QueryGenerator
from models.audit.codes import is_problem_visit, is_visit
from models.audit.context import AuditContext
from models.audit.flags import AuditFlag, EncounterAudit
from models.audit.inputs import (
    ComposedModels,
    DiagnosisProvider,
    EmProvider,
    HccProvider,
    ModelOutputs,
    ModelSuite,
    ServiceProvider,
)
from models.audit.registry import Check, get_check, missing_inputs
from models.audit.risk import risk_score, split_dollars
from models.clinical.document import unify_line_breaks
from models.em.second_opinion import default_second_opinion

ENGINE_VERSION = "audit-engine-1"
_TABLES = ("ncci_ptp", "ncci_mue", "ncci_aoc", "pfs_rvu")


class AuditEngine:
    """Audit encounters against their notes, the code sets, the payer rules and the models.

    Args:
        codesets: the code sets (``CodeSets.from_settings()`` by default).
        config: the audit configuration (``configs/audit.yaml`` by default).
        payer_rules: the payer rules (``configs/payer_rules.yaml`` by default).
        em: the E/M leveler behind the :class:`~models.audit.inputs.EmProvider` interface, or None.
        services: the service detector, or None.
        diagnoses: the ICD-10-CM suggester with assertion, or None.
        hccs: the HCC/MEAT module, or None.
        queries: the CDI query generator (the shipped templates by default).
        models: all models as one suite (e.g. :class:`models.audit.adapters.DefaultModels`); when given, the four
            single providers above are ignored.
    """

    def __init__(
        self,
        codesets: CodeSets | None = None,
        config: AuditConfig | None = None,
        payer_rules: PayerRules | None = None,
        em: EmProvider | None = None,
        services: ServiceProvider | None = None,
        diagnoses: DiagnosisProvider | None = None,
        hccs: HccProvider | None = None,
        queries: QueryGenerator | None = None,
        models: ModelSuite | None = None,
    ) -> None:
        self.codesets = codesets or CodeSets.from_settings()
        self.config = config or load_audit_config()
        self.payer_rules = payer_rules or load_payer_rules()
        self.models: ModelSuite = models or ComposedModels(em, services, diagnoses, hccs)
        self.queries = queries or QueryGenerator()
        self.checks: list[Check] = [get_check(name) for name in self.config.checks]
        self.cms: CmsTables | None = self.codesets.cms if self.codesets.has_cms else None

    @property
    def engine_id(self) -> dict[str, str]:
        """Versions of everything that decides a flag (recorded by the batch runner's checkpoint)."""
        ids = {
            "engine": ENGINE_VERSION,
            "payer_rules": self.payer_rules.version,
            "checks": ",".join(self.config.checks),
        }
        ids.update(self.models.versions)
        if self.config.em_second_opinion:  # it can withhold an em_overcoded flag
            ids["em_second_opinion"] = default_second_opinion().version
        if self.cms is not None:
            ids["cms"] = ",".join(f"{v.name}:{v.version}" for v in self.cms.versions() if v.name in _TABLES)
        return ids

    def model_outputs(self, encounter: Encounter) -> ModelOutputs:
        """Run every loaded model once on the encounter (labels must already be removed)."""
        return self.models.outputs(encounter)

    def context(self, encounter: Encounter, outputs: ModelOutputs | None = None) -> AuditContext:
        """The shared context of one encounter (labels removed; model outputs computed unless given)."""
        clean = encounter.without_labels()
        if "\r" in clean.text:  # the checks that read the note read it as the models do (same offsets)
            clean = clean.model_copy(update={"text": unify_line_breaks(clean.text)})
        return AuditContext(
            encounter=clean,
            codesets=self.codesets,
            cms=self.cms,
            config=self.config,
            payer_rules=self.payer_rules,
            outputs=self.model_outputs(clean) if outputs is None else outputs,
        )

    def run_checks(self, ctx: AuditContext) -> tuple[list[AuditFlag], list[str], dict[str, str]]:
        """(flags, checks run, checks skipped with the reason) for one context."""
        flags: list[AuditFlag] = []
        ran: list[str] = []
        skipped: dict[str, str] = {}
        for check in self.checks:
            missing = missing_inputs(check, ctx)
            if missing:
                skipped[check.name] = "needs " + ", ".join(missing)
                continue
            flags.extend(check.run(ctx))
            ran.append(check.name)
        return flags, ran, skipped

    def audit(self, encounter: Encounter, outputs: ModelOutputs | None = None) -> EncounterAudit:
        """Audit one encounter.

        Args:
            encounter: the encounter; ``gold`` and ``expected_flags`` are removed before anything reads it.
            outputs: precomputed model outputs (the service passes them when it already ran the models).
        """
        ctx = self.context(encounter, outputs)
        flags, ran, skipped = self.run_checks(ctx)
        queries = self.queries.generate(ctx, flags) if self.config.queries else []
        at_risk, opportunity = split_dollars(flags)
        billed_em = next((c for c in ctx.billed_codes if is_problem_visit(c)), None) or next(
            (c for c in ctx.billed_codes if is_visit(c)), None
        )
        tables = {t: v for t in _TABLES if (v := ctx.table_version(t)) is not None}
        if ctx.date_assumed:
            skipped["date_of_service"] = "missing: tables in force today were used"
        return EncounterAudit(
            encounter_id=ctx.encounter.encounter_id,
            provider_id=ctx.encounter.provider_id,
            payer=ctx.encounter.payer,
            date_of_service=ctx.encounter.date_of_service,
            billed_em=billed_em,
            supported_em=ctx.outputs.em.supported_code if ctx.outputs.em is not None else None,
            flags=flags,
            queries=queries,
            risk_score=risk_score(flags, self.config.risk),
            dollars_at_risk=at_risk,
            dollars_opportunity=opportunity,
            tables=tables,
            checks_run=ran,
            checks_skipped=skipped,
        )

    def audit_many(self, encounters: Iterable[Encounter]) -> Iterator[EncounterAudit]:
        """Audit a stream of encounters one by one (constant memory)."""
        for encounter in encounters:
            yield self.audit(encounter)
