"""The one output row schema of a batch audit, shared by the local runner and the Spark job.

One row per audited encounter, in input order (``input_index`` is the 0-based position among the valid encounters
of the input). Scalars are columns; nested results (flags, suggestions, HCC findings, billed codes, history
diagnoses) are JSON strings with sorted keys, so both engines write byte-identical values and any Parquet reader
(pandas, polars, Spark, DuckDB) can read them without nested-type support. ``flags.parquet`` (one row per flag) is
derived from these rows.
"""

from __future__ import annotations

from typing import Any, Literal

ColumnKind = Literal["int64", "float64", "string"]

# (name, kind, meaning). Change a column here and both engines follow.
OUTPUT_COLUMNS: tuple[tuple[str, ColumnKind, str], ...] = (
    ("input_index", "int64", "0-based position among the valid encounters of the input"),
    ("encounter_id", "string", "the encounter's id"),
    ("patient_id", "string", "patient id, when given"),
    ("provider_id", "string", "rendering provider id, when given"),
    ("date_of_service", "string", "YYYY-MM-DD, when given"),
    ("setting", "string", "office | telehealth | ..."),
    ("specialty", "string", "provider specialty, when given"),
    ("payer", "string", "payer, when given"),
    ("age", "int64", "age in years, when given"),
    ("sex", "string", "F | M | U, when given"),
    ("status", "string", "ok, or error when the engine refused this encounter (others still run)"),
    ("error", "string", "PHI-free reason when status is error"),
    ("risk_score", "float64", "encounter audit-risk score in 0..1 from the audit engine"),
    ("n_flags", "int64", "number of audit flags"),
    ("dollars_at_risk", "float64", "overpayment exposure plus expected denials, USD (from the audit engine)"),
    ("dollars_opportunity", "float64", "revenue left out (undercoding, missed services), USD"),
    ("dollar_impact", "float64", "dollars_at_risk + dollars_opportunity, USD"),
    ("em_billed", "string", "the E/M code on the claim, if any"),
    ("em_suggested", "string", "the E/M code the documentation supports, if the engine gave one"),
    ("billed_codes", "string", "JSON list of billed CPT/HCPCS codes"),
    ("billed_dx", "string", "JSON list of billed ICD-10-CM codes"),
    ("history_dx", "string", "JSON object date -> ICD-10-CM codes billed on earlier claims of the patient"),
    ("flags", "string", "JSON list of the engine's flags as it dumps them (type, key fields, severity, evidence...)"),
    ("suggestions", "string", "JSON object of the engine's code suggestions (by system) for coders"),
    ("hcc_documented", "string", "JSON list of documented HCC conditions: {hcc, icd10cm, confidence}"),
    ("queries", "string", "JSON list of the engine's CDI provider queries"),
    ("tables", "string", "JSON object table -> version used on the date of service"),
    ("checks_skipped", "string", "JSON object check -> why it could not run"),
)
COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _, _ in OUTPUT_COLUMNS)
JSON_COLUMNS: tuple[str, ...] = (
    "billed_codes",
    "billed_dx",
    "history_dx",
    "flags",
    "suggestions",
    "hcc_documented",
    "queries",
    "tables",
    "checks_skipped",
)
_SPARK_TYPES: dict[str, str] = {"int64": "BIGINT", "float64": "DOUBLE", "string": "STRING"}


def output_schema() -> Any:
    """The pyarrow schema of an output row (every column nullable)."""
    import pyarrow as pa

    types = {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}
    return pa.schema([pa.field(name, types[kind]) for name, kind, _ in OUTPUT_COLUMNS])


def spark_ddl() -> str:
    """The same schema as a Spark DDL string (for ``mapInArrow``)."""
    return ", ".join(f"`{name}` {_SPARK_TYPES[kind]}" for name, kind, _ in OUTPUT_COLUMNS)


def rows_to_table(rows: list[dict[str, Any]]) -> Any:
    """A pyarrow table of output rows, columns in schema order (missing keys become nulls)."""
    import pyarrow as pa

    schema = output_schema()
    return pa.Table.from_pydict({name: [row.get(name) for row in rows] for name in schema.names}, schema=schema)


# Per-flag table (flags.parquet), derived from the rows' ``flags`` JSON.
FLAG_COLUMNS: tuple[tuple[str, ColumnKind], ...] = (
    ("input_index", "int64"),
    ("encounter_id", "string"),
    ("patient_id", "string"),
    ("provider_id", "string"),
    ("type", "string"),
    ("key", "string"),
    ("severity", "string"),
    ("confidence", "float64"),
    ("impact_usd", "float64"),
    ("direction", "string"),
    ("explanation", "string"),
)


def flag_schema() -> Any:
    """The pyarrow schema of ``flags.parquet``."""
    import pyarrow as pa

    types = {"int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}
    return pa.schema([pa.field(name, types[kind]) for name, kind in FLAG_COLUMNS])
