"""The assistant's vocabulary, loaded once from data/lexicon.toml: word lists and compiled patterns.

Every word or pattern the question analysis, the reader and the composer use lives in that one file, so
a change of vocabulary is a data change that shows in review, not a literal hidden in code.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ingestion import normalize_text

_FILE = Path(__file__).resolve().parent / "data" / "lexicon.toml"


@dataclass(frozen=True)
class Lexicon:
    question_words: frozenset[str]
    question_word_start: re.Pattern[str]  # 几所, 哪一年, 啥时候, 需不需要: asking words by how they start
    slots: dict[str, list[str]]  # slot -> terms, longest first (门诊统筹 before 门诊)
    slot_covers: dict[str, frozenset[str]]  # 城乡 -> {城市, 城镇, 农村}: values a value spans
    asks: list[tuple[str, re.Pattern[str]]]  # (figure kind, pattern), first match wins
    states: dict[str, re.Pattern[str]]  # figure kind -> pattern of a sentence stating one
    yes_no: re.Pattern[str]
    ask_each: re.Pattern[str]
    ask_one: re.Pattern[str]
    list_separators: re.Pattern[str]
    measure_heads: re.Pattern[str]
    subject_office: re.Pattern[str]
    negated_group: re.Pattern[str]
    group_negation: str  # pattern with <group>: the question says it is not that group
    per_unit_asked: re.Pattern[str]  # 每人, 每户, 人均: a per-unit figure is asked
    per_unit_stated: re.Pattern[str]  # 每, /, 人均: a sentence states a per-unit figure
    excluded_group: str  # pattern with <group>: a sentence names the group only to exclude it
    has_number: re.Pattern[str]
    asks_number: re.Pattern[str]
    how_much: re.Pattern[str]  # 多少, 几: a yes/no question with one also asks a number
    benefit_heads: frozenset[str]
    place_suffixes: str
    not_place_heads: frozenset[str]
    place_kinds: frozenset[str]  # 城中村, 山区, 城市: kinds of places, not names of one
    own_story: re.Pattern[str]  # a clause about the writer (我家…): its years are their story, not a scope
    function_chars: frozenset[str]  # 能 要 有…: a glued token holding one is a fragment, not a word
    narrative: re.Pattern[str]  # phrases with an asking word that narrate (前几天, 十几年): not asks

    def is_question_word(self, word: str) -> bool:
        """How people ask, not what they ask about: never a topic term, never missing evidence."""
        return word in self.question_words or bool(self.question_word_start.match(word))

    def asking_text(self, text: str) -> str:
        """`text` without its narrative phrases: where asking words are looked for."""
        return self.narrative.sub("", text)


@cache
def _data() -> dict[str, Any]:
    return tomllib.loads(_FILE.read_text(encoding="utf-8"))


def table(name: str) -> str:
    """A multi-line table of the lexicon (measures, reply_markers) for the module that parses it."""
    return str(_data()[name])


def fill(pattern: str, **parts: str) -> re.Pattern[str]:
    """A lexicon pattern compiled with each `<name>` in it replaced by the regex `parts[name]`: the one
    template mechanism (`<counter>` is filled at load time, `<group>` per asked group)."""
    for name, regex in parts.items():
        pattern = pattern.replace(f"<{name}>", regex)
    return re.compile(pattern)


def _with_counters(data: dict[str, Any]) -> Callable[[str], re.Pattern[str]]:
    """`re.compile` with `<counter>` standing for any counter word of the lexicon's `counters`."""
    counter = "(?:" + "|".join(data["counters"].split()) + ")"
    return lambda pattern: fill(pattern, counter=counter)


@cache
def lexicon() -> Lexicon:
    data = _data()
    compile_ = _with_counters(data)
    return Lexicon(
        question_words=frozenset(normalize_text(w) for w in data["question_words"].split()),
        question_word_start=re.compile(data["question_word_start"]),
        slots={k: sorted(v.split(), key=len, reverse=True) for k, v in data["slots"].items()},
        slot_covers={k: frozenset(v.split()) for k, v in data["slot_covers"].items()},
        asks=[(a["kind"], compile_(a["pattern"])) for a in data["asks"]],
        states={k: compile_(v) for k, v in data["states"].items()},
        yes_no=re.compile(data["yes_no"]),
        ask_each=re.compile(data["ask_each"]),
        ask_one=re.compile(data["ask_one"]),
        list_separators=re.compile(data["list_separators"]),
        measure_heads=re.compile(data["measure_heads"]),
        subject_office=re.compile(data["subject_office"]),
        negated_group=re.compile(data["negated_group"]),
        group_negation=data["group_negation"],
        per_unit_asked=re.compile(data["per_unit_asked"]),
        per_unit_stated=re.compile(data["per_unit_stated"]),
        excluded_group=data["excluded_group"],
        has_number=compile_(data["has_number"]),
        asks_number=re.compile(data["asks_number"]),
        how_much=re.compile(data["how_much"]),
        benefit_heads=frozenset(data["benefit_heads"].split()),
        place_suffixes=data["place_suffixes"],
        not_place_heads=frozenset(data["not_place_heads"].split()),
        place_kinds=frozenset(data["place_kinds"].split()),
        own_story=re.compile(data["own_story"]),
        function_chars=frozenset(data["function_chars"].split()),
        narrative=re.compile(
            "|".join(re.escape(w) for w in sorted(set(data["narrative"].split()), key=len, reverse=True))
        ),
    )
