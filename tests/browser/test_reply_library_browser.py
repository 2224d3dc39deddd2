"""Reply drafting (edit, download .docx) and the document library (admin token) in a real browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from docx import Document

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.slow]

HASH_NAME = re.compile(r"\d{3}_[0-9a-f]{16}")
INQUIRY = "您好，我家是建档立卡贫困户，请问贫困人口住院合规费用自付比例最多是多少？"


def test_draft_edit_and_download_docx(page: Any, live_server: Any, shots: Path, tmp_path: Path) -> None:
    page.goto(live_server.url + "/#reply")
    page.fill("#inquiry", INQUIRY)
    page.press("#inquiry", "Control+Enter")
    draft = page.locator("#reply-text")
    page.wait_for_function("() => document.querySelector('#reply-text').value.length > 0")
    text = draft.input_value()
    expected = httpx.post(f"{live_server.url}/api/reply", json={"question": INQUIRY}, timeout=60).json()
    assert text == expected["answer"] and text.startswith("尊敬的来信人")
    assert expected["citations"], "the draft cites at least the closest paragraph"
    assert page.locator("#reply-sources .source-link").count() == len(expected["citations"])
    assert page.locator("#reply-refused").is_visible() == expected["refused"]

    # Edit in place, then download: the docx has the edited text and the sources.
    edited = text.replace("尊敬的来信人", "尊敬的张先生", 1)
    draft.fill(edited)
    page.screenshot(path=str(shots / "reply.png"))
    with page.expect_download() as info:
        page.get_by_role("button", name="下载 Word（.docx）").click()
    target = tmp_path / "reply.docx"
    info.value.save_as(target)
    assert info.value.suggested_filename.endswith(".docx")
    paragraphs = [p.text for p in Document(str(target)).paragraphs]
    body = "\n".join(paragraphs)
    assert "尊敬的张先生" in body and "尊敬的来信人" not in body
    assert "政策依据" in paragraphs
    first = expected["citations"][0]
    assert any(line.startswith(f"[1] {first['location']}：") and first["text"] in line for line in paragraphs)
    assert not HASH_NAME.search(body)

    # The draft gets one-click feedback too.
    page.locator("#reply-feedback").get_by_role("button", name="有帮助", exact=True).click()
    page.locator("#reply-feedback").get_by_text("感谢反馈！").wait_for()

    # A source opens the same citation panel; the edited draft survives a reload.
    page.locator("#reply-sources .source-link").first.click()
    page.locator("#panel .cited").wait_for()
    page.keyboard.press("Escape")
    page.reload()
    assert page.locator("#reply-text").input_value() == edited


LETTER_WITH_A_DECLINED_PART = (
    "尊敬的县医保局领导：您好！我家是建档立卡贫困户，父亲今年住院了。"
    "请问贫困人口住院合规费用自付比例不超过多少？另外，商业补充医疗保险惠民保怎么买？谢谢！"
)


def test_a_declined_part_shows_its_closest_paragraph_beside_the_draft(page: Any, live_server: Any) -> None:
    page.goto(live_server.url + "/#reply")
    page.fill("#inquiry", LETTER_WITH_A_DECLINED_PART)
    page.press("#inquiry", "Control+Enter")
    page.wait_for_function("() => document.querySelector('#reply-text').value.length > 0")
    expected = httpx.post(
        f"{live_server.url}/api/reply", json={"question": LETTER_WITH_A_DECLINED_PART}, timeout=60
    ).json()
    assert expected["related"], "the declined part comes with its closest paragraph"
    assert page.get_by_text("未答复部分的最接近原文（供核实，不在草稿中）").is_visible()
    links = page.locator("#reply-sources .source-link")
    assert links.count() == len(expected["citations"]) + len(expected["related"])
    assert page.locator("#reply-text").input_value() == expected["answer"]  # the draft itself is unchanged


def test_upload_list_delete_with_token(page: Any, live_server: Any, tmp_path: Path, admin_token: str) -> None:
    corpus = live_server.app.state.settings.corpus_dir
    doc = tmp_path / "测试通知.md"
    doc.write_text("# 测试通知\n\n城乡居民住院报销比例为百分之七十。\n", encoding="utf-8")

    def accept(dialog: Any) -> None:
        dialog.accept()

    page.on("dialog", accept)
    page.goto(live_server.url + "/#library")
    rows = page.locator("#documents tbody tr")
    rows.first.wait_for()
    first = rows.first.inner_text()
    assert "已索引" in first and "%" in first  # paragraph count and noise share
    table = page.locator("#documents").inner_text()
    assert "健康扶贫工作简报" in table and not HASH_NAME.search(table) and ".txt" not in table
    assert re.search(r"\d{4}-\d{2}-\d{2}", first)  # date added
    rows.first.get_by_text("预览").click()
    assert len(rows.first.locator(".preview p").inner_text()) >= 20

    # Without the token the upload is refused and nothing is written.
    page.set_input_files("#upload-file", str(doc))
    page.get_by_role("button", name="上传", exact=True).click()
    page.get_by_text("上传失败：管理员令牌无效或缺失").wait_for()
    assert not (corpus / doc.name).exists()

    page.fill("#admin-token", admin_token)
    page.set_input_files("#upload-file", str(doc))
    page.fill("#upload-title", "县医保局住院报销通知")
    page.get_by_role("button", name="上传", exact=True).click()
    row = page.locator("#documents tbody tr", has_text="县医保局住院报销通知")
    row.wait_for()
    assert "待索引" in row.inner_text()
    assert (corpus / doc.name).read_text(encoding="utf-8") == doc.read_text(encoding="utf-8")

    # The admin can edit the title later (a prompt); it is kept next to the corpus for re-indexing.
    page.remove_listener("dialog", accept)
    page.once("dialog", lambda d: d.accept("住院报销通知（修订）"))
    row.get_by_role("button", name="修改标题：县医保局住院报销通知").click()
    row = page.locator("#documents tbody tr", has_text="住院报销通知（修订）")
    row.wait_for()
    assert "住院报销通知（修订）" in (corpus / ".titles.json").read_text(encoding="utf-8")

    page.on("dialog", accept)
    row.get_by_role("button", name="删除 住院报销通知（修订）").click()
    row.wait_for(state="detached")
    assert not (corpus / doc.name).exists()
