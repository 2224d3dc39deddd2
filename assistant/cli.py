"""`policyqa` console script: ingest, ask, serve, eval. Errors become one clear line and exit code 1."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from assistant.errors import USER_ERRORS
from assistant.settings import Settings


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValueError as exc:
        raise click.ClickException(f"Invalid configuration: {exc}") from exc


def _guard(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except USER_ERRORS as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
@click.version_option("0.1.0", prog_name="policyqa")
def main() -> None:
    """政策问答: answers questions on poverty-alleviation and health-insurance policy, with citations."""


def ingest_and_report(settings: Settings) -> None:
    """Build a new index version from the corpus with progress bars, then print a one-line summary."""
    from rich.progress import Progress

    from assistant.factory import run_ingest

    with Progress(transient=True) as bar:
        task = bar.add_task("Embedding chunks", total=None)

        def on_embed(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        outcome = _guard(run_ingest, settings, on_embed=on_embed)
    r = outcome.report
    skipped = "; ".join(f"{f}: {why}" for f, why in r.skipped) or "none"
    held = "; ".join(f"{f}: {n}" for f, n in sorted(r.quarantined.items())) or "none"
    if outcome.changes is not None:
        done = "no changes, index kept" if outcome.changes.up_to_date else outcome.changes.summary()
        stats = outcome.stats
        click.echo(f"Changes: {done}; chunks embedded {stats.embedded}, reused {stats.reused}")
    click.echo(
        f"Ingested {r.files} files, {r.paragraphs} paragraphs, {r.chunks} chunks; "
        f"noisy paragraphs {r.noisy_paragraphs}; skipped {len(r.skipped)} ({skipped}); "
        f"quarantined (instruction-like) paragraphs {sum(r.quarantined.values())} ({held}); "
        f"{outcome.seconds:.1f} s; index version {outcome.version}"
    )


def dry_run_report(settings: Settings) -> None:
    """Say what `ingest` would change (added/changed/removed/unchanged files) without writing anything."""
    from assistant.factory import plan_ingest

    plan = _guard(plan_ingest, settings)
    verdict = (
        "index is up to date, nothing would be written" if plan.up_to_date else "would build a new version"
    )
    click.echo(f"Dry run: {plan.summary()}; {verdict}")


@main.command()
@click.option("--corpus-dir", "-c", type=click.Path(path_type=Path), help="Documents to index.")
@click.option("--index-dir", "-i", type=click.Path(path_type=Path), help="Where the index lives.")
@click.option("--dry-run", is_flag=True, help="Only say which files would be added/changed/removed.")
def ingest(corpus_dir: Path | None, index_dir: Path | None, dry_run: bool) -> None:
    """Index every .txt/.md/.html/.docx/.pdf file of the corpus; unchanged files are reused.

    Example: policyqa ingest --corpus-dir data/corpus   (add --dry-run to only list changes)
    """
    settings = _settings(corpus_dir=corpus_dir, index_dir=index_dir)
    if dry_run:
        dry_run_report(settings)
        return
    ingest_and_report(settings)


@main.command(name="migrate-milvus")
@click.option("--uri", help="Milvus URI (http://host:19530 or a .db file); default POLICYQA_MILVUS_URI.")
@click.option("--index-dir", "-i", type=click.Path(path_type=Path), help="Where the index lives.")
def migrate_milvus(uri: str | None, index_dir: Path | None) -> None:
    """Copy the current index version's vectors into Milvus as a new version (no re-embedding).

    Example: policyqa migrate-milvus --uri http://milvus:19530   (then set POLICYQA_VECTOR_STORE=milvus)
    """
    from index.migrate_milvus import migrate_to_milvus

    settings = _settings(index_dir=index_dir)
    path = _guard(migrate_to_milvus, settings.index_dir, uri or settings.milvus_uri)
    click.echo(f"Migrated to Milvus: index version {path.name}; now set POLICYQA_VECTOR_STORE=milvus")


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def ask(question: str, as_json: bool) -> None:
    """Answer one question from the index, with numbered sources.

    Example: policyqa ask "贫困人口住院合规费用自付比不超过多少？"
    """
    from assistant.factory import build_assistant

    settings = _settings()
    assistant = _guard(build_assistant, settings)
    answer = _guard(assistant.ask, question)
    if as_json:
        payload = {
            "answer": answer.text,
            "refused": answer.refused,
            "question": answer.question,
            "citations": [asdict(c) for c in answer.citations],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    click.echo(answer.text)
    if answer.citations:
        click.echo("\n来源：")
        for c in answer.citations:
            where = " > ".join([c.article_title, *c.heading_path])
            click.echo(f"[{c.n}] {c.source_file} [{c.start}:{c.end}] {where}")
            click.echo(f"    {c.text[:160]}")


@main.command()
@click.option("--host", default=None, help="Bind address (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8000).")
@click.option(
    "--workers",
    "-w",
    default=None,
    type=click.IntRange(1, 64),
    help="Server processes (default POLICYQA_WORKERS, else the cores this process may use).",
)
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the web chat; builds the index first if there is none.

    Example: policyqa serve --port 8000 --workers 2
    """
    from index.store import CURRENT
    from web.serve import run

    settings = _settings(host=host, port=port, workers=workers)
    if not (settings.index_dir / CURRENT).is_file():
        click.echo(f"No index in {settings.index_dir}; building it from {settings.corpus_dir} ...")
        ingest_and_report(settings)
    click.echo(f"政策问答 on http://{settings.host}:{settings.port} ({settings.workers} worker processes)")
    run(settings)


@main.command(name="eval")
@click.option("--gold", required=True, type=click.Path(exists=True, path_type=Path), help="Gold JSONL.")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Report JSON path.")
@click.option("--markdown", type=click.Path(path_type=Path), help="Also write a markdown table here.")
def eval_cmd(gold: Path, out: Path, markdown: Path | None) -> None:
    """Run the gold question set and write a JSON report.

    Example: policyqa eval --gold dev.jsonl --out report.json
    """
    from evals.__main__ import main as evals_main

    argv = ["--gold", str(gold), "--out", str(out)]
    if markdown:
        argv += ["--markdown", str(markdown)]
    sys.exit(_guard(evals_main, argv))


@main.command(name="train-reader", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def train_reader(args: tuple[str, ...]) -> None:
    """Train the reader from gold sets and write assistant/data/reader.json (deterministic).

    Example: policyqa train-reader   (default gold sets: dev.jsonl and dev2.jsonl of the shared evals)
    """
    from evals.reader_training import main as train_main

    sys.exit(_guard(train_main, list(args)))


@main.command(name="eval-cv", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def eval_cv(args: tuple[str, ...]) -> None:
    """Cross-validated eval: the reader trained on k-1 folds, measured on the held-out fold.

    Example: policyqa eval-cv --out cv.json --markdown cv.md
    """
    from evals.crossval import main as cv_main

    sys.exit(_guard(cv_main, list(args)))


if __name__ == "__main__":  # pragma: no cover
    main()
