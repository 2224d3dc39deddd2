"""Records that flow out of ingestion: documents, paragraphs with exact source offsets, and chunks."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceDocument:
    """One loaded file; `text` is the decoded original that every offset points into."""

    source_file: str  # file name relative to the corpus directory, e.g. "000_cea3e9765f7be3bd.txt"
    text: str  # decoded original text (for .docx/.pdf/.html: the extracted plain text)
    encoding: str  # detected encoding or "extracted:<format>"
    sha256: str  # hash of the raw bytes
    title: str = ""  # the document's own title (ingestion/titles.py); "" when its text names none


@dataclass(frozen=True)
class Paragraph:
    """A cleaned paragraph. `original == document.text[start:end]`; `text` is what a user reads."""

    id: str  # stable: f"{file_stem}-p{seq:04d}" (seq counts kept paragraphs of the file)
    source_file: str
    article_index: int  # 0-based article number inside the file
    article_title: str
    heading_path: tuple[str, ...]  # e.g. ("二、工作完成情况", "(一)继续实施了三重医疗保障政策")
    start: int
    end: int
    original: str  # exact slice of the source text, noise included
    text: str  # display text: pinyin annotations and mojibake stripped/repaired, script as written
    search_text: str  # normalized: simplified script, half-width digits and %, for BM25/embedding
    seq: int = 0
    is_heading: bool = False  # the paragraph is an outline heading line (not body text)
    noisy: bool = False  # still carries likely mojibake after repair
    places: tuple[str, ...] = ()  # places its figures belong to (own text, heading path, article opening)
    years: tuple[int, ...] = ()  # years its figures belong to, same sources
    quarantine: str = ""  # why it reads as an instruction (ingestion.injection); "" = usable as evidence


@dataclass(frozen=True)
class Chunk:
    """The retrieval unit: consecutive paragraphs (or sentences of one long paragraph) of one section."""

    id: str  # f"{first_paragraph_id}-c{n}"
    source_file: str
    article_title: str
    heading_path: tuple[str, ...]
    paragraph_ids: tuple[str, ...]
    start: int  # offset of the first character in the source file
    end: int
    text: str  # display text of the chunk
    search_text: str  # normalized text (without title/heading context)
    n_tokens: int  # tiktoken count of `text`
    context: str = ""  # article title + heading path, normalized; prepended for embedding/BM25
    places: tuple[str, ...] = ()  # union of its paragraphs' places
    years: tuple[int, ...] = ()  # union of its paragraphs' years


@dataclass
class IngestReport:
    """What one ingest run did, for the one-line summary."""

    files: int = 0
    paragraphs: int = 0
    chunks: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    noisy_paragraphs: int = 0
    quarantined: dict[str, int] = field(default_factory=dict)  # file -> instruction-like paragraphs
