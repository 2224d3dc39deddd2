"""One small document, a paragraph and a chunk per text, for index tests that need exact offsets."""

from __future__ import annotations

from ingestion.models import Chunk, Paragraph, SourceDocument


def one_document(
    texts: list[str], headings: tuple[str, ...] = ()
) -> tuple[list[SourceDocument], list[Paragraph], list[Chunk]]:
    doc_text = "\n".join(texts)
    doc = SourceDocument("a.txt", doc_text, "utf-8", "f" * 64)
    paras, chunks, pos = [], [], 0
    for i, t in enumerate(texts):
        start = doc_text.index(t, pos)
        pos = start + len(t)
        p = Paragraph(f"a-p{i:04d}", "a.txt", 0, "标题", headings, start, pos, t, t, t, i)
        paras.append(p)
        chunks.append(Chunk(f"{p.id}-c0", "a.txt", "标题", headings, (p.id,), start, pos, t, t, 20))
    return [doc], paras, chunks
