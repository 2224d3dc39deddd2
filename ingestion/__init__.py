"""Ingestion: load policy documents, clean and split them into paragraphs and chunks."""

from .chunking import chunk_paragraphs
from .errors import DocumentError
from .loaders import SUPPORTED_SUFFIXES, iter_corpus_files, load_document
from .models import Chunk, IngestReport, Paragraph, SourceDocument
from .normalize import fold_for_match, normalize_text
from .paragraphs import parse_document
from .pipeline import IngestResult, ingest_directory
from .safety import safe_corpus_path
from .tokens import count_tokens

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Chunk",
    "DocumentError",
    "IngestReport",
    "IngestResult",
    "Paragraph",
    "SourceDocument",
    "chunk_paragraphs",
    "count_tokens",
    "fold_for_match",
    "ingest_directory",
    "iter_corpus_files",
    "load_document",
    "normalize_text",
    "parse_document",
    "safe_corpus_path",
]
