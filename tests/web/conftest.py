"""Fixtures for the web tests: a fake assistant with canned answers and a TestClient."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.errors import InvalidQuestionError
from assistant.models import Answer, Citation, ParagraphContext, Turn
from web.app import create_app

CITATION = Citation(
    n=1,
    paragraph_id="000_cea3e9765f7be3bd-p0007",
    source_file="000_cea3e9765f7be3bd.txt",
    article_title="健康扶贫工作简报",
    heading_path=("二、工作完成情况", "(一)继续实施了三重医疗保障政策"),
    text="建档立卡贫困人口住院费用实际报销比例达到90%。",
    start=120,
    end=145,
)

CONTEXT = ParagraphContext(
    paragraph_id=CITATION.paragraph_id,
    source_file=CITATION.source_file,
    article_title=CITATION.article_title,
    heading_path=CITATION.heading_path,
    text=CITATION.text,
    start=CITATION.start,
    end=CITATION.end,
    before=[("000_cea3e9765f7be3bd-p0006", "县卫健局贯彻各级脱贫攻坚工作总体部署。")],
    after=[("000_cea3e9765f7be3bd-p0008", "家庭医生签约服务全覆盖。")],
)

STATS = {
    "documents": 5,
    "paragraphs": 1234,
    "chunks": 900,
    "embedder": "use-multilingual-v3",
}


class FakeAssistant:
    """Implements `web.deps.AssistantLike` with canned data and records calls.

    Tests reach the canned data through the instance (`fake.citation`) rather than by
    importing this conftest, so they work under any pytest import mode.
    """

    citation = CITATION
    context = CONTEXT

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Turn] | None]] = []
        self.ask_error: Exception | None = None  # set to make `ask` raise
        self.modes: list[str] = []

    def ask(self, question: str, history: list[Turn] | None = None, mode: str = "chat") -> Answer:
        self.calls.append((question, history))
        self.modes.append(mode)
        if self.ask_error is not None:
            raise self.ask_error
        if question == "无关问题":
            return Answer(
                text="文档中没有找到答案。",
                refused=True,
                question=question,
                related=[CITATION],
                notes=["文件中没有提到问题里的地名：火星县"],
            )
        if question == "非法":
            raise InvalidQuestionError("问题包含无法处理的内容。")
        text = (
            "尊敬的来信人：\n经查，报销比例达到90%[1]。\n（答复单位）"
            if mode == "reply"
            else "报销比例达到90%[1]。"
        )
        return Answer(text=text, refused=False, citations=[CITATION], question=question)

    def stream(self, question: str, history: list[Turn] | None = None, mode: str = "chat") -> Iterator[Any]:
        answer = self.ask(question, history, mode)
        for piece in re.split(r"(?<=[。；\n])", answer.text):
            if piece:
                yield piece
        yield answer

    def paragraph(self, paragraph_id: str) -> ParagraphContext | None:
        return CONTEXT if paragraph_id == CONTEXT.paragraph_id else None

    def stats(self) -> dict[str, Any]:
        return dict(STATS)


@pytest.fixture
def fake() -> FakeAssistant:
    return FakeAssistant()


@pytest.fixture
def client(fake: FakeAssistant) -> Iterator[TestClient]:
    # raise_server_exceptions=False: we want to see the 500 body a browser would get.
    with TestClient(create_app(assistant=fake), raise_server_exceptions=False) as c:
        yield c
