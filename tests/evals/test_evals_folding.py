"""Folding and number extraction: what makes `百分之九十` the same figure as `90％`."""

from __future__ import annotations

import pytest

from evals.folding import extract_numbers, fold, ungrounded_numbers


def test_fold_traditional_fullwidth_spaces() -> None:
    assert fold("醫療 保險\u3000報銷") == "医疗保险报销"
    assert fold("比例ＡＢ ９０％\n") == "比例AB90%"
    assert fold("\t 85 % ") == "85%"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("十二", {"12"}),
        ("二十一种大病", {"21"}),
        ("百分之九十", {"90%"}),
        ("一千五百元", {"1500"}),
        ("一千五", {"1500"}),
        ("一百零五人", {"105"}),
        ("二〇一八年", {"2018"}),
        ("３５０元", {"350"}),
        ("比例達９０％", {"90%"}),
        ("179,867人", {"179867"}),
        ("1.24%", {"1.24%"}),
        ("2346.37万元", {"23463700"}),
        ("170萬元", {"1700000"}),
        ("一百七十万", {"1700000"}),
        ("增加5个百分点", {"5"}),
        ("签约率100%[1][2]", {"100%"}),
        ("见[3]", set()),
        ("一般控制", set()),
        ("农村五保对象", set()),
        ("实行零起付", set()),
        ("两次", {"2"}),
    ],
)
def test_extract_numbers(text: str, expected: set[str]) -> None:
    assert extract_numbers(text) == expected


def test_percent_forms_are_one_number() -> None:
    assert extract_numbers("百分之九十") == extract_numbers("90%") == extract_numbers("９０％")
    assert extract_numbers("90%") != extract_numbers("90")  # a percent is not the bare number


def test_ungrounded_numbers() -> None:
    cited = ["綜合報銷比例達百分之九十以上", "每次补助100元"]
    assert ungrounded_numbers("综合报销比例达90%[1]，每次补助一百元[2]", cited) == []
    assert ungrounded_numbers("报销比例85%，封顶3000元，85%[1]", cited) == ["85%", "3000"]
    assert ungrounded_numbers("比例90%", []) == ["90%"]
    assert ungrounded_numbers("不需要押金[1]", cited) == []
