"""Run the gold set through an `ask` function: one call per question gives retrieval, answer and latency.

The runner is written against a plain callable so tests can pass a fake and the CLI can pass the real
assistant's `ask` without this module importing the assistant. A row with `mode: "reply"` (a citizen's
letter) is asked as `ask(question, mode="reply")`; other rows as `ask(question)`, so a one-argument
fake still runs a chat-only gold set.
"""

from __future__ import annotations

import re
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.models import Answer
from evals import metrics
from evals.dataset import GoldCase, Span, resolve_spans
from evals.folding import ungrounded_numbers

RETRIEVAL_DEPTH = 10  # MRR looks this deep; hit@5 is the first five of these


def is_refused(case: GoldCase, answer: Answer) -> bool:
    """A reply draft always has text; it counts as a refusal when it declines everything (cites nothing)."""
    if case.mode == "reply":
        return answer.refused or not answer.citations
    return answer.refused


_MARKED = re.compile(r"\[\d+\]")
_QUOTED = re.compile(r"“[^”]*”")


def claim_text(case: GoldCase, answer: Answer) -> str:
    """What an answer claims, for `ungrounded`: a chat answer's whole text; of a reply draft only its
    cited lines without the letter's words they quote (“…”): the date and the quoted question are the
    letter's or the template's numbers, not figures the draft states."""
    if case.mode != "reply":
        return answer.text
    cited = [line for line in answer.text.splitlines() if _MARKED.search(line)]
    return _QUOTED.sub("", "\n".join(cited))


def ask_case(ask: Callable[..., Answer], case: GoldCase) -> Answer:
    """Letters go through reply mode; plain questions keep the one-argument call."""
    if case.mode == "reply":
        return ask(case.question, mode="reply")
    return ask(case.question)


def score_case(case: GoldCase, answer: Answer, sources: list[Span], latency_ms: float) -> dict[str, Any]:
    """One per-question report row: what was asked, answered, retrieved and cited, and how it scored."""
    refused = is_refused(case, answer)
    retrieved = [Span(h.chunk.source_file, h.chunk.start, h.chunk.end) for h in answer.hits[:RETRIEVAL_DEPTH]]
    rank = metrics.hit_rank(sources, retrieved, k=RETRIEVAL_DEPTH) if case.answerable else None
    if case.answerable:
        correct = metrics.answer_correct(answer.text, refused, case.must_include)
        missing = metrics.missing_strings(answer.text, case.must_include)
    else:
        correct, missing = refused, []
    citations = [
        {
            "n": c.n,
            "source_file": c.source_file,
            "start": c.start,
            "end": c.end,
            "ok": metrics.citation_ok(c, sources, case.must_include) if case.answerable else False,
        }
        for c in answer.citations
    ]
    return {
        "id": case.id,
        "type": case.type,
        "mode": case.mode,
        "answerable": case.answerable,
        "question": case.question,
        "answer": answer.text,
        "refused": refused,
        "reason": answer.notes[0] if refused and answer.notes else None,
        "standalone_question": answer.question,
        "hit_rank": rank,
        "correct": correct,
        "missing": missing,
        "citations": citations,
        "ungrounded": ungrounded_numbers(claim_text(case, answer), [c.text for c in answer.citations]),
        "latency_ms": round(latency_ms, 1),
        "error": None,
    }


def error_row(case: GoldCase, exc: BaseException, latency_ms: float) -> dict[str, Any]:
    """A failed `ask` scores as a wrong, unrefused answer with nothing retrieved, and keeps the error."""
    return {
        "id": case.id,
        "type": case.type,
        "mode": case.mode,
        "answerable": case.answerable,
        "question": case.question,
        "answer": "",
        "refused": False,
        "hit_rank": None,
        "correct": False,
        "missing": list(case.must_include),
        "citations": [],
        "ungrounded": [],
        "latency_ms": round(latency_ms, 1),
        "error": f"{type(exc).__name__}: {exc}",
        "traceback": traceback.format_exc(limit=5),
    }


def run_eval(
    ask: Callable[..., Answer],
    gold: list[GoldCase],
    corpus_dir: Path,
    progress: bool = True,
) -> dict[str, Any]:
    """Ask every gold question, time it, and return the report (metrics, `by_type`, `per_question`).

    Source spans are resolved before the first question, so a broken gold file fails fast instead of
    after a long run.
    """
    spans = {case.id: resolve_spans(case, corpus_dir) for case in gold}
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]evals[/bold] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not progress,
        transient=False,
    ) as bar:
        task = bar.add_task("", total=len(gold))
        for case in gold:
            bar.update(task, description=case.id)
            t0 = time.perf_counter()
            try:
                answer = ask_case(ask, case)
            except Exception as exc:
                rows.append(error_row(case, exc, (time.perf_counter() - t0) * 1000))
            else:
                latency_ms = (time.perf_counter() - t0) * 1000
                rows.append(score_case(case, answer, spans[case.id], latency_ms))
            bar.advance(task)
    report = metrics.summarize(rows)
    report["elapsed_s"] = round(time.perf_counter() - started, 2)
    report["by_type"] = metrics.by_type(rows)
    report["per_question"] = rows
    return report
