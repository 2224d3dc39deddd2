"""Official reply drafting (群众来信/12345 工单): a formal reply built on a cited answer, plus exports."""

from __future__ import annotations

import io
import re
from datetime import date

from assistant.models import Answer
from prompts import render

_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Word files cannot hold control characters; pasted text sometimes carries them."""
    return _XML_INVALID.sub("", text)


_ASKING = re.compile(r"[？?]|多少|怎么|如何|什么|何时|为什么|是否|能否|能不能|可不可以|有没有|哪|吗")
_GREETING = re.compile(r"^(您好|你好|领导好|领导您好|请问|想问一下|我想问一下|咨询一下)[！!，,：:\s]*")


_ASK_MARKER = re.compile(r"(想咨询一下|咨询一下|想咨询|我想问一下|想问一下|问一下|想问|请问)")


def _after_ask_marker(sentence: str) -> str:
    """ "我家是贫困户，请问住院能报多少？" -> "住院能报多少？": the marker says where the question starts."""
    marks = list(_ASK_MARKER.finditer(sentence))
    rest = sentence[marks[-1].end() :].lstrip("，,：: ") if marks else sentence
    return rest if len(rest) >= 4 else sentence


def inquiry_question(inquiry: str) -> str:
    """The asking part of a citizen's letter ("请问…多少？"), which is what retrieval should see;
    the whole letter when no sentence asks anything."""
    parts = [p.strip() for p in re.findall(r"[^。！!？?\n]+[。！!？?]?", inquiry) if p.strip()]
    asking = [_GREETING.sub("", _after_ask_marker(p)) for p in parts if _ASKING.search(p)]
    return "".join(asking).strip() or inquiry.strip()


def inquiry_topic(inquiry: str, limit: int = 24) -> str:
    """A short topic line from the citizen's text: its first clause, trimmed."""
    text = _GREETING.sub("", inquiry_question(inquiry))
    first = re.split(r"[。！？!?\n]", text, maxsplit=1)[0].strip("，,：: ")
    if len(first) > limit:
        clause = re.split(r"[，,；;]", first, maxsplit=1)[0]
        first = clause if 6 <= len(clause) <= limit else first[:limit] + "……"
    return first


def compose_reply(
    inquiry: str,
    answer: Answer,
    salutation: str = "尊敬的来信人",
    signature: str = "（答复单位）",
    today: date | None = None,
) -> str:
    """Fill the reply template; the body keeps the answer's `[n]` markers so every claim stays cited."""
    if answer.refused:
        body = render("reply_refused_body")
    else:
        body = "\n".join(line.strip() for line in answer.text.splitlines() if line.strip())
    d = today or date.today()
    return render(
        "reply_template",
        salutation=salutation,
        topic=inquiry_topic(inquiry),
        body=body,
        signature=signature,
        date=f"{d.year}年{d.month}月{d.day}日",
    )


def sources_list(answer: Answer) -> list[str]:
    """One line per citation: number, location (file, article, headings, offsets) and paragraph text."""
    out = []
    for c in answer.citations:
        where = " > ".join([c.article_title, *c.heading_path])
        out.append(f"[{c.n}] {where}（{c.source_file}，第 {c.start}-{c.end} 字）：{c.text}")
    return out


def reply_as_text(answer: Answer) -> str:
    """Plain text for copy and paste: the draft, then a numbered source list."""
    src = sources_list(answer)
    return answer.text + ("\n\n政策依据：\n" + "\n".join(src) if src else "")


def reply_as_docx(answer: Answer, title: str = "答复意见（草稿）") -> bytes:
    """A .docx of the draft with its numbered sources, for officials who edit in Word."""
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.add_heading(_xml_safe(title), level=1)
    for line in answer.text.splitlines():
        para = doc.add_paragraph(_xml_safe(line))
        for run in para.runs:
            run.font.size = Pt(12)
    src = sources_list(answer)
    if src:
        doc.add_heading("政策依据", level=2)
        for line in src:
            doc.add_paragraph(_xml_safe(line))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
