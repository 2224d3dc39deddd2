"""Check every answer, from any backend, against the paragraphs it cites.

A sentence that states a figure must cite a paragraph containing that figure; a place it names must
belong to the cited paragraph's scope; markers must point at a numbered source; a paragraph
quarantined at ingest as instruction-like (ingestion.injection) grounds nothing. What can be repaired
from the evidence (a figure cited to the wrong source) is re-cited; what cannot is removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.numbers import extract_numbers, iter_numbers
from ingestion import normalize_text
from ingestion.models import Paragraph
from ingestion.scope import extract_places

_MARKERS = re.compile(r"(?:\[\d{1,3}\])+")
_ONE = re.compile(r"\[(\d{1,3})\]")
_SENTENCE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]|\n|$)(?:[ \t]*(?:\[\d{1,3}\])+[。]?)?\n?")
_NOT_PLACE_TAIL = (
    "城乡",
    "农村",
    "城市",
    "社区",
    "贫困村",
    "行政村",
    "全县",
    "全市",
    "全区",
    "本县",
    "我县",
    "全省",
)


@dataclass
class GroundingReport:
    """What the checker did: kept text plus every removal and repair, with reasons (for logs and evals)."""

    text: str
    removed: list[tuple[str, str]] = field(default_factory=list)  # (sentence, reason)
    repaired: list[tuple[str, str]] = field(default_factory=list)  # (sentence, what changed)
    flagged: list[tuple[str, str]] = field(default_factory=list)  # kept, but uncited prose


def split_with_markers(text: str) -> list[str]:
    """Sentences, each keeping the `[n]` markers that follow it (before or after its full stop)."""
    return [s for s in (m.group(0) for m in _SENTENCE.finditer(text)) if s.strip()]


def places_in(text: str) -> set[str]:
    """Place names (…县, …市, …村委会, …卫生院) a text states, by the ingestion scope extractor."""
    return set(extract_places(normalize_text(text)))


def _scope_text(p: Paragraph) -> str:
    places = " ".join(p.places)
    return normalize_text(" ".join([p.text, p.article_title, *p.heading_path, places]))


def ground(text: str, sources: list[Paragraph]) -> GroundingReport:
    """Keep sentences with valid markers, figures found in a cited paragraph and places in its scope."""
    report = GroundingReport(text="")
    tainted = {i + 1 for i, p in enumerate(sources) if p.quarantine}  # flagged at ingest (injection)
    numbers_of = [set() if i + 1 in tainted else extract_numbers(p.text) for i, p in enumerate(sources)]
    kept: list[str] = []
    for raw in split_with_markers(text):
        body = _MARKERS.sub("", raw).strip()
        if not body.strip("。；;，, "):
            continue
        cited = [int(n) for n in _ONE.findall(raw) if 1 <= int(n) <= len(sources) and int(n) not in tainted]
        nums = set(iter_numbers(body))
        if nums:
            grounded = set().union(*(numbers_of[n - 1] for n in cited)) if cited else set()
            if not nums <= grounded:
                better = [i + 1 for i, found in enumerate(numbers_of) if found and nums <= found]
                if not better:
                    missing = sorted(nums - grounded)
                    report.removed.append((raw, f"ungrounded number(s) {', '.join(missing)}"))
                    continue
                cited = better[:1]
                report.repaired.append((raw, f"re-cited to [{cited[0]}]"))
        elif not cited:
            report.flagged.append((raw, "no citation"))
            kept.append(raw)
            continue
        if not cited:
            report.removed.append((raw, "no valid citation"))
            continue
        scopes = [_scope_text(sources[n - 1]) for n in cited]
        foreign = {p for p in places_in(body) if not any(p in scope for scope in scopes)}
        if foreign:
            report.removed.append((raw, f"place(s) not in cited scope: {', '.join(sorted(foreign))}"))
            continue
        marks = "".join(f"[{n}]" for n in dict.fromkeys(cited))
        end = "\n" if raw.endswith("\n") else ""
        kept.append(f"{body.rstrip('。；;，, ')}{marks}。{end}")
    report.text = "".join(kept).strip()
    return report
