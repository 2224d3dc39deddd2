"""Check every answer, from any backend, against the paragraphs it cites.

A sentence that states a figure must cite a paragraph that states the same figure for the same measure
(`assistant.figure_context`: a 体检率 does not ground a 管理率, a total not a per-household standard, a list
number or a date not a duration); a place it names must belong to the cited paragraph's scope; markers must
point at a numbered source; a paragraph quarantined at ingest as instruction-like (ingestion.injection)
grounds nothing. What can be repaired from the evidence (a figure cited to the wrong source) is re-cited;
what cannot is removed. A sentence quoted verbatim from a cited paragraph (the extractive
backend) states its figures exactly as the source does, so only the value check applies to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.figure_context import Figure, figures_in, supports
from assistant.numbers import extract_numbers, fold, iter_numbers
from ingestion import normalize_text
from ingestion.models import Paragraph
from ingestion.scope import extract_places

_MARKERS = re.compile(r"(?:\[\d{1,3}\])+")
_ONE = re.compile(r"\[(\d{1,3})\]")
# `《title》（place，year）：`, the scope label the extractive backend puts before a quoted figure
_SCOPE_LABEL = re.compile(r"^《[^》\n]*》(?:（[^）\n]*）)?：")
_TRAIL = "。；;，,、 "
_SENTENCE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]|\n|$)(?:[ \t]*(?:\[\d{1,3}\])+[。]?)?\n?")


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


def _is_quote(body: str, cited_texts: list[str]) -> bool:
    """The sentence (after an optional scope label) is a verbatim piece of a cited paragraph."""
    quote = fold(_SCOPE_LABEL.sub("", body.strip())).strip(_TRAIL)
    return len(quote) >= 4 and any(quote in fold(t) for t in cited_texts)


def _unsupported(body: str, nums: set[str], cited: list[int], sources: list[Paragraph]) -> list[Figure]:
    """The sentence's figures that no figure of the cited paragraphs backs (value, unit, measure, role);
    none when the sentence is a verbatim quote of one of them (read first: it is the extractive case)."""
    if _is_quote(body, [sources[n - 1].text for n in cited]):
        return []
    claims = [
        f for f in figures_in(body, claim=True) if f.value in nums
    ]  # cached, like the paragraphs' figures
    evidence = [c for n in cited for c in figures_in(sources[n - 1].text)]
    return [f for f in claims if not any(supports(c, f) for c in evidence)]


def ground(text: str, sources: list[Paragraph]) -> GroundingReport:
    """Keep sentences with valid markers, figures stated for the same measure in a cited paragraph, and
    places in its scope; re-cite a figure to the paragraph that states it; remove the rest, with reasons."""
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
            wrong = _unsupported(body, nums, cited, sources) if cited else []
            if not nums <= grounded or wrong:
                better = [
                    i + 1
                    for i, found in enumerate(numbers_of)
                    if found and nums <= found and not _unsupported(body, nums, [i + 1], sources)
                ]
                if not better:
                    missing = sorted(nums - grounded)
                    if missing:
                        reason = f"ungrounded number(s) {', '.join(missing)}"
                    else:
                        stated = ", ".join(f.describe() for f in wrong)
                        reason = f"number(s) stated for another measure, scope or kind: {stated}"
                    report.removed.append((raw, reason))
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
