"""Wire format of the JSON API, kept separate from the assistant's dataclasses.

The dataclasses in `assistant.models` may grow (e.g. `hits`); these models pin what the
browser sees, and validate input before it reaches the (slow) assistant.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from assistant.models import Answer, Citation, ParagraphContext, Turn
from web.text import clean_text

MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 20
MAX_TURN_CHARS = 8000

Question = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUESTION_CHARS),
    AfterValidator(clean_text),
]


class TurnIn(BaseModel):
    """One earlier message the browser sends back as context for follow-up questions."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: Annotated[str, StringConstraints(max_length=MAX_TURN_CHARS), AfterValidator(clean_text)]

    def to_turn(self) -> Turn:
        return Turn(role=self.role, content=self.content)


class AskRequest(BaseModel):
    """Body of `POST /api/ask` (and its streaming and reply variants); mode="reply" drafts a reply."""

    model_config = ConfigDict(extra="forbid")

    question: Question
    history: list[TurnIn] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS)
    mode: Literal["chat", "reply"] = "chat"


class CitationOut(BaseModel):
    """What a `[n]` marker in the answer points to."""

    n: int
    paragraph_id: str
    source_file: str
    article_title: str
    heading_path: list[str]
    text: str
    start: int
    end: int

    @classmethod
    def from_citation(cls, c: Citation) -> CitationOut:
        return cls(
            n=c.n,
            paragraph_id=c.paragraph_id,
            source_file=c.source_file,
            article_title=c.article_title,
            heading_path=list(c.heading_path),
            text=c.text,
            start=c.start,
            end=c.end,
        )


class AskResponse(BaseModel):
    """Answer text (with `[n]` markers) or a refusal, plus the citations."""

    answer: str
    refused: bool
    question: str
    citations: list[CitationOut]
    related: list[CitationOut] = Field(
        default_factory=list, description="For refusals: the closest paragraphs (not support for a claim)."
    )

    @classmethod
    def from_answer(cls, answer: Answer, asked: str) -> AskResponse:
        return cls(
            answer=answer.text,
            refused=answer.refused,
            question=answer.question or asked,
            citations=[CitationOut.from_citation(c) for c in answer.citations],
            related=[CitationOut.from_citation(c) for c in answer.related],
        )


class NeighbourOut(BaseModel):
    """A paragraph shown around the cited one."""

    paragraph_id: str
    text: str


class ParagraphOut(BaseModel):
    """Body of `GET /api/paragraphs/{paragraph_id}`: the paragraph and its neighbours."""

    paragraph_id: str
    source_file: str
    article_title: str
    heading_path: list[str]
    text: str
    start: int
    end: int
    before: list[NeighbourOut]
    after: list[NeighbourOut]

    @classmethod
    def from_context(cls, p: ParagraphContext) -> ParagraphOut:
        return cls(
            paragraph_id=p.paragraph_id,
            source_file=p.source_file,
            article_title=p.article_title,
            heading_path=list(p.heading_path),
            text=p.text,
            start=p.start,
            end=p.end,
            before=[NeighbourOut(paragraph_id=i, text=t) for i, t in p.before],
            after=[NeighbourOut(paragraph_id=i, text=t) for i, t in p.after],
        )


class ErrorOut(BaseModel):
    """Every error body: a Chinese message the page can show as is."""

    detail: str
