"""Checks of what one corpus sentence says, for the reader's features: a character-pair share, a word
next to a figure, a group named only to be excluded, the measures of a head, a place of the paragraph."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.lexicon import fill, lexicon
from ingestion.models import Paragraph


def share(bigrams: frozenset[str], text: str) -> float:
    """The share of the question's character pairs found in the text (robust to colloquial wording)."""
    return sum(b in text for b in bigrams) / len(bigrams) if bigrams else 0.0


def near_number(s: str, word: str, window: int = 10) -> bool:
    """The word sits within a few characters of a number (床位 in "床位120张")."""
    i = s.find(word)
    while i >= 0:
        if lexicon().has_number.search(s[max(0, i - window) : i + len(word) + window]):
            return True
        i = s.find(word, i + 1)
    return False


@lru_cache(maxsize=256)
def _exclusion(group: str) -> re.Pattern[str]:
    return fill(lexicon().excluded_group, group=re.escape(group))


def excludes(s: str, group: str) -> bool:
    """The sentence names the group only to exclude it (低保家庭以外的…, 除五保户外, 非四类人员)."""
    return bool(_exclusion(group).search(s))


def place_stem(place: str) -> str:
    """The place without its admin suffix (湖口县 -> 湖口), as documents often write it."""
    return place[:-1] if len(place) > 2 else place


def measures_in(s: str, head: str) -> list[str]:
    """Every measure of a head in the sentence, named like the question's (two characters + 率)."""
    out, i = [], s.find(head)
    while i >= 0:
        if i >= 2:
            out.append(s[i - 2 : i + len(head)])
        i = s.find(head, i + 1)
    return out


def names_any_place(s: str, p: Paragraph) -> bool:
    """The sentence names one of its paragraph's scope places (so it is about that place)."""
    return any(pl in s for pl in p.places)
