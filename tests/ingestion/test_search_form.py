"""Retrieval normal form: script, width, Chinese numerals and policy synonyms fold to one spelling."""

from __future__ import annotations

import pytest

from ingestion.normalize import fold_numbers, fold_synonyms, search_form


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("貧困人口大病保險起付線", "贫困人口大病保险起付线"),  # traditional
        ("报销比例达９０％", "报销比例达90%"),  # full-width digits and percent
        ("报销比例达百分之九十", "报销比例达90%"),  # Chinese percent
        ("百分之七十五点五", "75.5%"),
        ("继续开展了二十一种大病", "继续开展了21种大病"),  # numeral before a measure word
        ("三百元", "300元"),
        ("十项", "10项"),
        ("一般情况统一办理", "一般情况统一办理"),  # numeral characters used as words stay
    ],
)
def test_search_form_numbers_and_script(raw: str, expected: str) -> None:
    assert search_form(raw, synonyms=False) == expected


def test_percent_spellings_agree() -> None:
    assert len({search_form(s) for s in ("百分之九十", "90％", "90%", "９０%")}) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("报销比例", "补偿比"),
        ("报销比例", "报销比"),
        ("自付", "个人负担"),
        ("起付线", "门槛费"),
        ("贫困户", "脱贫户"),
        ("建档立卡贫困人口", "建档立卡贫困户"),
        ("起付线", "起付線"),
    ],
)
def test_synonyms_share_a_canonical_form(a: str, b: str) -> None:
    assert search_form(a) == search_form(b)


def test_synonyms_do_not_split_longer_words() -> None:
    assert fold_synonyms("工作汇报") == "工作汇报"
    assert fold_numbers("第二十篇") == "第二十篇"  # article markers are not measure words
