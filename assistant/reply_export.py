"""Exports of a reply draft for officials: copy-with-sources text and an A4 .docx in Chinese fonts."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from assistant.models import Answer, Citation

_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Word files cannot hold control characters; pasted text sometimes carries them."""
    return _XML_INVALID.sub("", text)


def source_location(c: Citation) -> str:
    """Where a citation sits, in words (篇名 › 章节); no file name, no offsets."""
    parts: list[str] = []
    for part in (c.article_title, *c.heading_path):
        if part.strip() and part.strip() not in parts:
            parts.append(part.strip())
    return " › ".join(parts)


def sources_list(answer: Answer, where: Mapping[str, str] | None = None) -> list[str]:
    """One line per citation: number, location in words and paragraph text. `where` maps a paragraph id
    to its location with the document title (文件标题 › 篇名 › 章节), as the web layer knows it."""
    out = []
    for c in answer.citations:
        place = (where or {}).get(c.paragraph_id) or source_location(c)
        out.append(f"[{c.n}] {place}：{c.text}")
    return out


def reply_as_text(answer: Answer, where: Mapping[str, str] | None = None) -> str:
    """Plain text for copy and paste: the draft, then a numbered source list."""
    src = sources_list(answer, where)
    return answer.text + ("\n\n政策依据：\n" + "\n".join(src) if src else "")


BODY_FONT = "仿宋"  # official documents: body in 仿宋, title in 宋体 (GB/T 9704 uses 仿宋_GB2312 / 小标宋)
TITLE_FONT = "宋体"
LATIN_FONT = "Times New Roman"


def _set_fonts(target: Any, east_asian: str, size_pt: float, bold: bool = False) -> None:
    """Latin and east-asian font of a style or run (python-docx only sets the Latin one by itself)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    font = target.font
    font.name = LATIN_FONT
    font.size = Pt(size_pt)
    font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)
    rpr = target.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asian)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(theme), None)


def reply_as_docx(
    answer: Answer,
    title: str = "答复意见（草稿）",
    where: Mapping[str, str] | None = None,
    today: date | None = None,
) -> bytes:
    """A .docx of the draft for officials who edit in Word: A4, 仿宋 body / 宋体 title (east-asian fonts
    set), the title, the date and the numbered sources in words."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    _set_fonts(normal, BODY_FONT, 16)  # 三号
    normal.paragraph_format.line_spacing = Pt(28)

    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_fonts(head.add_run(_xml_safe(title)), TITLE_FONT, 22, bold=True)  # 二号
    d = today or date.today()
    dated = doc.add_paragraph()
    dated.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_fonts(dated.add_run(f"{d.year}年{d.month}月{d.day}日"), BODY_FONT, 14)
    for line in answer.text.splitlines():
        _set_fonts(doc.add_paragraph().add_run(_xml_safe(line)), BODY_FONT, 16)
    src = sources_list(answer, where)
    if src:
        _set_fonts(doc.add_paragraph().add_run("政策依据"), TITLE_FONT, 16, bold=True)
        for line in src:
            _set_fonts(doc.add_paragraph().add_run(_xml_safe(line)), BODY_FONT, 14)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
