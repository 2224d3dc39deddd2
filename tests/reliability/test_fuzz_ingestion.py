"""Hypothesis fuzzing of the ingestion entry points: any bytes or text give records or a DocumentError."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion import DocumentError, SourceDocument, chunk_paragraphs, load_document, parse_document

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
SUFFIXES = [".txt", ".md", ".html", ".docx", ".pdf"]
POLICY_CHARS = st.sampled_from(
    list("一二三四五、（）()1234567890%．.。，；：\n\t 贫困人口住院报销比例县乡村第条款章ＡＢ元")
)
policy_text = st.lists(st.one_of(POLICY_CHARS, st.characters()), max_size=400).map("".join)


@FUZZ
@given(raw=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES))
def test_load_document_never_raises_anything_but_document_error(raw: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(raw)
        try:
            doc = load_document(path, Path(tmp))
        except DocumentError as exc:
            assert exc.reason
            return
        assert doc.text.strip() and len(doc.sha256) == 64


@FUZZ
@given(prefix=st.binary(max_size=64), body=st.binary(max_size=2048))
def test_docx_like_archives(prefix: bytes, body: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.docx"
        path.write_bytes(b"PK\x03\x04" + prefix + body)
        try:
            load_document(path, Path(tmp))
        except DocumentError as exc:
            assert exc.reason


@FUZZ
@given(text=policy_text, max_tokens=st.integers(min_value=8, max_value=300))
def test_parse_and_chunk_keep_exact_offsets(text: str, max_tokens: int) -> None:
    doc = SourceDocument("fuzz.txt", text, "utf-8", "0" * 64)
    paragraphs = parse_document(doc)
    for p in paragraphs:
        assert text[p.start : p.end] == p.original
    chunks = chunk_paragraphs(paragraphs, max_tokens=max_tokens)
    ids = {p.id for p in paragraphs}
    for c in chunks:
        assert set(c.paragraph_ids) <= ids and 0 <= c.start <= c.end <= len(text)
    assert len({c.id for c in chunks}) == len(chunks)
