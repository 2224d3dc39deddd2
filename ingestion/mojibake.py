"""Repair runs of GBK text that were decoded one byte off (`?,F(xiàn)在` for `。現在`).

A run starts at the `?` that replaced an orphaned lead byte; its characters, re-encoded as GBK (with the
dump's half-width punctuation put back to full-width), decoded from the next byte, give the lost text.
A run ends at a single-byte character (0x40-0x7E, where the decoder realigned) or before the next `?`.
A repair is kept only when every decoded character is Big5-encodable (these dumps are traditional
text), which rejects real question marks and mis-aligned guesses.
"""

from __future__ import annotations

import re

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# A pinyin gloss inside a run; right after the `?` its `(` was swallowed with the orphaned byte.
_GLOSS_RE = re.compile(rf"\(?[a-z{_TONED}]*[{_TONED}][a-z{_TONED}]*\)")
_MAX_RUN = 60
_SINGLE = range(0x40, 0x7F)  # bytes that can be a GBK trail byte and decode alone as ASCII
# What still looks like mojibake after repair: a `?` glued to a CJK character, kana or bopomofo.
_NOISE_RE = re.compile(r"\?(?=[\u4e00-\u9fff;,!:])|[\u3040-\u30ff\u3100-\u312f\ue000-\uf8ff\ufffd]")


def _bytes_of(ch: str) -> bytes | None:
    """GBK bytes of one run character; the dump folded full-width punctuation to ASCII, undo that."""
    code = ord(ch)
    if 0x21 <= code <= 0x3F:  # not a valid trail byte: must have been a full-width form
        ch = chr(code + 0xFEE0)
    try:
        return ch.encode("gbk")
    except UnicodeEncodeError:
        return None


def _plausible(text: str) -> bool:
    """Every repaired character is ordinary traditional text or CJK punctuation."""
    if not text:
        return False
    try:
        text.encode("cp950")
    except UnicodeEncodeError:
        return False
    return all(not ch.isascii() for ch in text)


def _try_run(text: str, start: int) -> tuple[int, str, list[int]] | None:
    """(end, repaired text, source index of each repaired char) for the longest valid run after `?`."""
    buf = bytearray()
    owner: list[int] = []  # for each byte, the index in `text` of the character it came from
    best: tuple[int, str, list[int]] | None = None
    j = start + 1
    while j < len(text) and j - start <= _MAX_RUN:
        gloss = _GLOSS_RE.match(text, j)
        if gloss and (gloss.group().startswith("(") or j == start + 1):
            j = gloss.end()
            continue
        ch = text[j]
        if ch == "?":
            best = _decode(buf, owner, j) or best  # run may end before a `?` (a lost character)
        if ch.isspace():
            break
        b = _bytes_of(ch)
        if b is None:
            break
        buf += b
        owner += [j] * len(b)
        if len(b) == 1 and b[0] in _SINGLE:
            return _decode(buf, owner, j + 1) or best
        j += 1
    return best


def _decode(buf: bytearray, owner: list[int], end: int) -> tuple[int, str, list[int]] | None:
    body, who = bytes(buf[1:]), owner[1:]
    if len(body) % 2 and body[-1] >= 0x80:  # a dangling lead byte whose trail was lost
        body, who = body[:-1], who[:-1]
    if len(body) < 2:
        return None
    try:
        repaired = body.decode("gbk")
    except UnicodeDecodeError:
        return None
    if not _plausible(repaired):
        return None
    pos, offsets = 0, []
    for ch in repaired:
        offsets.append(who[pos])
        pos += len(ch.encode("gbk"))
    return end, repaired, offsets


def repair_mojibake(text: str, offsets: list[int]) -> tuple[str, list[int], int, bool]:
    """Return (text, offsets, repaired_runs, still_noisy); offsets keep pointing into the source."""
    out: list[str] = []
    out_offsets: list[int] = []
    repaired = 0
    i = 0
    while i < len(text):
        if text[i] == "?":
            run = _try_run(text, i)
            if run is not None:
                end, fixed, where = run
                out.append(fixed)
                out_offsets.extend(offsets[k] for k in where)
                repaired += 1
                if end < len(text) and text[end] == "?" and _try_run(text, end) is None:
                    end += 1  # the `?` closing a run is the lost last character, not punctuation
                i = end
                continue
        out.append(text[i])
        out_offsets.append(offsets[i])
        i += 1
    fixed_text = "".join(out)
    return fixed_text, out_offsets, repaired, bool(_NOISE_RE.search(fixed_text))
