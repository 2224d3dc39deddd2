"""What kind of figure a question asks for, and whether a sentence states one of that kind."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from assistant.lexicon import lexicon

FigureKind = Literal["money", "ratio", "date", "count", "duration", "figure", "who", "procedure"]
NUMERIC_KINDS = ("money", "ratio", "date", "count", "duration", "figure")  # figure: a number, kind unsaid

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
# A date written with dots, dashes or slashes (2016.01.01, 2016-9-12): its year is stated too.
_DATED = re.compile(
    r"(?<![\d.])((?:19|20)\d{2})[./-](?:0?[1-9]|1[0-2])(?:[./-](?:0?[1-9]|[12]\d|3[01]))?(?!\d)"
)
# A span of years (2016-2019年, 2017至2019年): every year in it.
_SPAN = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-—–~～至到]\s*((?:19|20)\d{2})\s*年")


def wanted_figure(question: str) -> FigureKind | None:
    """The kind of figure a question asks for (lexicon `asks`, first match wins), or None."""
    for kind, pattern in lexicon().asks:
        if pattern.search(question):
            return kind  # type: ignore[return-value]
    return None


def states_figure(sentence: str, kind: FigureKind) -> bool:
    return bool(lexicon().states[kind].search(sentence))


PER_UNIT_KINDS = ("money", "figure")  # an amount can be per person or a total; a ratio or a date cannot


def states_per_unit(sentence: str) -> bool:
    """The sentence words a figure per person, household or case (每人, 元/亩, 人均, 户均)."""
    return bool(lexicon().per_unit_stated.search(sentence))


_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def only_given_figures(sentence: str, given: tuple[str, ...]) -> bool:
    """Every number the sentence writes in digits is one the question states itself ("具体是哪21种？" and
    "开展了21种大病…救治"): it adds no figure. A sentence without digits is not judged here."""
    asked = {n for g in given for n in _DIGITS.findall(g)}
    stated = set(_DIGITS.findall(sentence))
    return bool(asked) and bool(stated) and stated <= asked


@lru_cache(maxsize=1 << 14)
def years_in(text: str) -> frozenset[str]:
    """Years a text states: 2019年, the year of a written date (2016.09.12) and each year of a span.
    Cached: the reader asks it of every candidate sentence, alone and after its paragraph's opening."""
    years = set(_YEAR.findall(text)) | set(_DATED.findall(text))
    for a, b in _SPAN.findall(text):
        if 0 < int(b) - int(a) <= 10:
            years.update(str(y) for y in range(int(a), int(b) + 1))
    return frozenset(years)
