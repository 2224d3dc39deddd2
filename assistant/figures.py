"""What kind of figure a question asks for, and whether a sentence states one of that kind."""

from __future__ import annotations

import re
from typing import Literal

from assistant.lexicon import lexicon

FigureKind = Literal["money", "ratio", "date", "count", "duration", "figure", "who", "procedure"]
NUMERIC_KINDS = ("money", "ratio", "date", "count", "duration", "figure")  # figure: a number, kind unsaid

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")


def wanted_figure(question: str) -> FigureKind | None:
    """The kind of figure a question asks for (lexicon `asks`, first match wins), or None."""
    for kind, pattern in lexicon().asks:
        if pattern.search(question):
            return kind  # type: ignore[return-value]
    return None


def states_figure(sentence: str, kind: FigureKind) -> bool:
    return bool(lexicon().states[kind].search(sentence))


def years_in(text: str) -> set[str]:
    return set(_YEAR.findall(text))
