"""The batch audit report: one self-contained HTML file (plotly's JavaScript inlined once; opens offline).

Sections (each an element with a stable id, so tests and links can find them):

- ``overview``: encounters, errors, bad records, flags, dollars, run rate;
- ``flags``: flags by type with their count and dollar impact, and the risk-score distribution;
- ``top-risk``: the encounters to review first (risk score, then dollars at stake);
- ``em-levels``: billed E/M level distribution per provider against the whole group (and what the documentation
  supports, when the E/M model ran);
- ``hcc-gaps``: patient-level recapture and documented-never-coded HCC gaps with RAF impact
  (:mod:`evaluation.hcc_gaps`);
- ``auto-tier``: accuracy of the auto tier where reviewed decisions exist (:mod:`evaluation.reviewed`);
- ``coder-agreement``: how often coders accepted, edited or rejected suggestions.

The data is gathered by streaming the batch output's Parquet files column by column, so the report of a 100k-row
audit needs little memory. It shows ids, codes, counts and dollars only, never note text.
"""

from __future__ import annotations

import heapq
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluation.hcc_gaps import GapScan, iter_audit_rows, scan_audit
from evaluation.reviewed import ReviewedSuggestion, review_metrics

SECTIONS: tuple[tuple[str, str], ...] = (
    ("overview", "Overview"),
    ("flags", "Flags by type and dollar impact"),
    ("top-risk", "Top-risk encounters"),
    ("em-levels", "E/M level distribution per provider"),
    ("hcc-gaps", "HCC gaps and RAF impact"),
    ("auto-tier", "Auto-tier accuracy"),
    ("coder-agreement", "Coder agreement with suggestions"),
)
TOP_ENCOUNTERS = 25
TOP_PROVIDERS = 25
_COLUMNS = [
    "input_index",
    "encounter_id",
    "patient_id",
    "provider_id",
    "date_of_service",
    "status",
    "risk_score",
    "n_flags",
    "dollars_at_risk",
    "dollars_opportunity",
    "em_billed",
    "em_suggested",
    "flags",
]


@dataclass
class ReportData:
    """Everything the template shows, aggregated from a batch output folder."""

    title: str
    run: dict[str, Any]
    encounters: int = 0
    errors: int = 0
    flagged: int = 0
    n_flags: int = 0
    dollars_at_risk: float = 0.0
    dollars_opportunity: float = 0.0
    flags_by_type: dict[str, dict[str, float]] = field(default_factory=dict)
    severity: Counter[str] = field(default_factory=Counter)
    risk_bins: list[int] = field(default_factory=lambda: [0] * 20)
    top: list[dict[str, Any]] = field(default_factory=list)
    em_billed: dict[str, Counter[str]] = field(default_factory=dict)
    em_supported: dict[str, Counter[str]] = field(default_factory=dict)
    provider_counts: Counter[str] = field(default_factory=Counter)
    provider_flags: Counter[str] = field(default_factory=Counter)
    hcc: dict[str, Any] = field(default_factory=dict)
    reviewed: dict[str, Any] | None = None


def _is_problem_visit(code: str) -> bool:
    from models.audit.codes import is_problem_visit

    return is_problem_visit(code)


def collect(
    out_dir: str | Path,
    *,
    reviewed: list[ReviewedSuggestion] | None = None,
    gaps: GapScan | None = None,
    title: str = "medcode batch audit",
) -> ReportData:
    """Aggregate a batch output folder (``audit.parquet``, ``summary.json``) for the report.

    Args:
        out_dir: the folder either batch engine wrote.
        reviewed: reviewed suggestions (None or empty: the review sections say that none exist).
        gaps: a precomputed HCC gap scan (default: scanned here).
        title: the report's title.
    """
    folder = Path(out_dir)
    summary_path = folder / "summary.json"
    run = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else {}
    data = ReportData(title=title, run=run)
    flag_types: dict[str, dict[str, float]] = defaultdict(lambda: {"flags": 0, "dollars": 0.0})
    heap: list[tuple[float, float, int, dict[str, Any]]] = []
    for row in iter_audit_rows(folder / "audit.parquet", _COLUMNS):
        data.encounters += 1
        if row["status"] != "ok":
            data.errors += 1
            continue
        flags = json.loads(row["flags"] or "[]")
        provider = row.get("provider_id") or "unknown"
        data.provider_counts[provider] += 1
        data.flagged += bool(flags)
        data.provider_flags[provider] += bool(flags)
        data.n_flags += len(flags)
        at_risk = float(row.get("dollars_at_risk") or 0.0)
        opportunity = float(row.get("dollars_opportunity") or 0.0)
        data.dollars_at_risk += at_risk
        data.dollars_opportunity += opportunity
        for flag in flags:
            entry = flag_types[flag.get("type", "?")]
            entry["flags"] += 1
            entry["dollars"] += float((flag.get("dollar_impact") or {}).get("amount") or 0.0)
            data.severity[flag.get("severity", "?")] += 1
        risk = float(row.get("risk_score") or 0.0)
        data.risk_bins[min(int(risk * 20), 19)] += 1
        if row.get("em_billed") and _is_problem_visit(row["em_billed"]):
            data.em_billed.setdefault(provider, Counter())[row["em_billed"]] += 1
        if row.get("em_suggested") and _is_problem_visit(row["em_suggested"]):
            data.em_supported.setdefault(provider, Counter())[row["em_suggested"]] += 1
        if flags:
            item = {
                "encounter_id": row["encounter_id"],
                "patient_id": row.get("patient_id"),
                "provider_id": provider,
                "date_of_service": row.get("date_of_service"),
                "risk_score": risk,
                "dollars_at_risk": at_risk,
                "dollars_opportunity": opportunity,
                "flags": ", ".join(sorted({f.get("type", "?") for f in flags})),
            }
            key = (risk, at_risk + opportunity, -int(row["input_index"]), item)
            if len(heap) < TOP_ENCOUNTERS:
                heapq.heappush(heap, key)
            elif key[:3] > heap[0][:3]:
                heapq.heapreplace(heap, key)
    data.top = [k[3] for k in sorted(heap, key=lambda k: k[:3], reverse=True)]
    data.flags_by_type = _ordered_types(flag_types)
    scan = gaps if gaps is not None else scan_audit(folder / "audit.parquet")
    data.hcc = {
        "totals": scan.totals(),
        "patients": [p.to_dict() for p in scan.patients[:TOP_ENCOUNTERS]],
        "by_hcc": _gaps_by_hcc(scan),
    }
    data.reviewed = review_metrics(reviewed) if reviewed else None
    return data


def _ordered_types(table: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    from datasets.schema import FLAG_TYPES

    order = [t for t in FLAG_TYPES if t in table] + sorted(t for t in table if t not in FLAG_TYPES)
    return {t: {"flags": int(table[t]["flags"]), "dollars": round(table[t]["dollars"], 2)} for t in order}


def _gaps_by_hcc(scan: GapScan) -> list[dict[str, Any]]:
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for gap in scan.gaps:
        counts[(gap.hcc, gap.label)][gap.kind] += 1
    rows: list[dict[str, Any]] = [
        {"hcc": hcc, "label": label, **dict(kinds), "total": sum(kinds.values())}
        for (hcc, label), kinds in counts.items()
    ]
    return sorted(rows, key=lambda r: (-r["total"], r["hcc"]))[:20]


# -- figures -------------------------------------------------------------------------------------------------------
def _figure_html(figure: Any) -> str:
    return str(figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}))


def _layout(figure: Any, title: str, height: int = 380) -> Any:
    figure.update_layout(
        title=title, height=height, margin={"l": 60, "r": 20, "t": 50, "b": 60}, template="plotly_white"
    )
    return figure


def flag_figures(data: ReportData) -> list[str]:
    """Flags by type (count and dollars) and the risk-score histogram."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    types = list(data.flags_by_type)
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Flags", "Dollar impact (USD)"), horizontal_spacing=0.22)
    figure.add_trace(go.Bar(y=types, x=[data.flags_by_type[t]["flags"] for t in types], orientation="h"), 1, 1)
    figure.add_trace(
        go.Bar(y=types, x=[data.flags_by_type[t]["dollars"] for t in types], orientation="h", marker_color="#d62728"),
        1,
        2,
    )
    figure.update_layout(showlegend=False)
    figure.update_yaxes(autorange="reversed")
    charts = [_figure_html(_layout(figure, "Flags by type", height=max(320, 40 + 28 * len(types))))]
    edges = [f"{i / 20:.2f}" for i in range(20)]
    risk = go.Figure(go.Bar(x=edges, y=data.risk_bins, marker_color="#9467bd"))
    risk.update_xaxes(title="risk score (bin start)")
    risk.update_yaxes(title="encounters")
    charts.append(_figure_html(_layout(risk, "Encounter risk-score distribution", height=320)))
    return charts


def em_levels(data: ReportData) -> tuple[list[str], list[dict[str, Any]], list[str]]:
    """(level codes, per-provider rows with shares and deviation from the group, the group's shares row first)."""
    group: Counter[str] = Counter()
    for counts in data.em_billed.values():
        group.update(counts)
    levels = sorted(group)
    total = sum(group.values())
    group_share = {lvl: group[lvl] / total for lvl in levels} if total else {}
    high = [lvl for lvl in levels if lvl[-1] in "45"]
    group_high = sum(group_share.get(lvl, 0.0) for lvl in high)
    rows: list[dict[str, Any]] = []
    for provider, counts in data.em_billed.items():
        n = sum(counts.values())
        shares = {lvl: counts[lvl] / n for lvl in levels}
        supported = data.em_supported.get(provider, Counter())
        n_supported = sum(supported.values())
        high_share = sum(shares[lvl] for lvl in high)
        rows.append(
            {
                "provider_id": provider,
                "n": n,
                "shares": shares,
                "high_share": high_share,
                "high_delta": high_share - group_high,
                "supported_high": (
                    sum(supported[lvl] for lvl in supported if lvl[-1] in "45") / n_supported if n_supported else None
                ),
                "z": _z(high_share, group_high, n),
            }
        )
    rows.sort(key=lambda r: (-r["n"], r["provider_id"]))
    rows = rows[:TOP_PROVIDERS]
    rows.sort(key=lambda r: (-r["high_delta"], r["provider_id"]))
    group_row = {"provider_id": "ALL (group)", "n": total, "shares": group_share, "high_share": group_high}
    return levels, [group_row, *rows], high


def _z(share: float, baseline: float, n: int) -> float | None:
    """Binomial z-score of a provider's high-level share against the group's (None when undefined)."""
    if n == 0 or baseline <= 0.0 or baseline >= 1.0:
        return None
    return round((share - baseline) / math.sqrt(baseline * (1 - baseline) / n), 2)


def em_figure(levels: list[str], rows: list[dict[str, Any]]) -> str:
    """Heat map: providers (group first) by billed E/M level, cell = share of the provider's visits."""
    import plotly.graph_objects as go

    names = [f"{r['provider_id']} (n={r['n']})" for r in rows]
    z = [[round(100 * r["shares"].get(lvl, 0.0), 1) for lvl in levels] for r in rows]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=levels,
            y=names,
            colorscale="Blues",
            text=[[f"{v:.1f}%" for v in line] for line in z],
            texttemplate="%{text}",
            colorbar={"title": "% of visits"},
        )
    )
    figure.update_yaxes(autorange="reversed")
    return _figure_html(_layout(figure, "Billed E/M level mix: each provider against the group", 120 + 26 * len(rows)))


def hcc_figure(data: ReportData) -> str | None:
    """Top gap HCCs stacked by kind (None when there are no gaps)."""
    import plotly.graph_objects as go

    by_hcc = data.hcc.get("by_hcc") or []
    if not by_hcc:
        return None
    names = [f"{r['hcc']} {r['label'][:40]}" for r in by_hcc]
    figure = go.Figure(
        [
            go.Bar(y=names, x=[r.get("recapture", 0) for r in by_hcc], name="recapture", orientation="h"),
            go.Bar(
                y=names,
                x=[r.get("documented_never_coded", 0) for r in by_hcc],
                name="documented, never coded",
                orientation="h",
            ),
        ]
    )
    figure.update_layout(barmode="stack")
    figure.update_yaxes(autorange="reversed")
    return _figure_html(_layout(figure, "HCC gaps by condition", 120 + 26 * len(names)))


def review_figure(metrics: dict[str, Any]) -> str:
    """Accepted / edited / rejected shares per system and for the auto tier."""
    import plotly.graph_objects as go

    systems = metrics["by_system"]
    names = ["auto tier", *systems]
    values = {
        status: [metrics["auto"].get(status if status != "accepted" else "accuracy") or 0.0]
        + [systems[s].get(status) or 0.0 for s in systems]
        for status in ("accepted", "edited", "rejected")
    }
    figure = go.Figure([go.Bar(x=names, y=values[s], name=s) for s in ("accepted", "edited", "rejected")])
    figure.update_layout(barmode="stack")
    figure.update_yaxes(title="share of reviewed suggestions", range=[0, 1])
    return _figure_html(_layout(figure, "Coder decisions on suggestions", 340))


# -- rendering -----------------------------------------------------------------------------------------------------
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    # A literal "</script>" inside the bundle would end the inline script early.
    return str(get_plotlyjs()).replace("</script>", "<\\/script>")


def render(data: ReportData) -> str:
    """The report's HTML (one file; no external resources)."""
    from importlib.resources import files

    from jinja2 import Environment, select_autoescape

    env = Environment(autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = lambda v: f"${v:,.2f}" if v is not None else "–"
    env.filters["pct"] = lambda v: f"{100 * v:.1f}%" if v is not None else "–"
    source = (files("evaluation") / "templates" / "batch_report.html.j2").read_text(encoding="utf-8")
    levels, em_rows, high = em_levels(data)
    template = env.from_string(source)
    return template.render(
        data=data,
        sections=SECTIONS,
        plotly_js=_plotly_js(),
        flag_charts=flag_figures(data),
        em_levels=levels,
        em_rows=em_rows,
        em_high=high,
        em_chart=em_figure(levels, em_rows) if levels else None,
        hcc_chart=hcc_figure(data),
        review_chart=review_figure(data.reviewed) if data.reviewed and data.reviewed["n_reviewed"] else None,
    )


def write_report(
    out_dir: str | Path,
    report_path: str | Path,
    *,
    reviewed: list[ReviewedSuggestion] | None = None,
    gaps: GapScan | None = None,
    title: str = "medcode batch audit",
) -> Path:
    """Collect, render and write the report of a batch output folder; returns the report's path."""
    data = collect(out_dir, reviewed=reviewed, gaps=gaps, title=title)
    path = Path(report_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(data), encoding="utf-8")
    return path


def section_ids(html: str) -> Iterator[str]:
    """The ids of the report sections present in ``html`` (for tests and checks)."""
    for section_id, _ in SECTIONS:
        if f'<section id="{section_id}"' in html:
            yield section_id
