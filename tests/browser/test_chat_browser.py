"""The chat view in a real browser: streamed answer, citation panel, copy, feedback, reload, phone width."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.slow]

QUESTION = "贫困人口住院合规费用自付比不超过多少？"


def ask(page: Any, question: str) -> Any:
    """Type a question, press Enter, and return the rendered answer bubble (after the stream ends)."""
    page.fill("#question", question)
    with page.expect_response("**/api/ask/stream") as response:
        page.press("#question", "Enter")
    assert response.value.headers["content-type"].startswith("text/event-stream")
    answer = page.locator(".msg.assistant:not(.loading):not(.streaming) .answer-text").last
    answer.wait_for()
    return answer


def test_streamed_answer_with_citation_panel(
    page: Any, live_server: Any, shots: Any, admin_token: str
) -> None:
    # What the API answers (the answer's wording is the assistant's business; the page must show it).
    expected = httpx.post(f"{live_server.url}/api/ask", json={"question": QUESTION}, timeout=60).json()
    page.goto(live_server.url + "/")
    answer = ask(page, QUESTION)
    assert answer.inner_text() == expected["answer"]
    if not expected["refused"]:
        assert "10%" in answer.inner_text()
    assert page.locator(".msg.user .bubble").inner_text() == QUESTION
    chips = answer.locator("button.chip")
    assert chips.count() >= 1
    assert page.locator(".msg.assistant .sources li").count() == len(expected["citations"])

    # A chip opens the panel with its paragraph highlighted inside the article, with its location.
    first = expected["citations"][0]
    chips.first.click()
    page.wait_for_function("() => !document.querySelector('#panel-body .note')")  # context loaded
    assert page.locator("#panel .cited").inner_text() == first["text"]
    meta = page.locator("#panel .meta").inner_text()
    assert first["document_title"] in meta and "章节" in meta
    assert first["source_file"] not in meta  # titles in words, not file names
    assert page.locator("#panel .passage p").count() >= 2  # neighbours around the cited paragraph

    page.keyboard.press("Escape")
    assert page.locator("#panel").is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('chip')")  # focus went back

    # Copy the answer with its sources.
    page.get_by_role("button", name="复制答案及来源").last.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(expected["answer"] + "\n\n来源：\n[1] ")
    assert first["text"] in copied and first["location"] in copied and first["source_file"] not in copied

    # One click on the thumb counts; a comment can follow and lands on the same row.
    page.get_by_role("button", name="有帮助", exact=True).last.click()
    page.get_by_text("感谢反馈！").wait_for()
    auth = {"Authorization": f"Bearer {admin_token}"}
    rows = httpx.get(f"{live_server.url}/api/feedback", headers=auth).json()
    assert rows[0]["question"] == QUESTION and rows[0]["rating"] == "up" and rows[0]["source_quote"]
    page.get_by_label("反馈补充说明").last.fill("回答准确")
    page.get_by_role("button", name="提交说明").last.click()
    page.get_by_text("已收到补充说明。").wait_for()
    again = httpx.get(f"{live_server.url}/api/feedback", headers=auth).json()
    assert len(again) == len(rows) and again[0]["comment"] == "回答准确"

    # The conversation survives a reload.
    page.reload()
    page.locator(".msg.assistant .answer-text").first.wait_for()
    assert page.locator(".msg.user .bubble").inner_text() == QUESTION
    assert page.get_by_text("感谢反馈！").is_visible()
    page.get_by_role("button", name="新对话").click()
    assert page.locator(".msg").count() == 0


def test_refusal_style(page: Any, live_server: Any) -> None:
    page.goto(live_server.url + "/")
    ask(page, "火星移民签证怎么办理？")
    refused = page.locator(".msg.assistant.refused")
    refused.wait_for()
    assert "文档中没有找到答案" in refused.inner_text()


def test_phone_width_and_keyboard(phone: Any, live_server: Any, shots: Any) -> None:
    phone.goto(live_server.url + "/")
    phone.keyboard.press("Tab")  # keyboard only from here on
    answer = ask(phone, QUESTION)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page scrolls sideways at phone width ({width}px)"
    box = answer.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375

    chip = answer.locator("button.chip").first
    chip.focus()
    phone.keyboard.press("Enter")
    panel = phone.locator("#panel")
    panel.locator(".cited").wait_for()
    pbox = panel.bounding_box()
    assert pbox["width"] <= 375 and pbox["y"] > 0  # a bottom sheet, not a covering side panel
    phone.keyboard.press("Escape")
    assert panel.is_hidden()

    # Tabs work from the keyboard: arrow keys move between views.
    phone.locator("#tab-chat").focus()
    phone.keyboard.press("ArrowRight")
    assert phone.locator("#view-reply").is_visible()
    assert phone.evaluate("location.hash") == "#reply"
