"""Upload edges: safe, NFKC-normalised document names, look-alike checks, multipart bodies.

A name is the one thing an admin sees in the library, so two names that render the same must not
both exist: `报告.txt` with a Cyrillic `о` in a Latin part, a full-width `ｔｘｔ`, or `l`/`1`/`I`
swapped would otherwise sit next to the real document. Names are NFKC-normalised (full-width and
compatibility forms folded) and compared by a *skeleton* (case-folded, look-alike letters mapped to
one representative) with every existing name. File systems limit a name to 255 bytes; the limit here
leaves room for the temporary upload name.

`curl -F file=@a.txt` sends multipart/form-data; the file part is taken from it (the boundary and part
headers are not document text). Any other content type is the raw file.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path as FsPath

from fastapi import HTTPException, Request

MAX_NAME_BYTES = 200  # utf-8 bytes; file systems allow 255 and the temp name adds a prefix

# Look-alikes of Latin letters and digits (Cyrillic, Greek, Armenian, symbols) and of CJK-name
# punctuation; after NFKC and casefold, each maps to the character it imitates.
_LOOKALIKES = {
    "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j",
    "к": "k", "ӏ": "l", "м": "m", "н": "h", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "т": "t", "ц": "u",
    "ѵ": "v", "ԝ": "w", "х": "x", "у": "y", "з": "3", "ь": "b", "п": "n", "г": "r",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "σ": "o", "μ": "u",
    "օ": "o", "ս": "u", "ց": "g", "հ": "h", "ո": "n",
    "0": "o", "1": "l", "i": "l", "|": "l", "5": "s", "$": "s",
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-", "ー": "-", "一": "-",
    "〇": "o", "○": "o", "。": ".", "．": ".", "・": ".", "·": ".", "‧": ".", "ˍ": "_",
    "（": "(", "）": ")", "【": "[", "】": "]", "〔": "(", "〕": ")", "　": " ",
}  # fmt: skip
_SKELETON_TABLE = str.maketrans(_LOOKALIKES)


def skeleton(name: str) -> str:
    """What a name looks like: NFKC, case-folded, look-alikes mapped, spaces removed."""
    s = unicodedata.normalize("NFKC", name).casefold().translate(_SKELETON_TABLE)
    return "".join(s.split())


def normalize_name(name: str, suffixes: Iterable[str]) -> str:
    """A plain file name (NFKC) with a supported suffix, or a 422 with a Chinese reason."""
    name = unicodedata.normalize("NFKC", (name or "").strip())
    bad = (
        not name
        or name.startswith(".")
        or FsPath(name).name != name
        or "/" in name
        or "\\" in name
        or any(unicodedata.category(ch)[0] == "C" for ch in name)  # controls, format, surrogates
    )
    if bad:
        raise HTTPException(status_code=422, detail="文件名无效：只能是不含路径和控制字符的普通文件名。")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise HTTPException(
            status_code=422,
            detail=f"文件名过长（最多 {MAX_NAME_BYTES} 字节，约 {MAX_NAME_BYTES // 3} 个汉字）。",
        )
    if FsPath(name).suffix.lower() not in set(suffixes):
        raise HTTPException(status_code=422, detail="不支持的文件类型（支持 txt、md、html、docx、pdf）。")
    return name


def look_alike(name: str, existing: Iterable[str]) -> str | None:
    """An existing name that differs from `name` but looks the same, if any."""
    mine = skeleton(name)
    return next((other for other in existing if other != name and skeleton(other) == mine), None)


async def read_upload(request: Request, limit: int, too_large: str) -> tuple[bytes, str | None]:
    """(file bytes, file name from a multipart part or None). Multipart bodies yield the first file
    part (or a field named `file`); anything else is the raw body. Over `limit` bytes: 413."""
    ctype = request.headers.get("content-type", "").lower()
    if ctype.startswith("multipart/form-data"):
        try:
            form = await request.form(max_files=1, max_fields=20)
        except Exception:  # malformed multipart: the client's fault
            raise HTTPException(status_code=400, detail="上传内容不是有效的 multipart/form-data。") from None
        try:
            part = next((v for v in form.values() if hasattr(v, "read")), None)
            if part is None:
                field = form.get("file")
                if isinstance(field, str):
                    data = field.encode("utf-8")
                    if len(data) > limit:
                        raise HTTPException(status_code=413, detail=too_large)
                    return data, None
                raise HTTPException(status_code=422, detail="上传内容中没有文件（请用 -F file=@文件名）。")
            data = await part.read(limit + 1)
            if len(data) > limit:
                raise HTTPException(status_code=413, detail=too_large)
            return data, getattr(part, "filename", None)
        finally:
            await form.close()
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise HTTPException(status_code=413, detail=too_large)
    return bytes(data), None
