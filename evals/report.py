"""Writing an eval report: the JSON file, a Markdown section for docs, and a one-line summary."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

METRICS: tuple[tuple[str, str], ...] = (
    ("retrieval_hit_at_1", "rate"),
    ("retrieval_hit_at_5", "rate"),
    ("mrr", "rate"),
    ("answer_accuracy", "rate"),
    ("citation_precision", "rate"),
    ("citation_recall", "rate"),
    ("refusal_accuracy", "rate"),
    ("false_refusal_rate", "rate"),
    ("ungrounded_numbers", "count"),
    ("latency_p50_ms", "ms"),
    ("latency_p95_ms", "ms"),
)


def write_report(report: Mapping[str, Any], out_path: Path | str) -> Path:
    """JSON, UTF-8, readable Chinese (ensure_ascii=False); parent directories are created."""
    path = Path(out_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def _fmt(value: Any, kind: str = "rate") -> str:
    """`None` (empty denominator) renders as n/a so it is not mistaken for a zero."""
    if value is None:
        return "n/a"
    if kind == "rate":
        return f"{value:.3f}"
    if kind == "ms":
        return f"{value:.0f}"
    return str(value)


def failed_ids(report: Mapping[str, Any]) -> list[str]:
    """Questions answered wrongly (or, if unanswerable, not refused), including errored ones."""
    return [row["id"] for row in report.get("per_question", []) if not row.get("correct")]


def markdown_table(report: Mapping[str, Any]) -> str:
    """A Markdown section: overall metrics, per-type breakdown, and the ids of failed questions."""
    lines = [
        f"Questions: {report.get('n', 0)} "
        f"({report.get('n_answerable', '?')} answerable, {report.get('n_unanswerable', '?')} unanswerable"
        f"{', ' + str(report['n_errors']) + ' errors' if report.get('n_errors') else ''})",
        "",
        "| metric | value |",
        "|---|---|",
    ]
    lines += [f"| `{name}` | {_fmt(report.get(name), kind)} |" for name, kind in METRICS]
    lines += [
        "",
        "| type | n | answer_accuracy | retrieval_hit_at_5 | mrr | refused |",
        "|---|---|---|---|---|---|",
    ]
    for qtype, stats in report.get("by_type", {}).items():
        cells = [_fmt(stats.get(k)) for k in ("answer_accuracy", "retrieval_hit_at_5", "mrr", "refused")]
        lines.append(f"| {qtype} | {stats['n']} | " + " | ".join(cells) + " |")
    failed = failed_ids(report)
    lines += ["", f"Failed questions ({len(failed)}): " + (", ".join(failed) if failed else "none")]
    misses = [
        row["id"]
        for row in report.get("per_question", [])
        if row.get("answerable") and (row.get("hit_rank") is None or row["hit_rank"] > 5)
    ]
    lines.append(f"Retrieval misses at 5 ({len(misses)}): " + (", ".join(misses) if misses else "none"))
    return "\n".join(lines) + "\n"


def summary_line(report: Mapping[str, Any]) -> str:
    """One line for the terminal: n, hit@5, MRR, accuracy, seconds."""
    return (
        f"n={report.get('n', 0)} hit@5={_fmt(report.get('retrieval_hit_at_5'))} "
        f"MRR={_fmt(report.get('mrr'))} accuracy={_fmt(report.get('answer_accuracy'))} "
        f"in {report.get('elapsed_s', 0.0):.1f}s"
    )
