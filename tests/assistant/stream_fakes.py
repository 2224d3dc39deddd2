"""A scripted streaming chat model that records how far it was read, for the streaming tests."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

QUESTION = "贫困人口住院合规费用自付比不超过多少？"
GROUNDED = "贫困人口住院合规费用自付比不超过10%[{n}]。"
UNGROUNDED = "年度自付封顶线为9999元[{n}]。"  # 9999 is in no paragraph: grounding removes it
LATER = "个人自付部分由医疗救助兜底[{n}]。"


@dataclass
class Tape:
    """What the model did: tokens handed out, whether its stream was closed or ran to the end."""

    pulled: int = 0
    total: int = 0
    finished: bool = False
    closed: bool = False
    waited: list[bool] = field(default_factory=list)  # per wait: was the gate opened in time


def source_number(prompt: str, needle: str = "自付比不超10%") -> int:
    """The `[n]` of the numbered evidence block that states the figure (as a careful model would)."""
    blocks = dict(re.findall(r"\[(\d+)\] （出处：[^）]*）\n([^\n]*)", prompt))
    return int(next(k for k, text in blocks.items() if needle in text))


def tokens_of(text: str, size: int = 2) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


class ScriptedStreamChat(BaseChatModel):
    """Streams `script(prompt)` in two-character tokens; may wait on `gate` after `pause_after` tokens
    (a model still generating), sleep `delay` seconds per token and fail before token `fail_after`."""

    script: Callable[[str], str]
    tape: Any
    gate: Any = None
    pause_after: int = -1
    delay: float = 0.0
    fail_after: int = -1  # the model server fails before this token

    @property
    def _llm_type(self) -> str:
        return "scripted-stream"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(c.text for c in self._stream(messages))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        tokens = tokens_of(self.script(str(messages[-1].content)))
        self.tape.total = len(tokens)
        try:
            for i, token in enumerate(tokens):
                if i == self.fail_after:
                    raise ConnectionError("model server went away")
                if i == self.pause_after and isinstance(self.gate, threading.Event):
                    self.tape.waited.append(self.gate.wait(10))
                if self.delay:
                    time.sleep(self.delay)
                self.tape.pulled += 1
                yield ChatGenerationChunk(message=AIMessageChunk(content=token))
            self.tape.finished = True
        finally:
            self.tape.closed = True


def cited_answer(*sentences: str) -> Callable[[str], str]:
    """A script that cites, in every sentence, the block stating the self-pay ratio."""
    return lambda prompt: "".join(s.format(n=source_number(prompt)) for s in sentences)
