"""Hostile-input guards for ingestion: path traversal in file names and .docx zip bombs.

`safe_corpus_path` is what any upload path should call before writing a file into the corpus.
`check_docx_archive` runs before python-docx opens an archive, which would inflate it in memory.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path, PurePosixPath

from .errors import DocumentError

MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024  # bytes of all members together once inflated
MAX_DOCX_RATIO = 200  # inflated size / compressed size; real .docx files stay far below
MAX_DOCX_MEMBERS = 10_000


def safe_corpus_path(name: str, corpus_dir: Path) -> Path:
    """The absolute path for `name` inside `corpus_dir`, or DocumentError if it could escape it."""
    raw = unicodedata.normalize("NFC", name or "")
    bad = (
        not raw.strip()
        or "\\" in raw
        or any(unicodedata.category(ch).startswith("C") for ch in raw)
        or raw.startswith("/")
        or (len(raw) > 1 and raw[1] == ":")  # C:... drive letters
    )
    parts = PurePosixPath(raw).parts
    if bad or not parts or any(p in {"..", "."} or p.startswith(".") for p in parts):
        raise DocumentError(name, "unsafe file name (absolute, hidden or with path traversal)")
    root = Path(corpus_dir).resolve()
    target = root.joinpath(*parts).resolve()
    if not target.is_relative_to(root) or target == root:
        raise DocumentError(name, "file name resolves outside the corpus directory")
    return target


def check_docx_archive(raw: bytes, path: Path) -> None:
    """Reject archives that are not zips or would inflate beyond sane limits (zip bombs)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DocumentError(path, f"corrupt DOCX file (not a valid zip archive: {exc})") from None
    if len(members) > MAX_DOCX_MEMBERS:
        raise DocumentError(path, f".docx has {len(members)} archive members (limit {MAX_DOCX_MEMBERS})")
    inflated = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if inflated > MAX_DOCX_UNCOMPRESSED:
        raise DocumentError(path, f".docx inflates to {inflated} bytes (limit {MAX_DOCX_UNCOMPRESSED})")
    if inflated / packed > MAX_DOCX_RATIO:
        raise DocumentError(path, f".docx compression ratio {inflated / packed:.0f} looks like a zip bomb")
