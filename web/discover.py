"""What the documents can answer and where: starter questions and the places of the scope metadata.

Starter questions are made from the index, not written by hand: clauses that state a figure
(`…报销比例达到90%`) become "…是多少？", and a candidate is kept only when the assistant answers it from
a paragraph that holds that figure (with an LLM backend: when retrieval finds that figure, so that
no model calls are spent on it). They are computed once per loaded index, on first request.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from fastapi import APIRouter

from web.deps import AssistantDep

logger = logging.getLogger(__name__)

router = APIRouter()

STARTERS = 4
_CANDIDATES = 16  # at most this many answers are tried per index
_FIGURE_CLAUSE = re.compile(
    r"^(?P<subject>[\u4e00-\u9fff（）()]{6,22}?)"
    r"(?:实际)?(?:达到了?|不超过|不低于|提高到|提高至|降低到|降至|为|控制在|稳定在|保持在)"
    r"(?P<figure>\d+(?:\.\d+)?%)"
)
_WEAK_START = tuple("其并使将对在和但且我该此这各同与及以从由按经全")
_LEAD_VERB = re.compile(r"^(?:确保了?|力争|实现了?|其中|努力使)")
_CACHE: dict[int, tuple[Any, list[str]]] = {}
_LOCK = threading.Lock()


def figure_questions(paragraphs: list[Any]) -> list[tuple[str, str, str]]:
    """(question, figure, source_file) for clauses that state a percentage, one per subject, files
    interleaved so the first few come from different documents."""
    by_file: dict[str, list[tuple[str, str, str]]] = {}
    seen: set[str] = set()
    for p in paragraphs:
        if p.is_heading or p.noisy:
            continue
        for clause in re.split(r"[，,；;。：:！？!?\s]", p.search_text):
            m = _FIGURE_CLAUSE.match(clause)
            if not m:
                continue
            subject = _LEAD_VERB.sub("", m.group("subject"))
            if len(subject) < 6 or subject.startswith(_WEAK_START) or subject in seen:
                continue
            seen.add(subject)
            by_file.setdefault(p.source_file, []).append(
                (f"{subject}是多少？", m.group("figure"), p.source_file)
            )
    out: list[tuple[str, str, str]] = []
    queues = list(by_file.values())
    while any(queues):
        for q in queues:
            if q:
                out.append(q.pop(0))
    return out


def _answered(assistant: Any, question: str, figure: str) -> bool:
    """The offline answerer really answers it from the figure; with an LLM backend (where every ask
    costs a model call) retrieval must at least bring the figure to the top."""
    try:
        if getattr(assistant, "llm", None) is not None:
            hits = assistant.search(question, 3)
            return any(figure in hit.chunk.search_text for hit in hits)
        answer = assistant.ask(question)
    except Exception:  # a candidate that fails is simply not offered
        logger.debug("starter candidate failed: %s", question, exc_info=True)
        return False
    return not answer.refused and any(figure in c.text for c in answer.citations)


def starter_questions(assistant: Any, limit: int = STARTERS) -> list[str]:
    """Questions the loaded index answers (cached per index; [] for assistants without one)."""
    index = getattr(assistant, "index", None)
    if index is None:
        return []
    with _LOCK:
        cached = _CACHE.get(id(index))
        if cached is not None and cached[0] is index:
            return cached[1][:limit]
        found: list[str] = []
        for question, figure, _file in figure_questions(index.paragraphs)[:_CANDIDATES]:
            if _answered(assistant, question, figure):
                found.append(question)
            if len(found) >= limit:
                break
        if len(_CACHE) > 4:
            _CACHE.clear()
        _CACHE[id(index)] = (index, found)
        return found


@router.get("/api/starters")
def starters(assistant: AssistantDep) -> dict[str, list[str]]:
    """A few questions the documents answer, for an empty chat."""
    return {"questions": starter_questions(assistant)}


@router.get("/api/places")
def places(assistant: AssistantDep) -> dict[str, list[dict[str, Any]]]:
    """The places the documents' figures belong to (scope metadata), most covered first."""
    from assistant.place import known_places  # lazy: keep `import web.app` cheap

    names = known_places(getattr(assistant, "index", None))
    # Template placeholders (`XX村`) are scope metadata too, but nobody works there.
    return {"places": [{"name": name} for name in names if not re.search(r"[A-Za-z]", name)]}
