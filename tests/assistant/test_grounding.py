"""The grounding checker catches planted wrong numbers, wrong-county figures and dangling citations."""

from __future__ import annotations

from assistant.grounding import ground, split_with_markers
from ingestion.models import Paragraph

HUKOU = "湖口縣自20xx年啟動電子醫療憑證激活應用工作以來,全縣參保人員激活179867人,激活率70.43%。"
OTHER = "截止20xx年12月我院共登記管理糖尿病患者262人,已體檢216人,體檢率82%。"
DIALYSIS = "县财政为透析患者每次补助100元。"


def _p(i: int, text: str, title: str = "工作汇报") -> Paragraph:
    return Paragraph(f"f-p{i:04d}", "f.txt", i, title, (), 0, len(text), text, text, text, i)


SOURCES = [_p(0, HUKOU, "湖口县医保工作汇报"), _p(1, OTHER, "小屯卫生院慢病管理汇报"), _p(2, DIALYSIS)]


def test_correct_answer_passes_unchanged() -> None:
    r = ground("湖口县电子医保凭证激活率为70.43%[1]。\n透析每次补助100元[3]。", SOURCES)
    assert r.text == "湖口县电子医保凭证激活率为70.43%[1]。\n透析每次补助100元[3]。"
    assert not r.removed and not r.repaired


def test_planted_wrong_number_is_removed() -> None:
    r = ground("湖口县电子医保凭证激活率为75%[1]。透析每次补助100元[3]。", SOURCES)
    assert "75%" not in r.text and "100元[3]" in r.text
    assert r.removed and "75%" in r.removed[0][1]


def test_chinese_numeral_and_full_width_forms_are_grounded() -> None:
    r = ground("透析每次补助一百元[3]。激活率７０.４３％[1]。", SOURCES)
    assert not r.removed, r.removed


def test_figure_cited_to_the_wrong_paragraph_is_recited() -> None:
    r = ground("糖尿病患者体检率82%[1]。", SOURCES)
    assert r.text == "糖尿病患者体检率82%[2]。"
    assert r.repaired


def test_wrong_county_figure_is_caught() -> None:
    # 82% is in source 2 (a clinic), but the sentence attributes it to 湖口县 and cites source 2.
    r = ground("湖口县糖尿病患者体检率82%[2]。", SOURCES)
    assert r.text == ""
    assert "湖口县" in r.removed[0][1]


def test_dangling_and_missing_citations() -> None:
    r = ground("透析每次补助100元[7]。激活179867人。", SOURCES)
    assert r.text == "透析每次补助100元[3]。激活179867人[1]。"  # repaired from the evidence
    r = ground("透析每次补助250元[9]。", SOURCES)
    assert r.text == "" and r.removed


def test_uncited_prose_without_figures_is_flagged_not_removed() -> None:
    r = ground("以下数字来自不同地区的材料。透析每次补助100元[3]。", SOURCES)
    assert r.flagged and "100元[3]" in r.text


def test_sentence_split_keeps_markers_with_their_sentence() -> None:
    parts = split_with_markers("甲是10%[1]。乙是20%。[2]\n丙[3]")
    assert parts == ["甲是10%[1]。", "乙是20%。[2]\n", "丙[3]"]
