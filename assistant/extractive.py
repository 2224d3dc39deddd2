"""The offline default backend: an answer made only of verbatim evidence sentences, each cited."""

from __future__ import annotations

from assistant.evidence import Evidence
from ingestion import normalize_text
from ingestion.models import Paragraph

_TRAILING = "。；;，,、 "


def compose_extractive(
    evidence: list[Evidence], min_score: float, max_sentences: int = 3, keep_ratio: float = 0.85
) -> tuple[str, list[Paragraph]] | None:
    """Best sentence plus close runners-up, marked `[n]`; None when the best is below `min_score`.

    Numbers can only come from the sentences themselves, so nothing is invented.
    """
    if not evidence or evidence[0].score < min_score:
        return None
    best = evidence[0].score
    chosen: list[Evidence] = []
    seen: set[str] = set()
    for e in evidence:
        if len(chosen) >= max_sentences or e.score < max(min_score, keep_ratio * best):
            break
        key = normalize_text(e.sentence)
        if key in seen or any(key in s or s in key for s in seen):
            continue
        seen.add(key)
        chosen.append(e)
    sources: list[Paragraph] = []
    lines: list[str] = []
    for e in chosen:
        if e.paragraph not in sources:
            sources.append(e.paragraph)
        n = sources.index(e.paragraph) + 1
        lines.append(f"{e.sentence.rstrip(_TRAILING)}[{n}]。")
    return "\n".join(lines), sources
