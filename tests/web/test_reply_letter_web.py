"""`/api/reply` with the real assistant (hashing embedder): a two-question letter comes back as one draft
whose `[n]` markers and citations agree, and the .docx export takes that draft's sources."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from docx import Document
from fastapi.testclient import TestClient

from assistant.settings import Settings
from web.app import create_app

LETTER = (
    "尊敬的县医保局领导：您好！我家是建档立卡贫困户，父亲今年住院了。"
    "请问贫困人口住院合规费用自付比例不超过多少？另外，家庭医生签约服务有没有免费体检？谢谢！"
)


@pytest.fixture
def client(hashing_assistant) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(create_app(Settings(rate_limit_per_minute=0), assistant=hashing_assistant)) as c:
        yield c


def test_two_question_letter_drafts_one_reply_with_merged_citations(client: TestClient) -> None:
    data = client.post("/api/reply", json={"question": LETTER}).json()
    assert data["answer"].startswith("尊敬的来信人：")
    assert "一、关于" in data["answer"] and "二、关于" in data["answer"]
    numbers = [c["n"] for c in data["citations"]]
    assert numbers == list(range(1, len(numbers) + 1))
    assert {int(n) for n in re.findall(r"\[(\d+)\]", data["answer"])} == set(numbers)
    assert data["refused"] is (not numbers)
    docx = client.post(
        "/api/reply/docx",
        json={
            "text": data["answer"],
            "citations": [{"n": c["n"], "paragraph_id": c["paragraph_id"]} for c in data["citations"]],
        },
    )
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert all(f"[{n}]" in text for n in numbers)


OUT_OF_SCOPE_PART = (
    "尊敬的县医保局领导：您好！我家是建档立卡贫困户，父亲今年住院了。"
    "请问贫困人口住院合规费用自付比例不超过多少？另外，商业补充医疗保险惠民保怎么买？谢谢！"
)


def test_a_declined_part_comes_with_its_closest_paragraph_beside_the_draft(client: TestClient) -> None:
    data = client.post("/api/reply", json={"question": OUT_OF_SCOPE_PART}).json()
    second = data["answer"].split("二、关于")[1]
    assert "未找到可以直接答复" in second and not re.search(r"\[\d+\]", second)
    assert data["related"], "the official gets the closest paragraph of the declined part"
    assert [r["n"] for r in data["related"]] == list(range(1, len(data["related"]) + 1))
    for r in data["related"]:
        assert r["text"] not in data["answer"]  # beside the draft, never in it
        assert client.get(f"/api/paragraphs/{r['paragraph_id']}").status_code == 200
