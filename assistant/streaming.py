"""Ground a model's answer sentence by sentence while it is generated.

A streamed sentence can never be taken back, so a sentence is shown only once it is complete (more text
cannot change where it ends or which `[n]` markers follow it) and has passed the same grounding check
the final answer gets. `ground` judges each sentence on its own, so the grounded text of a complete
prefix is a prefix of the grounded text of the whole answer: what is shown is always the start of the
final answer's text, renumbered the same way.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Generator, Iterator

from assistant.citations import resolve_citations
from assistant.grounding import ground, split_with_markers
from assistant.llm import before_refusal
from ingestion.models import Paragraph

log = logging.getLogger(__name__)

# what may still follow a full stop and belong to its sentence: spaces, markers, a half-written marker
_OPEN_TAIL = re.compile(r"[ \t]*(?:\[\d{1,3}\])*(?:\[\d{0,3})?")


def complete_prefix(text: str) -> int:
    """Length of the longest prefix of `text` made of whole sentences that no continuation can change
    (the last sentence always waits: a marker or a newline may still follow its full stop)."""
    sentences = split_with_markers(text)
    pos = done = 0
    for sentence in sentences[:-1]:
        start = text.find(sentence, pos)
        if start < 0:  # cannot happen (sentences tile the text); be safe, show nothing more
            break
        end = start + len(sentence)
        if _OPEN_TAIL.fullmatch(text, end):  # only a possible tail follows: wait for more text
            break
        pos = done = end
    return done


class LiveAnswer:
    """Feed it the model's text piece by piece; it returns the newly shown (grounded) text each time.

    Nothing is shown before the first sentence that cites a source, so a reply that ends as a refusal
    (no citation survives grounding) shows nothing. Text from the model's refusal token on is ignored,
    exactly as `Assistant.ask` ignores it.
    """

    def __init__(self, sources: list[Paragraph]) -> None:
        self.sources = sources
        self.raw = ""  # the model's text so far, cut at the refusal token
        self.shown = ""  # the grounded text already handed out
        self.declined = False
        self._checked = 0  # length of the complete prefix last grounded

    def feed(self, piece: str) -> str:
        """Add model text; returns what can now be shown ("" if nothing yet)."""
        if self.declined:
            return ""
        self.raw, self.declined = before_refusal(self.raw + piece)
        if self.declined:  # nothing after the token is read, and the model can stop
            return ""
        end = complete_prefix(self.raw)
        if end <= self._checked:
            return ""
        self._checked = end
        return self._show(self.raw[:end])

    def finish(self) -> str:
        """The model has stopped: everything left is complete; returns what can now be shown."""
        return self._show(self.raw)

    def _show(self, text: str) -> str:
        grounded, citations, _dropped = resolve_citations(ground(text, self.sources).text, self.sources)
        if not citations or not grounded.startswith(self.shown):
            return ""  # nothing cited yet, or (never expected) a change to shown text: show nothing more
        delta = grounded[len(self.shown) :]
        self.shown = grounded
        return delta


def grounded_sentences(tokens: Iterator[str], sources: list[Paragraph]) -> Generator[str, None, LiveAnswer]:
    """Yield what becomes showable after each model token ("" when nothing does, so the consumer can
    stop between tokens); returns the LiveAnswer. Closing this generator closes `tokens`."""
    live = LiveAnswer(sources)
    t0 = time.perf_counter()
    first_token = first_shown = None
    count = 0
    try:
        for token in tokens:
            count += 1
            if token and first_token is None:
                first_token = time.perf_counter() - t0
            piece = live.feed(token)
            if piece and first_shown is None:
                first_shown = time.perf_counter() - t0
            yield piece
            if live.declined:  # nothing after the refusal token is read: stop the model
                break
    except GeneratorExit:
        log.info("model stream closed by its consumer after %d chunks", count)
        raise
    finally:
        close = getattr(tokens, "close", None)
        if close is not None:
            close()  # also when our consumer closed us: the model stops generating
    done = time.perf_counter() - t0
    if tail := live.finish():
        first_shown = first_shown or time.perf_counter() - t0
    log.info(
        "model stream: first text %s s, first sentence shown %s s, %d chunks in %.2f s",
        _secs(first_token), _secs(first_shown), count, done,
    )  # fmt: skip
    if tail:
        yield tail
    return live


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
