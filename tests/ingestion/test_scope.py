"""Scope metadata: places and years named in a paragraph, its headings or its article."""

from __future__ import annotations

from ingestion.scope import extract_places, extract_years, question_scope


def test_extracts_places_and_years() -> None:
    text = "2019年，湖口县财政安排资金；XXX村委会贫困发生率降至0.5%，全县各乡镇参与。"
    places = extract_places(text)
    assert "湖口县" in places and "XXX村委会" in places
    assert "全县" not in places and "各乡镇" not in places
    assert extract_years(text) == (2019,)
    assert extract_years("2020年度工作总结") == (2020,)


def test_question_scope_matches_names_and_stems() -> None:
    places, years = question_scope("湖口的电子医保凭证2020年激活率？", ["湖口县", "温州市"])
    assert places == {"湖口县"} and years == {2020}
    assert question_scope("懷遠縣優待金", ["怀远县"])[0] == {"怀远县"}


def test_ingested_paragraphs_carry_scope(ingested) -> None:
    huko = [p for p in ingested.paragraphs if "湖口县" in p.places]
    assert huko, "the 湖口县 report must be scoped"
    assert any(p.years for p in ingested.paragraphs)
    assert all(set(c.places) <= {pl for p in ingested.paragraphs for pl in p.places} for c in ingested.chunks)
