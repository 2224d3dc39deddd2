"""What kind of figure a sentence states, table-driven (sentences written for this test, normalised
as the reader sees them). A month, a month's end or a year's end answers "when"; minutes, quarters and
"each year" answer "how long / how often"."""

from __future__ import annotations

import pytest

from assistant.figures import states_figure, years_in
from ingestion import normalize_text

ROWS: list[tuple[str, str, bool]] = [
    # dates
    ("调整结果于11月20日前上报镇扶贫办。", "date", True),
    ("项目将于11月底前全部建成。", "date", True),
    ("3月及9月分别开展接种证查验。", "date", True),
    ("2013年8月起在两个社区试点。", "date", True),
    ("一期厂房计划2019年底前建成。", "date", True),
    ("每年十月一日起开始缴费。", "date", True),
    ("有效期为3个月。", "date", False),
    ("报销比例提高到90%。", "date", False),
    ("全县共有142个村卫生室。", "date", False),
    # durations and frequencies
    ("居民出行15分鐘可到達社區衛生服務機構。", "duration", True),
    ("每季度至少1次开展驻村蹲点。", "duration", True),
    ("备案有效期为3个月。", "duration", True),
    ("10个工作日内办结。", "duration", True),
    ("半年内完成整改。", "duration", True),
    ("于11月20日前上报。", "duration", False),
    ("补助标准为每人500元。", "duration", False),
    # a figure of any kind (the question gave none)
    ("每人每年报酬1200元。", "figure", True),
    ("办实事不少于2件。", "figure", True),
    ("全部免收个人缴费。", "figure", False),
    # the other kinds are unchanged
    ("个人自付比例不超过10%。", "ratio", True),
    ("报销比例在原基础上提高5个百分点。", "ratio", False),  # a change, not the ratio
    ("报销比例在原基础上提高5个百分点。", "figure", True),
    ("村卫生室报销七成。", "ratio", True),
    ("每户补助2000元。", "money", True),
    ("一年交五百块钱。", "money", True),  # 块 is spoken 元
    ("这块地归村集体。", "money", False),
    ("全镇42户贫困户获得贷款。", "count", True),
    # counts in any counter word, also "余/多" before it
    ("累计发放宣传手册70万份。", "count", True),
    ("新建水窖43座，已全部投入使用。", "count", True),
    ("共诊疗4000余人次。", "count", True),
    ("报销比例提高到90%。", "count", False),
    ("共有七十余户申请。", "count", True),  # Chinese numerals take 余 too
    # a procedure is a step to take; a count of cases handled is a statistic, not how to do it
    ("符合条件的可向县医保经办机构提出备案申请。", "procedure", True),
    ("由村委会审核后报乡镇审批，公示7天。", "procedure", True),
    ("全年共办理异地就医备案登记6589人次。", "procedure", False),
    ("慢性病卡办理1034人。", "procedure", False),
]


@pytest.mark.parametrize(("sentence", "kind", "expected"), ROWS, ids=[f"{r[1]}:{r[0][:10]}" for r in ROWS])
def test_states_figure(sentence: str, kind: str, expected: bool) -> None:
    assert states_figure(normalize_text(sentence), kind) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("2019年底前完成", {"2019"}),
        ("(2016.01.01-2016.09.12实施贫困患者县域内住院个人支付“零支付”", {"2016"}),
        ("2016-9-12起执行", {"2016"}),
        ("2017-2019年累计扶持573人", {"2017", "2018", "2019"}),
        ("2017至2019年", {"2017", "2018", "2019"}),
        ("培训3.5万人", set()),
        ("咨询电话0571-2019", set()),
    ],
)
def test_years_a_text_states(text: str, years: set[str]) -> None:
    """A written date and a span of years state their years, not only "2019年"."""
    assert years_in(text) == years


def test_a_sentence_repeating_only_the_questions_own_figures_adds_none() -> None:
    from assistant.figures import only_given_figures

    assert only_given_figures("(三)继续开展了21种大病贫困患者集中专项救治工作。", ("21种",))
    assert not only_given_figures("21种大病包括…,共救治350人。", ("21种",))  # a figure of its own
    assert not only_given_figures("继续开展大病集中救治工作。", ("21种",))  # no digits: not judged here
    assert not only_given_figures("开展了21种大病集中救治。", ())  # the question states no figure
