"""The user's own place (a county or town chosen once in the page) as a retrieval preference.

The question is asked as if it named the place, so the scope boost prefers that place's paragraphs;
the answer says which place it is for. When the documents have nothing for the place (no paragraph is
scoped to it, or the placed question finds nothing), the question is answered as asked and the answer
says so plainly. A question that already names a place of the corpus is left alone.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from assistant.followup import standalone_question
from assistant.models import Answer, Turn
from ingestion.scope import question_scope

_LOCK = threading.Lock()
_SCOPES: dict[int, tuple[Any, tuple[str, ...], dict[str, tuple[str, ...]]]] = {}


def _scopes(index: Any) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """(places most covered first, paragraph id -> places), computed once per loaded index."""
    if index is None:
        return (), {}
    with _LOCK:
        cached = _SCOPES.get(id(index))
        if cached is not None and cached[0] is index:
            return cached[1], cached[2]
    articles: dict[str, set[tuple[str, int]]] = {}
    by_id: dict[str, tuple[str, ...]] = {}
    for p in getattr(index, "paragraphs", ()):
        by_id[p.id] = tuple(p.places)
        for place in p.places:
            articles.setdefault(place, set()).add((p.source_file, p.article_index))
    ranked = tuple(sorted(articles, key=lambda pl: (-len(articles[pl]), pl)))
    with _LOCK:
        if len(_SCOPES) > 4:
            _SCOPES.clear()
        _SCOPES[id(index)] = (index, ranked, by_id)
    return ranked, by_id


def known_places(index: Any) -> tuple[str, ...]:
    """Every place some paragraph's figures belong to (the scope metadata), most covered first."""
    return _scopes(index)[0]


def ask_in_place(
    assistant: Any, question: str, history: list[Turn] | None, place: str | None, mode: str = "chat"
) -> Answer:
    """`assistant.ask`, preferring `place`'s figures and saying so; see the module docstring."""
    place = (place or "").strip()
    if not place or mode != "chat":
        return assistant.ask(question, history=history, mode=mode)
    known, places_of = _scopes(getattr(assistant, "index", None))
    named, _years = question_scope(question, known)
    if named:  # the question names a place itself: that one wins
        return assistant.ask(question, history=history, mode=mode)
    if place in known:
        standalone = standalone_question(question, history)
        placed = assistant.ask(f"{place}{standalone}", history=None, mode=mode)
        if not placed.refused and any(place in places_of.get(c.paragraph_id, ()) for c in placed.citations):
            return replace(placed, text=f"（以下按{place}的文件回答）\n{placed.text}")
    answer = assistant.ask(question, history=history, mode=mode)
    note = f"（文档中没有{place}的相关内容，以下回答来自其他地区的文件，请注意核对适用范围。）"
    if answer.refused:
        note = f"（文档中没有{place}的相关内容。）"
    return replace(answer, text=f"{note}\n{answer.text}")
