"""Text fields from clients: refuse what cannot be encoded, drop what must not be echoed.

A lone surrogate (`"\\ud800"` in JSON) is valid JSON but not text: it used to crash OpenCC with a
UnicodeEncodeError (a 500) deep in the assistant, so it is refused here with a 422 naming the field.
Terminal escapes (ANSI), other control characters and bidi overrides are removed, because a reply
draft or a log line echoes the question and they can hide or reorder what a reader sees.
Newlines and tabs are kept.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_BIDI = {*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C}
UNENCODABLE = "包含无法识别的字符（不完整的 Unicode 代理项）"


def has_surrogates(s: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in s)


def clean_text(s: str) -> str:
    """`s` without ANSI escapes, control characters (except newline/tab) and bidi overrides;
    ValueError if it holds a lone surrogate."""
    if has_surrogates(s):
        raise ValueError(UNENCODABLE)
    s = _ANSI.sub("", s)
    return "".join(
        ch for ch in s if ch in "\n\t" or (unicodedata.category(ch) != "Cc" and ord(ch) not in _BIDI)
    )


CleanText = Annotated[str, AfterValidator(clean_text)]
