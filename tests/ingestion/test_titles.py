"""Document and article titles are derived from the texts themselves, never from file names."""

from __future__ import annotations

from pathlib import Path

from ingestion.titles import (
    article_label,
    article_labels,
    document_title,
    load_overrides,
    location,
    save_override,
)


def test_titles_of_the_bundled_corpus(ingested) -> None:
    titles = {d.source_file[:3]: d.title for d in ingested.documents}
    assert titles == {
        "000": "健康扶贫工作简报",  # its own first line, without 范文
        "001": "服務基層行推進情況匯報",  # from its article markers (…匯報篇一)
        "002": "村委就业工作计划",  # from the editor's blurb (整理的12篇…)
        "003": "医共体对口帮扶工作计划",  # the title line after the site's breadcrumb
        "004": "某乡人民政府关于2020年扶贫日活动的总结",  # from the blurb (这篇…范文)
    }


def test_title_lines_headings_and_blurbs() -> None:
    assert document_title("# 测试通知\n\n城乡居民住院报销比例为百分之七十。\n") == "测试通知"
    assert (
        document_title("关于城乡居民医疗保险的通知\n\n一、报销政策\n\n住院报销。\n")
        == "关于城乡居民医疗保险的通知"
    )
    assert (
        document_title("一、报销比例\n\n城乡居民住院报销比例为百分之七十。\n") == ""
    )  # a heading is no title
    assert (
        document_title("时间:2024-01-01\n\n栏目\n\n首页 > 范文 > 计划\n\n乡村振兴工作计划\n\n正文。")
        == "乡村振兴工作计划"
    )


def test_article_labels(ingested) -> None:
    paragraphs = [p for p in ingested.paragraphs if p.source_file.startswith("000")]
    labels = article_labels(paragraphs, "健康扶贫工作简报")
    assert labels[:2] == ["第1篇", "第2篇"]  # "健康扶贫工作简报 篇1" without the repeated document title
    assert (
        article_label("一、报销比例", "测试通知", ["一、报销比例"]) == ""
    )  # not "一、报销比例 — 一、报销比例"
    assert article_label("某乡2020年脱贫攻坚工作总结", "某乡的总结", []) == "某乡2020年脱贫攻坚工作总结"
    assert location("测试通知", "", ["一、报销比例", "一、报销比例"]) == "测试通知 › 一、报销比例"


def test_admin_overrides_persist_and_win(tmp_path: Path) -> None:
    from ingestion import ingest_directory

    (tmp_path / "a.txt").write_text(
        "关于住院报销的通知\n\n住院合规费用报销比例为百分之七十。\n", encoding="utf-8"
    )
    assert ingest_directory(tmp_path, progress=False).documents[0].title == "关于住院报销的通知"
    save_override(tmp_path, "a.txt", "县医保局\x00通知")
    assert load_overrides(tmp_path) == {"a.txt": "县医保局通知"}
    assert ingest_directory(tmp_path, progress=False).documents[0].title == "县医保局通知"
    save_override(tmp_path, "a.txt", "")
    assert load_overrides(tmp_path) == {}
    (tmp_path / ".titles.json").write_text("not json", encoding="utf-8")
    assert load_overrides(tmp_path) == {}
