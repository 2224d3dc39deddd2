"""Wire format of the JSON API, kept separate from the assistant's dataclasses.

The dataclasses in `assistant.models` may grow (e.g. `hits`); these models pin what the
browser sees, and validate input before it reaches the (slow) assistant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from assistant.models import Answer, Citation, ParagraphContext, Turn
from web.text import clean_text

if TYPE_CHECKING:
    from web.titles import Titles

MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 20
MAX_TURN_CHARS = 8000
MAX_PLACE_CHARS = 40

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
    place: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_PLACE_CHARS)] | None = (
        Field(default=None, description="The county or town the user works in; answers prefer its figures.")
    )


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
    document_title: str = Field(default="", description="The document's title (derived or set by the admin).")
    article: str = Field(default="", description="The article's own title inside the document, if any.")
    location: str = Field(default="", description="文件标题 › 篇名 › 章节, what the page shows.")

    @classmethod
    def from_citation(cls, c: Citation, titles: Titles | None = None) -> CitationOut:
        where = _place(titles, c.source_file, c.paragraph_id, c.article_title, c.heading_path)
        return cls(
            **where,
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
        default_factory=list,
        description="For refusals and a reply draft's declined parts: the closest paragraphs (not support"
        " for a claim, never part of the draft).",
    )
    reason: str | None = Field(None, description="For refusals: why the documents do not answer, in Chinese.")

    @classmethod
    def from_answer(cls, answer: Answer, asked: str, titles: Titles | None = None) -> AskResponse:
        return cls(
            answer=answer.text,
            refused=answer.refused,
            question=answer.question or asked,
            citations=[CitationOut.from_citation(c, titles) for c in answer.citations],
            related=[CitationOut.from_citation(c, titles) for c in answer.related],
            reason=answer.notes[0] if answer.refused and answer.notes else None,
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
    document_title: str = ""
    article: str = ""
    location: str = ""

    @classmethod
    def from_context(cls, p: ParagraphContext, titles: Titles | None = None) -> ParagraphOut:
        return cls(
            **_place(titles, p.source_file, p.paragraph_id, p.article_title, p.heading_path),
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


def _place(
    titles: Titles | None, source_file: str, paragraph_id: str, article_title: str, path: tuple[str, ...]
) -> dict[str, str]:
    """document_title / article / location for a paragraph; without titles, the raw ones."""
    if titles is None:
        from web.titles import Titles

        titles = Titles()
    where = titles.place(source_file, paragraph_id, article_title, path)
    return {"document_title": where.document_title, "article": where.article, "location": where.location}


class ErrorOut(BaseModel):
    """Every error body: a Chinese message the page can show as is."""

    detail: str
