"""Fit the audit engine's calibration tables on train-family synthetic data (never the held-out family).

Where a model gives no per-note calibrated probability, the audit engine needs one for each answer it turns into a
flag. This measures, on labelled train-family encounters, how often each answer is right:

- ``em_level``: the rule-based E/M level equals ``gold.em_code``;
- ``service[code]``: a detected service code is among the gold services (smoothed per code, pooled prior);
- ``em_addon[code]``: a leveler add-on or companion code (99417, G2212, G2211, a preventive code) is gold;
- ``dx[status|bucket]``: a billed code the support rules call ``status`` (and the ICD-10-CM suggester gives a
  probability in ``bucket``) is really unsupported (for ``supported``: really supported).

Output: ``models/audit/data/audit_calibration_v1.json`` with the data fingerprints, the id of the E/M bundle the
tables describe (the engine warns, AUD207, when it loads another one: refit after retraining the E/M bundle),
counts and the tables.
Run: ``python -m training.audit_calibration --data train.jsonl [validation.jsonl ...] [--out FILE]`` (train and
validation families only: never the held-out family, nor the calibration family kept for checking generalisation).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from configs.audit import AuditConfig, load_audit_config
from datasets.codesets import CodeSets
from datasets.io import read_encounters
from datasets.schema import Encounter
from models.audit.adapters import CALIBRATION_FILE, DefaultModels, coverage_bucket, dx_key, load_default_models
from models.audit.checks.diagnoses import less_specific

PRIOR_WEIGHT = 4.0  # pseudo-counts pulling a per-code rate towards the pooled rate


def _smoothed(hits: int, total: int, prior: float) -> float:
    return round((hits + PRIOR_WEIGHT * prior) / (total + PRIOR_WEIGHT), 4)


def _fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def fit(encounters: list[Encounter], models: DefaultModels) -> dict[str, Any]:
    """The calibration tables from labelled encounters (see module docstring)."""
    em_total = em_right = 0
    service_seen: Counter[str] = Counter()
    service_right: Counter[str] = Counter()
    addon_seen: Counter[str] = Counter()
    addon_right: Counter[str] = Counter()
    unbilled_seen: dict[str, Counter[str]] = {"service": Counter(), "em_addon": Counter()}
    unbilled_right: dict[str, Counter[str]] = {"service": Counter(), "em_addon": Counter()}
    dx_seen: Counter[str] = Counter()
    dx_right: Counter[str] = Counter()
    doc_seen: Counter[str] = Counter()
    doc_right: Counter[str] = Counter()
    spec_seen: Counter[str] = Counter()
    spec_right: Counter[str] = Counter()
    icd = models.codesets.icd10cm
    for encounter in encounters:
        gold = encounter.gold
        if gold is None:
            continue
        outputs = models.outputs(encounter.without_labels(), raw=True)
        if outputs.em is not None and gold.em_code is not None:
            em_total += 1
            em_right += outputs.em.supported_code == gold.em_code
        billed_codes = set(encounter.claim.codes()) if encounter.claim else set()
        gold_services = {s.code for s in gold.services} | ({gold.em_code} if gold.em_code else set())
        for service in outputs.services or ():
            table = (service_seen, service_right) if service.source == "detector" else (addon_seen, addon_right)
            table[0][service.code] += 1
            table[1][service.code] += service.code in gold_services
            if service.code not in billed_codes:  # what a missed_service flag rests on
                name = "service" if service.source == "detector" else "em_addon"
                unbilled_seen[name][service.code] += 1
                unbilled_right[name][service.code] += service.code in gold_services
        unspecified_of_gold = {f.billed for f in encounter.expected_flags if f.type == "unspecified_code" and f.billed}
        for finding in outputs.diagnoses or ():
            really_unsupported = finding.code not in gold.icd10cm and finding.code not in unspecified_of_gold
            key = dx_key(finding.status, finding.probability, finding.problems_coded)
            dx_seen[key] += 1
            dx_right[key] += (not really_unsupported) if finding.status == "supported" else really_unsupported
        for item in outputs.documented or ():
            if item.source == "specificity":  # raw mode: confidence is the number of distinguishing words
                # an unspecified_code flag matches on the billed code: right when a billed code it is more specific
                # than (in its category, or coded elsewhere by an excludes note) is the error
                key = f"n={min(int(item.confidence), 3)}"
                spec_seen[key] += 1
                spec_right[key] += any(less_specific(icd, c, item.code) for c in unspecified_of_gold)
            elif item.source == "title_match":  # raw mode: confidence is the title-match coverage
                bucket = coverage_bucket(item.confidence)
                doc_seen[bucket] += 1
                doc_right[bucket] += item.code in gold.icd10cm
    unbilled: dict[str, Any] = {}
    for name in ("service", "em_addon"):
        pooled = sum(unbilled_right[name].values()) / max(sum(unbilled_seen[name].values()), 1)
        unbilled[f"{name}_unbilled_default"] = round(pooled, 4)
        unbilled[f"{name}_unbilled"] = {
            c: _smoothed(unbilled_right[name][c], n, pooled) for c, n in sorted(unbilled_seen[name].items())
        }
    pooled_service = sum(service_right.values()) / max(sum(service_seen.values()), 1)
    pooled_addon = sum(addon_right.values()) / max(sum(addon_seen.values()), 1)
    return {
        "em_level": round(em_right / max(em_total, 1), 4),
        "service_default": round(pooled_service, 4),
        "service": {c: _smoothed(service_right[c], n, pooled_service) for c, n in sorted(service_seen.items())},
        "em_addon_default": round(pooled_addon, 4),
        "em_addon": {c: _smoothed(addon_right[c], n, pooled_addon) for c, n in sorted(addon_seen.items())},
        "dx": {k: _smoothed(dx_right[k], n, 0.5) for k, n in sorted(dx_seen.items())},
        "documented_default": round(sum(doc_right.values()) / max(sum(doc_seen.values()), 1), 4),
        "documented": {k: _smoothed(doc_right[k], n, 0.5) for k, n in sorted(doc_seen.items())},
        "specific_default": round(sum(spec_right.values()) / max(sum(spec_seen.values()), 1), 4),
        "specific": {k: _smoothed(spec_right[k], n, 0.5) for k, n in sorted(spec_seen.items())},
        **unbilled,
        "counts": {
            "em": em_total,
            "service": dict(sorted(service_seen.items())),
            "em_addon": dict(sorted(addon_seen.items())),
            "dx": dict(sorted(dx_seen.items())),
            "documented": dict(sorted(doc_seen.items())),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Fit the audit calibration tables on train-family data.")
    parser.add_argument(
        "--data", type=Path, nargs="+", required=True, help="train/validation-family synthetic encounters (JSONL)"
    )
    parser.add_argument("--out", type=Path, default=None, help=f"default models/audit/data/{CALIBRATION_FILE}")
    parser.add_argument("--icd10-bundle", type=Path, default=None)
    args = parser.parse_args()
    codesets = CodeSets.from_settings()
    config: AuditConfig = load_audit_config()
    models = load_default_models(codesets, config, args.icd10_bundle, calibration={})
    encounters = [e for path in args.data for e in read_encounters(path) if e.gold is not None]
    tables = fit(encounters, models)
    payload = {
        "version": 1,
        "fitted_on": {
            "files": {path.name: _fingerprint(path) for path in args.data},
            "encounters": len(encounters),
        },
        "models": models.versions,
        # the engine warns (AUD207) when it loads another E/M bundle than the one these tables describe
        "em_bundle": models.em_bundle,
        **tables,
    }
    out = args.out or Path(__file__).resolve().parent.parent / "models" / "audit" / "data" / CALIBRATION_FILE
    out.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    summary = ("fitted_on", "em_bundle", "em_level", "service_default", "em_addon_default")
    print(json.dumps({k: payload[k] for k in summary}))


if __name__ == "__main__":
    main()
