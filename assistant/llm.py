"""LLM answer backend: any LangChain chat model (OpenAI-compatible by default) over quoted evidence."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel

from assistant.errors import ModelUnavailableError
from ingestion.models import Paragraph
from prompts import REFUSAL_TOKEN, answer_messages, render


def format_context(sources: list[Paragraph]) -> str:
    """Numbered evidence block; each source says where it comes from so the model can state the scope."""
    blocks = []
    for n, p in enumerate(sources, 1):
        where = " > ".join([p.article_title, *p.heading_path]).strip(" >")
        blocks.append(f"[{n}] （出处：{where}）\n{p.text}")
    return "\n\n".join(blocks)


def make_openai_chat(base_url: str, model: str, api_key: str, timeout: float = 60.0) -> BaseChatModel:
    """A ChatOpenAI client for vLLM, Ollama, DeepSeek, Qwen or any OpenAI-compatible server."""
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:  # pragma: no cover - depends on install
        raise ModelUnavailableError("openai 后端需要安装 langchain-openai") from exc
    return ChatOpenAI(
        base_url=base_url, model=model, api_key=api_key, temperature=0, timeout=timeout, max_retries=1
    )


class LLMAnswerer:
    """Asks the chat model, whole or streamed; returns its raw text with `[n]` markers."""

    def __init__(self, chat: BaseChatModel) -> None:
        self.chat = chat

    def condense(self, previous: str, follow_up: str) -> str | None:
        """LLM rewrite of a follow-up into a standalone question; None if the model gives nothing usable."""
        try:
            reply = self.chat.invoke([("user", render("condense", previous=previous, follow_up=follow_up))])
        except Exception:
            return None
        text = str(reply.content).strip().splitlines()[0].strip() if str(reply.content).strip() else ""
        return text if 2 <= len(text) <= 200 else None

    def answer(self, question: str, sources: list[Paragraph]) -> str:
        """The model's whole text with `[n]` markers over the numbered sources (a decline included:
        see `before_refusal`)."""
        messages: list[Any] = answer_messages(format_context(sources), question)
        try:
            reply = self.chat.invoke(messages)
        except ModelUnavailableError:
            raise
        except Exception as exc:
            raise ModelUnavailableError(f"语言模型服务调用失败：{type(exc).__name__}") from exc
        return reply.content if isinstance(reply.content, str) else str(reply.content)

    def stream_answer(self, question: str, sources: list[Paragraph]) -> Iterator[str]:
        """The model's text as it is generated; closing this iterator closes the model's stream,
        which stops generation (llama.cpp) or the HTTP response (OpenAI-compatible servers)."""
        messages: list[Any] = answer_messages(format_context(sources), question)
        chunks = iter(self.chat.stream(messages))
        try:
            while True:
                try:
                    chunk = next(chunks)
                except StopIteration:
                    return
                except ModelUnavailableError:
                    raise
                except Exception as exc:
                    raise ModelUnavailableError(f"语言模型服务调用失败：{type(exc).__name__}") from exc
                text = chunk.content if isinstance(chunk.content, str) else str(chunk.content)
                yield text
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()


def before_refusal(text: str) -> tuple[str, bool]:
    """(The model's text before its refusal token, whether it gave one). What precedes the token may
    already be on screen when streaming, so both paths keep it and the grounding check judges it."""
    head, token, _rest = text.partition(REFUSAL_TOKEN)
    return head, bool(token)
