"""ingest_directory: every supported file -> documents, paragraphs, chunks and a report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import Progress

from .chunking import chunk_paragraphs
from .errors import DocumentError
from .loaders import iter_corpus_files, load_document
from .models import Chunk, IngestReport, Paragraph, SourceDocument
from .paragraphs import parse_document


@dataclass
class IngestResult:
    """Everything one ingest run produced."""

    documents: list[SourceDocument] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    report: IngestReport = field(default_factory=IngestReport)


def _ingest_file(path: Path, root: Path, max_tokens: int, result: IngestResult) -> None:
    """Load, parse and chunk one file, appending to `result` only when all steps succeed."""
    doc = load_document(path, root)
    paragraphs = parse_document(doc)
    if not paragraphs:
        raise DocumentError(path, "no content paragraphs left after cleaning")
    chunks = chunk_paragraphs(paragraphs, max_tokens=max_tokens)
    result.documents.append(doc)
    result.paragraphs.extend(paragraphs)
    result.chunks.extend(chunks)


def ingest_directory(corpus_dir: Path, max_tokens: int = 200, progress: bool = True) -> IngestResult:
    """Ingest every supported file under `corpus_dir`; bad files are skipped with a reason."""
    corpus_dir = Path(corpus_dir)
    files = iter_corpus_files(corpus_dir)
    result = IngestResult()
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("Ingesting", total=len(files))
        for path in files:
            bar.update(task, description=f"Ingesting {path.name}")
            rel = path.relative_to(corpus_dir).as_posix()
            try:
                _ingest_file(path, corpus_dir, max_tokens, result)
            except DocumentError as exc:
                result.report.skipped.append((rel, exc.reason))
            bar.advance(task)
    report = result.report
    report.files = len(result.documents)
    report.paragraphs = len(result.paragraphs)
    report.chunks = len(result.chunks)
    report.noisy_paragraphs = sum(p.noisy for p in result.paragraphs)
    return result
