"""Loaders: encodings, formats, and clean DocumentErrors for bad files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingestion import SUPPORTED_SUFFIXES, DocumentError, iter_corpus_files, load_document

SIMPLIFIED = "县医保局：贫困人口住院合规费用自付比例不超过10%，门诊慢性病报销比例提高到80%。"
TRADITIONAL = "縣醫保局：貧困人口住院合規費用自付比例不超過10%，門診慢性病報銷比例提高到80%。"


@pytest.mark.parametrize(
    ("name", "text", "codec"),
    [
        ("gbk.txt", SIMPLIFIED, "gbk"),
        ("gb18030.md", SIMPLIFIED, "gb18030"),
        ("big5.txt", TRADITIONAL, "big5"),
        ("utf16.txt", SIMPLIFIED, "utf-16"),
        ("utf8bom.txt", SIMPLIFIED, "utf-8-sig"),
        ("utf8.md", TRADITIONAL, "utf-8"),
    ],
)
def test_text_encodings_decode(tmp_path: Path, name: str, text: str, codec: str) -> None:
    (tmp_path / name).write_bytes(text.encode(codec))
    doc = load_document(tmp_path / name, tmp_path)
    assert doc.text == text
    assert doc.source_file == name
    assert len(doc.sha256) == 64


def test_html_drops_scripts_and_keeps_paragraphs(tmp_path: Path) -> None:
    html = (
        "<html><head><title>T</title><style>p{color:red}</style><script>var x=1;</script></head>"
        "<body><nav>首页 > 政策</nav><h1>医保政策</h1><p>住院报销<b>比例</b>为90%。</p>"
        "<p>门诊报销比例为50%。</p></body></html>"
    )
    (tmp_path / "a.html").write_text(html, encoding="utf-8")
    doc = load_document(tmp_path / "a.html", tmp_path)
    assert doc.encoding == "extracted:html"
    assert "var x" not in doc.text and "color" not in doc.text and "首页" not in doc.text
    assert "住院报销比例为90%。" in doc.text
    lines = [line for line in doc.text.split("\n") if line]
    assert lines.index("住院报销比例为90%。") < lines.index("门诊报销比例为50%。")


def test_docx_paragraphs_joined(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph("一、基本情况")
    d.add_paragraph("全村贫困人口1350人。")
    d.save(str(tmp_path / "a.docx"))
    doc = load_document(tmp_path / "a.docx", tmp_path)
    assert doc.text == "一、基本情况\n全村贫困人口1350人。"
    assert doc.encoding == "extracted:docx"


def test_pdf_text_extracted(tmp_path: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(width=300, height=200)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 12 Tf 20 100 Td (Reimbursement ratio 90 percent) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(stream)
    with (tmp_path / "a.pdf").open("wb") as fh:
        writer.write(fh)
    doc = load_document(tmp_path / "a.pdf", tmp_path)
    assert "Reimbursement ratio 90 percent" in doc.text
    assert doc.encoding == "extracted:pdf"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n", "empty"),
        ("garbage.txt", bytes(range(256)) * 8 + os.urandom(512), "binary"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "corrupt"),
        ("broken.pdf", b"%PDF-1.4\n garbage without xref", "PDF"),
    ],
)
def test_bad_files_raise_document_error(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(DocumentError) as info:
        load_document(tmp_path / name, tmp_path)
    assert reason.lower() in info.value.reason.lower()
    assert info.value.__cause__ is None or isinstance(info.value.__cause__, DocumentError)


def test_missing_file_raises_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="cannot read"):
        load_document(tmp_path / "nope.txt", tmp_path)


def test_iter_corpus_files_sorted_recursive_supported_only(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ["b.txt", "a.md", "sub/c.html", "sub/d.pdf", "x.csv", "y.docx", "z.exe"]:
        (tmp_path / name).write_bytes(b"x")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_corpus_files(tmp_path)]
    assert found == ["a.md", "b.txt", "sub/c.html", "sub/d.pdf", "y.docx"]
    assert {".txt", ".md", ".html", ".htm", ".docx", ".pdf"} == set(SUPPORTED_SUFFIXES)
