"""What kind of figure a question asks for, and whether a sentence states one of that kind."""

from __future__ import annotations

import re
from typing import Literal

from assistant.grounding import places_in

FigureKind = Literal["money", "ratio", "date", "count", "who", "procedure"]
NUMERIC_KINDS = ("money", "ratio", "date", "count")

_ASKS: list[tuple[FigureKind, re.Pattern[str]]] = [  # first match wins: explicit wording before implicit
    ("date", re.compile(r"哪天|哪一天|几月几[日号]|什么时候|何时|截止日期")),
    ("money", re.compile(r"多少钱|几块钱|多少元|多少万元")),
    ("who", re.compile(r"哪个部门|哪个单位|哪一级|找谁|由谁|向谁|谁来|谁负责|哪里办|去哪")),
    (
        "procedure",
        re.compile(r"程序|流程|手续|怎么办理|如何办理|怎么申请|如何申请|先办什么|要办什么|第一步|要走"),
    ),
    (
        "ratio",
        re.compile(
            r"比例|比率|百分之|占比|占[^，。？?]{0,8}多少|比[^，。？?]{0,4}多少|[^\d]率[^，。？?]{0,4}多少|多少%|降低多少|增加多少"
        ),
    ),
    (
        "count",
        re.compile(
            r"几个|几台|几名|几人|几家|几次|几种|多少(人|名|个|家|户|种|次|台|所)|多少[^，。？?]{0,6}(患者|人员|对象|老人|人口|户|村|医生)"
        ),
    ),
    (
        "money",
        re.compile(r"(费|金|津贴|补贴|补助|贷款|资金|工资|划入|贷|补|发了|收入)[^，。？?]{0,8}(多少|几)"),
    ),
]
_STATES: dict[FigureKind, re.Pattern[str]] = {
    "who": re.compile(
        r"村委会|居委会|村民委员会|[\u4e00-\u9fff]{1,6}(局|办|委|残联|部门|中心|机构|政府|医院|卫生院|窗口)"
    ),
    "procedure": re.compile(r"申请|提出|备案|办理|评议|公示|审批|审核|登记|核实|上报|筛查|确定|报送"),
    "money": re.compile(r"\d[\d,.]*\s*(万|亿)?元|[一二三四五六七八九十百千万两]+元"),
    "ratio": re.compile(r"\d[\d.]*\s*[%％]|百分之|个?百分点|[一二三四五六七八九]成"),
    "date": re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*[日号]|[一二三四五六七八九十]+月[一二三四五六七八九十]+日"),
    "count": re.compile(  # a lone 一 (每年一次, 一个) is wording, not a count
        r"\d[\d,.]*\s*[万]?(人|名|个|家|户|种|次|台|所|例|项)"
        r"|(?:[二三四五六七八九十百千两]|一[十百千万])[一二三四五六七八九十百千万两]*(人|名|个|家|户|种|次|台|所|项)"
    ),
}
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")


def wanted_figure(question: str) -> FigureKind | None:
    for kind, pattern in _ASKS:
        if pattern.search(question):
            return kind
    return None


def states_figure(sentence: str, kind: FigureKind) -> bool:
    return bool(_STATES[kind].search(sentence))


def years_in(text: str) -> set[str]:
    return set(_YEAR.findall(text))


def question_scope(question_norm: str) -> tuple[set[str], set[str]]:
    """(places, years) the question names; answers should be about these when given."""
    return places_in(question_norm), years_in(question_norm)
