"""Turn files into SourceDocuments: decode text files, extract plain text from HTML/DOCX/PDF."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from pathlib import Path

from .errors import DocumentError
from .models import SourceDocument
from .safety import check_docx_archive
from .textdecode import decode_text

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".html", ".htm", ".docx", ".pdf"})

_BLANK_RUN_RE = re.compile(r"\n{3,}")
_BLOCK_TAGS = (
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
    "section", "article", "blockquote", "pre", "table", "ul", "ol", "title", "dd", "dt",
)  # fmt: skip
_DROP_TAGS = ("script", "style", "nav", "noscript", "template", "iframe", "svg", "header", "footer")


def iter_corpus_files(directory: Path) -> list[Path]:
    """All supported files under `directory`, recursively, in a stable sorted order."""
    directory = Path(directory)
    return sorted(
        p
        for p in directory.rglob("*")
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(".")
    )


def _tidy_lines(text: str) -> str:
    """Strip each extracted line and keep at most one blank line between paragraphs."""
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_RUN_RE.sub("\n\n", "\n".join(lines)).strip()


def _extract_html(raw: bytes, path: Path) -> tuple[str, str]:
    """Visible text of an HTML page, one block element per paragraph."""
    from bs4 import BeautifulSoup

    try:
        text_guess = decode_text(raw, path)[0]
    except DocumentError:
        text_guess = None
    soup = BeautifulSoup(text_guess if text_guess is not None else raw, "lxml")
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    return _tidy_lines(soup.get_text()), "extracted:html"


def _extract_docx(raw: bytes, path: Path) -> tuple[str, str]:
    """Paragraph texts of a .docx (tables appended row by row), joined by newlines."""
    import docx

    check_docx_archive(raw, path)  # before python-docx inflates anything
    document = docx.Document(io.BytesIO(raw))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text.strip() for cell in row.cells))
    return "\n".join(parts).strip(), "extracted:docx"


def _extract_pdf(raw: bytes, path: Path) -> tuple[str, str]:
    """Text of every PDF page, pages separated by a blank line."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(raw))
    if reader.is_encrypted and not reader.decrypt(""):
        raise DocumentError(path, "PDF is encrypted with a password")
    pages = [(page.extract_text() or "").strip() for page in reader.pages]
    return "\n\n".join(p for p in pages if p).strip(), "extracted:pdf"


def _extract_text(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode a plain-text/markdown file (encoding detected)."""
    return decode_text(raw, path)


_EXTRACTORS: dict[str, Callable[[bytes, Path], tuple[str, str]]] = {
    ".txt": _extract_text,
    ".md": _extract_text,
    ".html": _extract_html,
    ".htm": _extract_html,
    ".docx": _extract_docx,
    ".pdf": _extract_pdf,
}


def load_document(path: Path, root: Path) -> SourceDocument:
    """Read and decode one file; raise DocumentError (never a library exception) on failure."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _EXTRACTORS:
        raise DocumentError(path, f"unsupported file type {suffix or '(none)'!r}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(path, f"cannot read file: {exc.strerror or exc}") from None
    if not raw.strip():
        raise DocumentError(path, "file is empty")
    try:
        text, encoding = _EXTRACTORS[suffix](raw, path)
    except DocumentError:
        raise
    except Exception as exc:  # any parser failure becomes a readable reason
        kind = suffix.lstrip(".").upper()
        raise DocumentError(
            path, f"corrupt or unreadable {kind} file ({type(exc).__name__}: {exc})"
        ) from None
    if not text.strip():
        raise DocumentError(path, "no text could be extracted (empty document)")
    try:
        rel = path.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        rel = path.name
    return SourceDocument(
        source_file=rel, text=text, encoding=encoding, sha256=hashlib.sha256(raw).hexdigest()
    )
