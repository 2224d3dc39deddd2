"""Streamed LLM answers: each sentence grounded before it is shown, nothing shown is ever taken back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from assistant.core import Assistant
from assistant.llm import LLMAnswerer
from assistant.local_llm import LlamaCppChat
from assistant.models import Answer
from assistant.streaming import complete_prefix
from tests.assistant.stream_fakes import (
    GROUNDED,
    LATER,
    QUESTION,
    UNGROUNDED,
    ScriptedStreamChat,
    Tape,
    cited_answer,
)

SHOWN_FIRST = GROUNDED.format(n=1)


def llm_assistant(base: Assistant, script: Callable[[str], str], **kw: Any) -> tuple[Assistant, Tape]:
    tape = Tape()
    chat = ScriptedStreamChat(script=script, tape=tape, **kw)
    return Assistant(base.index, base.embedder, llm=LLMAnswerer(chat), reader_threshold=0.0), tape


def run(stream: Iterator[str | Answer]) -> tuple[list[str], Answer]:
    items = list(stream)
    final = items[-1]
    assert isinstance(final, Answer)
    return [p for p in items[:-1] if isinstance(p, str) and p], final


def test_a_sentence_with_an_ungrounded_number_is_never_shown(hashing_assistant: Assistant) -> None:
    script = cited_answer(GROUNDED, UNGROUNDED, LATER)
    a, _tape = llm_assistant(hashing_assistant, script)
    shown, final = run(a.stream(QUESTION))
    assert shown[0] == SHOWN_FIRST
    assert not any("9999" in piece for piece in shown)
    assert "".join(shown) == final.text == SHOWN_FIRST + LATER.format(n=1)
    assert not final.refused and "自付比不超10%" in final.citations[0].text
    assert any("9999" in note for note in final.notes)
    ask, _ = llm_assistant(hashing_assistant, script)
    assert ask.ask(QUESTION).text == final.text  # the final answer is what `ask` gives for that output


def test_the_first_sentence_is_shown_while_the_model_is_still_writing(hashing_assistant: Assistant) -> None:
    a, tape = llm_assistant(hashing_assistant, cited_answer(GROUNDED, UNGROUNDED, LATER))
    assert next(p for p in a.stream(QUESTION) if p) == SHOWN_FIRST
    assert not tape.finished and tape.pulled < tape.total / 2


def test_closing_the_stream_stops_the_model(hashing_assistant: Assistant) -> None:
    a, tape = llm_assistant(hashing_assistant, cited_answer(GROUNDED, *[LATER] * 20))
    stream = a.stream(QUESTION)
    assert next(p for p in stream if p) == SHOWN_FIRST
    stream.close()
    assert tape.closed and not tape.finished
    assert tape.pulled < 20 < tape.total


def test_uncited_prose_and_a_decline_show_nothing(hashing_assistant: Assistant) -> None:
    a, tape = llm_assistant(hashing_assistant, lambda _prompt: "根据资料无法确定。NO_ANSWER" + "。" * 50)
    shown, final = run(a.stream(QUESTION))
    assert shown == [] and final.refused and final.notes == ["模型没有给出有依据的回答"]
    assert tape.closed and not tape.finished  # nothing after the refusal token is read


def test_a_decline_after_a_shown_sentence_keeps_that_sentence(hashing_assistant: Assistant) -> None:
    script = cited_answer(GROUNDED, "NO_ANSWER")
    a, _tape = llm_assistant(hashing_assistant, script)
    shown, final = run(a.stream(QUESTION))
    assert "".join(shown) == final.text == SHOWN_FIRST
    assert llm_assistant(hashing_assistant, script)[0].ask(QUESTION).text == SHOWN_FIRST


def test_extractive_stream_is_the_answer_cut_at_full_stops(hashing_assistant: Assistant) -> None:
    shown, final = run(hashing_assistant.stream(QUESTION))
    assert "".join(shown) == final.text == hashing_assistant.ask(QUESTION).text
    assert all(p.endswith(("。", "；", "\n")) for p in shown[:-1])


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        ("甲10%[1]。乙", "甲10%[1]。"),
        ("甲10%[1]。", ""),  # a marker may still follow
        ("甲10%。[1]乙", "甲10%。[1]"),
        ("甲10%。 [1][2", ""),
        ("甲。\n乙", "甲。\n"),
        ("\n甲[1]。乙[2]。丙", "\n甲[1]。乙[2]。"),
    ],
)
def test_complete_prefix_waits_for_the_markers_after_a_full_stop(text: str, complete: str) -> None:
    assert text[: complete_prefix(text)] == complete


class _FakeLlama:
    """llama-cpp-python's streaming chat completion, one token per chunk."""

    def __init__(self) -> None:
        self.closed = False

    def create_chat_completion(self, **kw: Any) -> Iterator[dict[str, Any]]:
        assert kw["stream"] is True and kw["temperature"] == 0.0
        try:
            yield {"choices": [{"delta": {"role": "assistant"}}]}
            for token in ["自付", "比不超", "10%", "[1]", "。"] * 10:
                yield {"choices": [{"delta": {"content": token}}]}
        finally:
            self.closed = True


def test_llama_cpp_streams_tokens_and_frees_its_context_when_closed() -> None:
    chat = LlamaCppChat(model_path="unused.gguf")
    fake = _FakeLlama()
    chat._llama = fake
    stream = chat.stream("你好")
    assert [next(stream).content for _ in range(3)] == ["自付", "比不超", "10%"]
    stream.close()
    assert fake.closed
    assert chat._lock.acquire(blocking=False)  # the next request can use the model
    chat._lock.release()
