"""A llama.cpp chat model (any GGUF file) behind LangChain's BaseChatModel, for offline county servers."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from assistant.errors import ModelUnavailableError

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class LlamaCppChat(BaseChatModel):
    """Greedy generation with llama-cpp-python; the model loads on first use and is shared by threads."""

    model_path: str
    n_ctx: int = 4096
    n_threads: int = 2
    max_tokens: int = 256
    _llama: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def _load(self) -> Any:
        if self._llama is None:
            if not os.path.isfile(self.model_path):
                raise ModelUnavailableError(f"找不到本地模型文件：{self.model_path}")
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise ModelUnavailableError("本地模型后端需要安装 llama-cpp-python") from exc
            self._llama = Llama(
                model_path=self.model_path,
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                seed=0,
                verbose=False,
            )
        return self._llama

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._lock:  # one llama context is not safe for concurrent decoding
            llama = self._load()
            out = llama.create_chat_completion(
                messages=_chat(messages), temperature=0.0, top_k=1, max_tokens=self.max_tokens, stop=stop
            )
        text = out["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """The same greedy decoding, token by token; closing the stream stops decoding and frees the
        context for the next request."""
        with self._lock:
            llama = self._load()
            parts = llama.create_chat_completion(
                messages=_chat(messages),
                temperature=0.0,
                top_k=1,
                max_tokens=self.max_tokens,
                stop=stop,
                stream=True,
            )
            try:
                for part in parts:
                    text = part["choices"][0]["delta"].get("content") or ""
                    if text:  # BaseChatModel.stream reports each chunk to the callbacks itself
                        yield ChatGenerationChunk(message=AIMessageChunk(content=text))
            finally:
                parts.close()


def _chat(messages: list[BaseMessage]) -> list[dict[str, str]]:
    return [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
