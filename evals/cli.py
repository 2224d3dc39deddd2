"""Command line of the evals: `python -m evals --gold FILE --out report.json`.

The assistant is imported and built only here, inside the call, so importing `evals` never loads
models or indexes (and the project's click CLI can reuse `main` / `run_from_cli`).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.errors import USER_ERRORS
from assistant.models import Answer
from evals.dataset import GoldError, load_gold, resolve_spans
from evals.report import markdown_table, summary_line, write_report
from evals.runner import run_eval


def build_ask() -> Callable[..., Answer]:
    """The real assistant's `ask` (imported here, not at module import: it loads models and the index)."""
    from assistant.factory import build_assistant
    from assistant.settings import Settings

    return build_assistant(Settings()).ask


def run_from_cli(
    gold: Path | str,
    out: Path | str,
    corpus_dir: Path | str | None = None,
    markdown: Path | str | None = None,
    limit: int | None = None,
    progress: bool = True,
    ask: Callable[..., Answer] | None = None,
    sample: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Load gold, run it, write the JSON (and optional Markdown) report; returns the report."""
    cases = load_gold(gold)
    if sample is not None and sample < len(cases):  # slow backends: a fixed random subset, in file order
        keep = set(random.Random(seed).sample(range(len(cases)), sample))
        cases = [c for i, c in enumerate(cases) if i in keep]
    if limit is not None:
        cases = cases[:limit]
    if corpus_dir is None and ask is None:
        from assistant.settings import Settings

        corpus_dir = Settings().corpus_dir
    corpus = Path(corpus_dir) if corpus_dir is not None else Path("data/corpus")
    for case in cases:  # a broken gold file fails before the (slow) assistant is built
        resolve_spans(case, corpus)
    if ask is None:
        ask = build_ask()
    report = run_eval(ask, cases, corpus, progress=progress)
    report = {
        "gold": str(gold),
        "corpus_dir": str(corpus),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **report,
    }
    write_report(report, out)
    if markdown is not None:
        md_path = Path(markdown)
        md_path.parent.mkdir(parents=True, exist_ok=True)
        md_path.write_text(markdown_table(report), encoding="utf-8")
    return report


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m evals", description="Run the gold set through the assistant.")
    p.add_argument(
        "--gold", type=Path, required=True, help="gold JSONL file (e.g. ../shared/evals/dev.jsonl)"
    )
    p.add_argument("--out", type=Path, required=True, help="where to write the JSON report")
    p.add_argument(
        "--corpus-dir",
        type=Path,
        default=None,
        help="corpus the gold quotes point into (default: Settings().corpus_dir, i.e. data/corpus)",
    )
    p.add_argument("--markdown", type=Path, default=None, help="also write a Markdown metrics section here")
    p.add_argument("--limit", type=int, default=None, help="only the first N questions (smoke runs)")
    p.add_argument(
        "--sample", type=int, default=None, help="a random N questions (fixed by --seed), for slow backends"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def main(argv: list[str] | None = None) -> int:
    """Exit 0 after a run (wrong answers included), 1 if the assistant can't be built, 2 on bad gold."""
    args = _parser().parse_args(argv)
    try:
        report = run_from_cli(
            args.gold,
            args.out,
            args.corpus_dir,
            args.markdown,
            limit=args.limit,
            progress=not args.no_progress,
            sample=args.sample,
            seed=args.seed,
        )
    except GoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (*USER_ERRORS, ValidationError) as exc:  # no index, no model, bad POLICYQA_* settings
        print(f"error: cannot build the assistant: {exc}", file=sys.stderr)
        return 1
    print(summary_line(report))
    return 0
