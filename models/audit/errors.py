"""Audit error messages with stable codes (``AUD2xx``): each says what went wrong and what to do next.

Messages never quote note text or patient fields: ids, codes, file names and setting names only.
"""

from __future__ import annotations

from configs.payer_rules import PayerRulesFileError as PayerRulesError  # noqa: F401 - re-exported: AUD201

AUD201 = "AUD201"  # payer rules file malformed (raised by configs.payer_rules, re-exported as PayerRulesError)
AUD202 = "AUD202"  # unknown check name in the registry
AUD203 = "AUD203"  # CMS tables unavailable for an edit that needs them
AUD204 = "AUD204"  # a model output handed to the engine is malformed
AUD205 = "AUD205"  # CDI query template table malformed
AUD206 = "AUD206"  # audit configuration malformed
AUD207 = "AUD207"  # the audit calibration was fitted with another E/M bundle than the one loaded (a warning)

ERROR_CODES: tuple[str, ...] = (AUD201, AUD202, AUD203, AUD204, AUD205, AUD206, AUD207)


class AuditError(RuntimeError):
    """Base class of audit errors; ``code`` is the stable ``AUD2xx`` identifier."""

    code = "AUD200"

    def __init__(self, message: str) -> None:
        super().__init__(f"{self.code} {message}")


class UnknownCheckError(AuditError, KeyError):
    """AUD202: a check name is not in the registry."""

    code = AUD202

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"No audit check named {name!r}; registered checks are {known}. Fix the name in the config.")

    def __str__(self) -> str:  # KeyError quotes its argument; keep the plain sentence
        return str(self.args[0])


class CmsTablesMissingError(AuditError):
    """AUD203: an edit needs the CMS tables and they are not installed."""

    code = AUD203

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"The CMS tables are needed for {detail} but are not available. Set MEDCODE_DATA_DIR to the shared data "
            "folder or run 'medcode codesets refresh --from DIR' with the CMS files."
        )


class ModelOutputError(AuditError, ValueError):
    """AUD204: a model output handed to the audit engine is malformed."""

    code = AUD204


class QueryTemplateError(AuditError, ValueError):
    """AUD205: the CDI query template table is malformed."""

    code = AUD205


class AuditConfigError(AuditError, ValueError):
    """AUD206: the audit configuration is malformed."""

    code = AUD206


class CalibrationMismatchWarning(UserWarning):
    """AUD207: the audit calibration tables were fitted with another E/M bundle than the one loaded.

    The tables measure how often the E/M leveler's answers (level, add-on and preventive codes, the services it
    carries) are right with one particular bundle; with another bundle the E/M and service flag confidences are off.
    """

    code = AUD207

    def __init__(self, fitted: str | None, loaded: str | None) -> None:
        fitted_text = f"E/M bundle {fitted}" if fitted else "no recorded E/M bundle"
        super().__init__(
            f"{AUD207} The audit calibration (models/audit/data/audit_calibration_v1.json) was fitted with "
            f"{fitted_text}, but {loaded or 'no E/M bundle'} is loaded: E/M and service flag confidences do not "
            "match this bundle. Refit it with 'python -m training.audit_calibration --data TRAIN.jsonl "
            "VALIDATION.jsonl' (train and validation families only), or install the bundle it was fitted with."
        )
