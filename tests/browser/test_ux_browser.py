"""Issue 14 in a real browser, desktop and 375 px: titled sources, conversations, stop / regenerate /
edit, the character limit, the place selector, starters, one-click feedback, dark mode, phone-first.

With PQ_SCREENSHOTS_DIR=docs/screenshots these also refresh the README screenshots.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.slow]

QUESTION = "贫困人口住院合规费用自付比不超过多少？"
HASH_NAME = re.compile(r"\d{3}_[0-9a-f]{16}")
DONE = ".msg.assistant:not(.loading):not(.streaming)"


@pytest.fixture(params=["desktop", "phone"])
def either(request: pytest.FixtureRequest) -> Any:
    """The same test at 1280 px and at 375 px."""
    return request.getfixturevalue("page" if request.param == "desktop" else "phone")


def ask(page: Any, question: str) -> Any:
    """Type a question, press Enter, and return the last finished answer bubble."""
    before = page.locator(DONE).count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    page.wait_for_function(f"() => document.querySelectorAll('{DONE}').length > {before}")
    return page.locator(f"{DONE} .bubble").last


def no_hash_names(page: Any) -> None:
    text = page.evaluate("document.body.innerText")
    assert not HASH_NAME.search(text), HASH_NAME.search(text)


def test_titled_sources_and_a_panel_that_leaves_the_tabs_free(
    page: Any, live_server: Any, shots: Any
) -> None:
    expected = httpx.post(f"{live_server.url}/api/ask", json={"question": QUESTION}, timeout=60).json()
    first = expected["citations"][0]
    page.goto(live_server.url + "/")
    bubble = ask(page, QUESTION)
    sources = bubble.locator(".sources").inner_text()
    assert first["document_title"] in sources and first["location"] in sources
    bubble.locator("button.chip").first.click()
    page.locator("#panel .cited").wait_for()
    page.wait_for_function("() => !document.querySelector('#panel-meta .note')")
    meta = page.locator("#panel .meta").inner_text()
    assert first["document_title"] in meta and "章节" in meta
    no_hash_names(page)
    # At 1280 px the panel starts below the top bar: the tabs stay visible and clickable.
    tabs = page.locator(".tabs").bounding_box()
    panel = page.locator("#panel").bounding_box()
    assert panel["y"] >= tabs["y"] + tabs["height"] - 1
    page.screenshot(path=str(shots / "chat.png"))
    page.locator("#tab-reply").click()
    assert page.locator("#view-reply").is_visible()


def test_conversation_list_rename_search_delete(page: Any, live_server: Any, shots: Any) -> None:
    page.goto(live_server.url + "/")
    ask(page, QUESTION)
    page.get_by_role("button", name="新对话").click()
    assert page.locator(".msg").count() == 0  # a new conversation, the first one is kept
    ask(page, "家庭医生签约服务覆盖率是多少？")
    items = page.locator("#conv-list .conv")
    assert items.count() == 2

    # Rename the first conversation, then find it by searching.
    first = page.locator("#conv-list .conv", has_text="贫困人口住院")
    first.get_by_role("button", name=re.compile("^重命名对话")).click()
    page.locator(".conv-rename").fill("住院自付比例")
    page.locator(".conv-rename").press("Enter")
    page.fill("#conv-search", "住院自付")
    assert items.count() == 1 and "住院自付比例" in items.first.inner_text()
    page.fill("#conv-search", "签约")  # messages are searched too
    assert items.count() == 1
    page.fill("#conv-search", "")
    page.screenshot(path=str(shots / "conversations.png"))

    # Switching shows that conversation; deleting asks first and a "no" keeps it.
    page.get_by_role("button", name="住院自付比例", exact=True).click()
    assert page.locator(".msg.user .bubble").inner_text() == QUESTION
    page.once("dialog", lambda d: d.dismiss())
    page.get_by_role("button", name="删除对话：住院自付比例").click()
    assert items.count() == 2
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="删除对话：住院自付比例").click()
    assert items.count() == 1
    page.reload()
    assert page.locator("#conv-list .conv").count() == 1
    assert "签约" in page.locator(".msg.user .bubble").inner_text()


def test_stop_regenerate_and_edit_and_resend(either: Any, live_server: Any) -> None:
    page = either
    page.goto(live_server.url + "/")
    held: list[Any] = []
    page.route("**/api/ask/stream", lambda route: held.append(route))  # never answered: still running
    page.fill("#question", QUESTION)
    page.press("#question", "Enter")
    page.locator("#stop").wait_for()
    page.locator("#stop").click()
    page.locator("#send").wait_for()
    assert "已停止生成" in page.locator(".msg.assistant").inner_text()
    page.unroute("**/api/ask/stream")
    assert held  # the request really was in flight when it was stopped

    # Regenerate: the stopped answer, then a real one, is replaced, not added to.
    with page.expect_response("**/api/ask/stream"):
        page.get_by_role("button", name="重新生成").click()
    page.wait_for_function("() => !document.querySelector('.msg.loading, .msg.streaming')")
    first_text = page.locator(f"{DONE} .answer-text").inner_text()
    assert "10%" in first_text and "已停止生成" not in page.locator(".msg.assistant").inner_text()
    with page.expect_response("**/api/ask/stream"):
        page.get_by_role("button", name="重新生成").click()
    page.wait_for_function("() => !document.querySelector('.msg.loading, .msg.streaming')")
    assert page.locator(f"{DONE} .answer-text").inner_text() == first_text
    assert page.locator(".msg.user").count() == 1 and page.locator(".msg.assistant").count() == 1

    # Edit the question and send it again: it replaces the question and its answer.
    page.get_by_role("button", name="修改这条问题并重新发送").click()
    assert page.locator("#question").input_value() == QUESTION and page.locator("#editing").is_visible()
    page.fill("#question", "家庭医生签约服务覆盖率是多少？")
    with page.expect_response("**/api/ask/stream"):
        page.press("#question", "Enter")
    page.wait_for_function(f"() => document.querySelectorAll('{DONE}').length === 1")
    assert page.locator(".msg.user").count() == 1
    assert page.locator(".msg.user .bubble").inner_text() == "家庭医生签约服务覆盖率是多少？"


def test_character_limit_and_empty_question(either: Any, live_server: Any) -> None:
    page = either
    page.goto(live_server.url + "/")
    page.press("#question", "Enter")
    assert "请先输入问题" in page.locator("#composer-msg").inner_text()
    long = "住院报销" * 750  # 3,000 characters
    page.fill("#question", long)
    assert page.locator("#counter").inner_text() == "3000 / 2000"
    assert "超过 2000 字上限" in page.locator("#composer-msg").inner_text()
    page.press("#question", "Enter")
    assert page.locator(".msg").count() == 0  # not sent
    assert page.locator("#question").input_value() == long  # and not cut
    page.fill("#question", QUESTION)
    assert page.locator("#composer-msg").inner_text() == ""


def test_follow_up_shows_the_question_it_answered(either: Any, live_server: Any) -> None:
    page = either
    history = [{"role": "user", "content": QUESTION}]
    page.goto(live_server.url + "/")
    answer = ask(page, QUESTION)
    history.append({"role": "assistant", "content": answer.locator(".answer-text").inner_text()})
    follow = "那大病保险呢？"
    expected = httpx.post(
        f"{live_server.url}/api/ask", json={"question": follow, "history": history}, timeout=60
    ).json()
    assert expected["question"] != follow  # rewritten into a standalone question
    bubble = ask(page, follow)
    assert bubble.locator(".understood").inner_text() == f"按‘{expected['question']}’理解"
    assert page.locator(".understood").count() == 1  # not under the first, self-contained answer


def test_place_selector_is_remembered_and_used(page: Any, live_server: Any, shots: Any) -> None:
    places = [p["name"] for p in httpx.get(f"{live_server.url}/api/places").json()["places"]]
    page.goto(live_server.url + "/")
    page.wait_for_function("() => document.querySelectorAll('#place option').length > 1")
    options = page.locator("#place option").all_inner_texts()
    assert options[0] == "不限地区" and options[1:] == places
    # Show a place the documents have figures for, when one answers this question (else the first).
    place = next(
        (
            p
            for p in places[:6]
            if httpx.post(f"{live_server.url}/api/ask", json={"question": QUESTION, "place": p}, timeout=60)
            .json()["answer"]
            .startswith(f"（以下按{p}")
        ),
        places[0],
    )
    page.select_option("#place", place)
    page.reload()
    page.wait_for_function("() => document.querySelectorAll('#place option').length > 1")
    assert page.locator("#place").input_value() == place
    with page.expect_request("**/api/ask/stream") as request:
        bubble = ask(page, QUESTION)
    assert request.value.post_data_json["place"] == place
    text = bubble.locator(".answer-text").inner_text()
    assert text.startswith((f"（以下按{place}的文件回答）", f"（文档中没有{place}的相关内容"))
    page.screenshot(path=str(shots / "place.png"))


def test_starter_questions_are_answered(either: Any, live_server: Any) -> None:
    page = either
    page.goto(live_server.url + "/")
    starters = page.locator("#starters button")
    starters.first.wait_for()
    question = starters.first.inner_text()
    starters.first.click()
    page.wait_for_function(f"() => document.querySelectorAll('{DONE}').length === 1")
    assert page.locator(".msg.user .bubble").inner_text() == question
    assert page.locator(".msg.assistant.refused").count() == 0
    assert page.locator("#starters").is_hidden()


def test_dark_mode_and_favicon(either: Any, live_server: Any) -> None:
    page = either
    page.emulate_media(color_scheme="dark")
    page.goto(live_server.url + "/")
    bg = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    rgb = [int(x) for x in re.findall(r"\d+", bg)[:3]]
    assert sum(rgb) < 120, bg
    page.emulate_media(color_scheme="light")
    bg = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert sum(int(x) for x in re.findall(r"\d+", bg)[:3]) > 600, bg
    assert page.request.get(live_server.url + "/favicon.ico").status == 200
    assert page.locator('link[rel="icon"]').get_attribute("href") == "/static/favicon.svg"


def test_phone_first(phone: Any, live_server: Any, shots: Any) -> None:
    phone.goto(live_server.url + "/")
    assert "Shift" not in (phone.locator("#question").get_attribute("placeholder") or "")
    assert phone.locator(".kbd-hint").first.is_hidden()  # no desktop-only hints
    bubble = ask(phone, QUESTION)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    # Every tap target in the answer is at least 40 px high (chips 40 px wide too).
    targets = bubble.locator("button")
    assert targets.count() >= 4
    for i in range(targets.count()):
        box = targets.nth(i).bounding_box()
        assert box["height"] >= 40, (targets.nth(i).inner_text(), box)
    chip = bubble.locator("button.chip").first.bounding_box()
    assert chip["width"] >= 40 and chip["height"] >= 40
    for tab in phone.locator(".tab").all():
        assert tab.bounding_box()["height"] >= 40

    # The sheet opens at its header, with the document lines and the cited paragraph in view.
    bubble.locator("button.chip").first.click()
    phone.locator("#panel .cited").wait_for()
    phone.wait_for_function("() => !document.querySelector('#panel-meta .note')")
    view = phone.viewport_size
    for selector in ("#panel-title", "#panel .meta", "#panel .cited"):
        box = phone.locator(selector).bounding_box()
        assert box["y"] >= 0 and box["y"] + min(box["height"], 40) <= view["height"], selector
    assert phone.evaluate("document.scrollingElement.scrollTop") == 0
    no_hash_names(phone)
    phone.screenshot(path=str(shots / "chat-phone.png"))
    phone.keyboard.press("Escape")

    # The latest message stays in view when the keyboard opens (the viewport shrinks).
    phone.locator("#question").focus()
    phone.set_viewport_size({"width": 375, "height": 420})
    phone.wait_for_timeout(400)
    last = phone.locator(".msg").last.bounding_box()
    composer = phone.locator("#composer").bounding_box()
    assert last["y"] + last["height"] <= composer["y"] + 1 and last["y"] + last["height"] > 0

    # The conversation list is a drawer behind a button.
    phone.set_viewport_size({"width": 375, "height": 740})
    assert not phone.locator("#conv-search").is_visible() or phone.locator("#convs").bounding_box()["x"] < 0
    phone.get_by_role("button", name="对话列表", exact=True).click()
    phone.wait_for_function("() => document.querySelector('#convs').getBoundingClientRect().x >= 0")
    assert phone.locator("#conv-list .conv").count() == 1


def test_library_by_title_at_phone_width(phone: Any, live_server: Any) -> None:
    phone.goto(live_server.url + "/#library")
    rows = phone.locator("#documents tbody tr")
    rows.first.wait_for()
    assert rows.count() >= 5
    no_hash_names(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375  # the table scrolls, not the page
