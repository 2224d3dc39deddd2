"""Reply mode: a formal draft whose claims stay cited, exported as .docx and as text with sources."""

from __future__ import annotations

import io
import re
from datetime import date

from docx import Document

from assistant.core import Assistant
from assistant.letters import inquiry_topic, split_letter
from assistant.models import Answer, Citation
from assistant.reply import compose_reply
from assistant.reply_export import reply_as_docx, reply_as_text

CITE = Citation(
    1, "000-p0005", "000.txt", "健康扶贫工作简报 篇1", ("二、工作完成情况",), "自付比不超10%。", 654, 867
)


def test_draft_has_salutation_cited_body_and_closing() -> None:
    answer = Answer("贫困人口住院合规费用自付比不超10%[1]。", False, [CITE])
    draft = compose_reply("您好，请问贫困人口住院自己要付多少？", answer, today=date(2026, 11, 25))
    lines = draft.splitlines()
    assert lines[0] == "尊敬的来信人："
    assert "贫困人口住院自己要付多少" in lines[1]
    assert "自付比不超10%[1]。" in draft
    assert "感谢您" in draft and draft.endswith("2026年11月25日")


def test_refused_answer_gives_a_polite_referral_without_figures() -> None:
    draft = compose_reply("请问护理院床位费能报多少？", Answer("……", True), today=date(2026, 1, 2))
    body = draft.split("现答复如下：")[1].split("感谢您")[0]
    assert "暂未找到" in body and not re.search(r"\d", body)


def test_topic_is_trimmed() -> None:
    topic = inquiry_topic("领导好，我想问一下我们村的低保标准是不是提高了，具体是多少")
    assert topic == "我们村的低保标准是不是提高了，具体是多少"
    long = "您好，我想咨询一下关于我们家今年申请的农村低保和医疗救助到底什么时候能批下来的问题，谢谢"
    assert inquiry_topic(long).startswith("关于我们家") and inquiry_topic(long).endswith("……")


def test_docx_opens_and_holds_the_sources() -> None:
    answer = Answer("尊敬的来信人：\n贫困人口住院合规费用自付比不超10%[1]。", False, [CITE])
    doc = Document(io.BytesIO(reply_as_docx(answer)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "自付比不超10%[1]" in text
    assert "政策依据" in text and "[1] 健康扶贫工作简报 篇1 › 二、工作完成情况" in text
    assert "000.txt" not in text and "字）" not in text  # no file names or offsets in a document


def test_docx_is_a4_with_chinese_fonts() -> None:
    from docx.oxml.ns import qn
    from docx.shared import Mm

    answer = Answer("尊敬的来信人：\n自付比不超10%[1]。", False, [CITE])
    where = {CITE.paragraph_id: "健康扶贫工作简报 › 第1篇 › 二、工作完成情况"}
    doc = Document(io.BytesIO(reply_as_docx(answer, title="答复意见", where=where, today=date(2025, 3, 8))))
    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "答复意见" and texts[1] == "2025年3月8日"
    assert "[1] 健康扶贫工作简报 › 第1篇 › 二、工作完成情况：" in "\n".join(texts)
    east = {r.element.rPr.rFonts.get(qn("w:eastAsia")) for p in doc.paragraphs for r in p.runs}
    assert east <= {"仿宋", "宋体"} and "仿宋" in east and "宋体" in east
    normal = doc.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋"


def test_plain_text_export_lists_numbered_sources() -> None:
    answer = Answer("自付比不超10%[1]。", False, [CITE])
    text = reply_as_text(answer)
    assert text.startswith("自付比不超10%[1]。") and "\n\n政策依据：\n[1] " in text


def test_reply_mode_on_the_real_corpus(hashing_assistant: Assistant) -> None:
    answer = hashing_assistant.ask("您好，我想问一下贫困人口住院合规费用自付比不超过多少？", mode="reply")
    assert answer.text.startswith("尊敬的来信人：") and "现答复如下" in answer.text
    assert not answer.refused and "10%" in answer.text
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert markers == {c.n for c in answer.citations}


def test_retrieval_sees_the_asking_part_of_a_letter() -> None:
    letter = "您好，我家是建档立卡贫困户，请问贫困人口住院合规费用自付比例最多是多少？谢谢。"
    assert [q.asked for q in split_letter(letter)] == ["贫困人口住院合规费用自付比例最多是多少？"]
    assert [q.asked for q in split_letter("村里路灯坏了。")] == ["村里路灯坏了。"]
    q = "老房子倒了但已经在别处盖了新房，还能申请倒房重建补助吗？"
    assert [x.asked for x in split_letter(q)] == [q]
