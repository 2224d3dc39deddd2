"""The gold set: loading `dev.jsonl`-style files and locating each answer's source span.

Spans are found with `str.find` in the original file text (as the README prescribes), so they are in
the same coordinates as `Chunk.start/end` and `Citation.start/end`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

UNANSWERABLE = "unanswerable"


class GoldError(ValueError):
    """A gold file or a gold case that cannot be used; the message names the file and line/case."""


class Span(NamedTuple):
    """A character span `[start, end)` in the original text of one corpus file."""

    source_file: str
    start: int
    end: int


class AltSource(BaseModel):
    """Another place in the corpus that states the same answer."""

    model_config = ConfigDict(extra="allow")

    source_file: str
    source_quote: str = Field(min_length=1)


class GoldCase(BaseModel):
    """One gold question; unknown extra fields are kept, so the gold format can grow."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    type: str = Field(min_length=1)
    answer: str = ""
    must_include: list[str] = Field(default_factory=list)
    source_file: str | None = None
    source_quote: str | None = None
    alt_sources: list[AltSource] = Field(default_factory=list)
    # Letters (letters.jsonl): where a second asked question is answered; counts like an alternative.
    extra_sources: list[AltSource] = Field(default_factory=list)
    # "reply": the question is a citizen's whole letter and is run through reply mode.
    mode: Literal["chat", "reply"] = "chat"

    @model_validator(mode="after")
    def _answerable_needs_source(self) -> GoldCase:
        if self.answerable and not (self.source_file and self.source_quote):
            raise ValueError("an answerable case needs source_file and a non-empty source_quote")
        return self

    @property
    def answerable(self) -> bool:
        """Every type but `unanswerable` has an answer in the corpus."""
        return self.type != UNANSWERABLE

    def sources(self) -> list[tuple[str, str]]:
        """(source_file, source_quote) of the main source, then of each alternative and extra source."""
        out: list[tuple[str, str]] = []
        if self.source_file and self.source_quote:
            out.append((self.source_file, self.source_quote))
        out.extend((alt.source_file, alt.source_quote) for alt in [*self.alt_sources, *self.extra_sources])
        return out


def load_gold(path: Path | str) -> list[GoldCase]:
    """Parse a JSONL gold file; blank lines are skipped, anything else malformed is a `GoldError`."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(f"{path}: cannot read gold file: {exc}") from exc
    cases: list[GoldCase] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldError(f"{path}:{lineno}: invalid JSON: {exc.msg} (column {exc.colno})") from exc
        if not isinstance(data, dict):
            raise GoldError(f"{path}:{lineno}: expected a JSON object, got {type(data).__name__}")
        try:
            case = GoldCase.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'case'}: {err['msg']}" for err in exc.errors()
            )
            raise GoldError(
                f"{path}:{lineno}: invalid gold case {data.get('id', '?')!r}: {problems}"
            ) from exc
        if case.id in seen:
            raise GoldError(f"{path}:{lineno}: duplicate id {case.id!r} (first on line {seen[case.id]})")
        seen[case.id] = lineno
        cases.append(case)
    return cases


@lru_cache(maxsize=64)
def _read_source(path: str) -> str:
    """Corpus files are read once per run; offsets are into this decoded text."""
    return Path(path).read_text(encoding="utf-8")


def resolve_spans(case: GoldCase, corpus_dir: Path | str) -> list[Span]:
    """Spans of the main and alternative source quotes; a missing file or quote is a `GoldError`."""
    spans: list[Span] = []
    for source_file, quote in case.sources():
        path = Path(corpus_dir) / source_file
        try:
            text = _read_source(str(path.resolve()))
        except (OSError, UnicodeDecodeError) as exc:
            raise GoldError(f"case {case.id}: cannot read source file {path}: {exc}") from exc
        start = text.find(quote)
        if start < 0:
            raise GoldError(f"case {case.id}: source_quote not found in {source_file}: {quote[:60]!r}")
        spans.append(Span(source_file, start, start + len(quote)))
    return spans
