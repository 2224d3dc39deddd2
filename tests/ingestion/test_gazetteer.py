"""A report that names only its townships is scoped to their county, and only when that is clear."""

from __future__ import annotations

import gzip
from pathlib import Path

from ingestion.gazetteer import TABLE, build, counties_named
from ingestion.models import Paragraph
from ingestion.scope import assign_scope


def test_townships_of_one_county_name_it_and_its_city() -> None:
    assert counties_named(["棋盘井镇", "蒙西镇"]) == ("鄂托克旗", "鄂尔多斯市")
    assert counties_named(["阿尔巴斯苏木", "棋盘井镇", "湖口县"])[0] == "鄂托克旗"  # as reports write 苏木


def test_one_township_or_a_tie_names_no_county() -> None:
    assert counties_named(["棋盘井镇"]) == ()  # one name is too little evidence
    assert counties_named(["城关镇", "城关镇"]) == ()  # one distinct name, and it recurs in ~100 counties
    assert counties_named(["仁和镇", "太平镇"]) == ()  # several counties have both
    assert counties_named(["火星镇", "月亮乡"]) == ()


def _para(i: int, text: str, article: int = 0) -> Paragraph:
    return Paragraph(
        id=f"f-p{i:04d}",
        source_file="f.txt",
        article_index=article,
        article_title="脱贫攻坚工作计划",
        heading_path=(),
        start=0,
        end=len(text),
        original=text,
        text=text,
        search_text=text,
        seq=i,
    )


def test_an_article_naming_two_townships_is_scoped_to_their_county() -> None:
    paras = [
        _para(0, "我旗扶贫工作稳步推进。"),
        _para(1, "在棋盘井镇、蒙西镇等干旱硬梁区，重点发展白绒山羊产业。"),
        _para(2, "各苏木镇都要有2-3名专职扶贫干部。"),
        _para(3, "棋盘井镇的帮扶计划另行下达。", article=1),  # another article, one township only
    ]
    out = assign_scope(paras)
    assert all("鄂托克旗" in p.places and "鄂尔多斯市" in p.places for p in out[:3])
    assert "鄂托克旗" not in out[3].places


def test_the_table_is_rebuilt_byte_for_byte_from_its_source(tmp_path: Path) -> None:
    tree = "内蒙古自治区\t150000\n\t鄂尔多斯市\t150600\n\t\t鄂托克旗\t150624\n\t\t\t棋盘井镇\n\t\t\t\t某村\n"
    src = tmp_path / "china_location.txt"
    src.write_text(tree, encoding="utf-8")
    out = tmp_path / "g.tsv.gz"
    assert build(src, out) == 1
    first = out.read_bytes()
    assert gzip.decompress(first).decode() == "棋盘井镇\t鄂托克旗\t鄂尔多斯市\t内蒙古自治区\n"
    build(src, out)
    assert out.read_bytes() == first
    assert TABLE.stat().st_size > 100_000  # the shipped table is there (and in the wheel: package-data)
