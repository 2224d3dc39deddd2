"""ingest_directory: every supported file -> documents, paragraphs, chunks and a report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from rich.progress import Progress

from .chunking import chunk_paragraphs
from .errors import DocumentError
from .incremental import PreviousFile, dedupe_chunks, file_sha256
from .injection import flag_paragraphs
from .loaders import iter_corpus_files, load_document
from .models import Chunk, IngestReport, Paragraph, SourceDocument
from .paragraphs import parse_document
from .scope import assign_scope, scope_chunks
from .titles import document_title, fallback_title, load_overrides


@dataclass
class IngestResult:
    """Everything one ingest run produced."""

    documents: list[SourceDocument] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    report: IngestReport = field(default_factory=IngestReport)
    file_hashes: dict[str, str] = field(default_factory=dict)  # every file seen -> sha256 of its bytes
    reused_files: int = 0  # unchanged files whose records came from the previous index
    duplicate_chunks: int = 0  # exact repeats dropped inside a file


def _ingest_file(path: Path, root: Path, max_tokens: int, result: IngestResult) -> None:
    """Load, parse and chunk one file, appending to `result` only when all steps succeed."""
    doc = load_document(path, root)
    paragraphs = flag_paragraphs(assign_scope(parse_document(doc)))  # instruction-like: not evidence
    if not paragraphs:
        raise DocumentError(path, "no content paragraphs left after cleaning")
    chunks = scope_chunks(chunk_paragraphs(paragraphs, max_tokens=max_tokens), paragraphs)
    chunks, dropped = dedupe_chunks(chunks)
    result.duplicate_chunks += dropped
    result.documents.append(replace(doc, title=document_title(doc.text) or fallback_title(doc.source_file)))
    result.paragraphs.extend(paragraphs)
    result.chunks.extend(chunks)


def _reuse(prev: PreviousFile, rel: str, result: IngestResult) -> None:
    """Take an unchanged file's records (or its skip reason) from the previous index version."""
    result.reused_files += 1
    if prev.document is None:
        result.report.skipped.append((rel, prev.skip_reason))
        return
    result.documents.append(prev.document)
    result.paragraphs.extend(prev.paragraphs)
    result.chunks.extend(prev.chunks)


def ingest_directory(
    corpus_dir: Path,
    max_tokens: int = 200,
    progress: bool = True,
    previous: Mapping[str, PreviousFile] | None = None,
) -> IngestResult:
    """Ingest every supported file under `corpus_dir`; bad files are skipped with a reason.
    Files whose bytes match `previous` (records of the last index version) are reused, not re-parsed."""
    corpus_dir = Path(corpus_dir)
    files = iter_corpus_files(corpus_dir)
    result = IngestResult()
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("Ingesting", total=len(files))
        for path in files:
            bar.update(task, description=f"Ingesting {path.name}")
            rel = path.relative_to(corpus_dir).as_posix()
            digest = file_sha256(path)
            result.file_hashes[rel] = digest or ""
            prev = (previous or {}).get(rel)
            if prev is not None and digest is not None and prev.sha256 == digest:
                _reuse(prev, rel, result)
                bar.advance(task)
                continue
            try:
                _ingest_file(path, corpus_dir, max_tokens, result)
            except DocumentError as exc:
                result.report.skipped.append((rel, exc.reason))
            bar.advance(task)
    overrides = load_overrides(corpus_dir)  # titles an admin set at upload win over derived ones
    result.documents = [replace(d, title=overrides.get(d.source_file, d.title)) for d in result.documents]
    report = result.report
    report.files = len(result.documents)
    report.paragraphs = len(result.paragraphs)
    report.chunks = len(result.chunks)
    report.noisy_paragraphs = sum(p.noisy for p in result.paragraphs)
    for p in result.paragraphs:
        if p.quarantine:
            report.quarantined[p.source_file] = report.quarantined.get(p.source_file, 0) + 1
    return result
