"""A deterministic stand-in for the audit engine, for the batch runner's tests only (never shipped).

It returns real ``models.audit.flags.EncounterAudit`` objects derived from the claim alone, so the runner's
plumbing (chunks, checkpoints, Spark) is tested without the models. ``MEDCODE_STUB_DELAY_S`` slows each encounter
down (for kill-and-resume tests); an encounter id containing ``boom`` raises.
"""

from __future__ import annotations

import hashlib
import os
import time

from datasets.schema import Encounter
from models.audit.flags import AuditFlag, DollarImpact, EncounterAudit


class StubEngine:
    """Flags every billed E/M above 99213 as overcoded and every billed E11.9 as unspecified."""

    engine_id = "stub-engine-v1"

    def __init__(self) -> None:
        self.delay = float(os.environ.get("MEDCODE_STUB_DELAY_S", "0"))

    def audit(self, encounter: Encounter) -> EncounterAudit:
        if self.delay:
            time.sleep(self.delay)
        if "boom" in encounter.encounter_id:
            raise RuntimeError("stub failure")
        assert encounter.gold is None, "the runner must remove labels before auditing"
        codes = encounter.claim.codes() if encounter.claim else []
        billed_em = next((c for c in codes if c.startswith("992")), None)
        flags: list[AuditFlag] = []
        if billed_em and billed_em > "99213":
            flags.append(
                AuditFlag(
                    type="em_overcoded",
                    billed=billed_em,
                    supported="99213",
                    severity="compliance",
                    confidence=0.8,
                    explanation="stub: level above 99213",
                    action="review",
                    rule_id="stub.em.v1",
                    dollar_impact=DollarImpact(
                        amount=42.5,
                        direction="overpayment",
                        rvu=1.0,
                        conversion_factor=42.5,
                        fee_schedule="stub",
                        facility=False,
                        basis="stub",
                    ),
                )
            )
        if encounter.claim and "E11.9" in encounter.claim.diagnoses():
            flags.append(
                AuditFlag(
                    type="hcc_gap",
                    hcc="HCC37",
                    icd10cm="E11.65",
                    severity="revenue",
                    confidence=0.7,
                    explanation="stub: documented complication",
                    action="query",
                    rule_id="stub.hcc.v1",
                )
            )
        digest = int(hashlib.sha256(encounter.encounter_id.encode()).hexdigest()[:8], 16)
        return EncounterAudit(
            encounter_id=encounter.encounter_id,
            provider_id=encounter.provider_id,
            billed_em=billed_em,
            supported_em="99213" if billed_em else None,
            flags=flags,
            risk_score=round((digest % 1000) / 1000, 3),
            dollars_at_risk=42.5 * sum(f.type == "em_overcoded" for f in flags),
            dollars_opportunity=0.0,
        )


def make_engine() -> StubEngine:
    return StubEngine()
