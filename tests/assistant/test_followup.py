"""Follow-up questions on real two-turn conversations about the corpus become standalone questions."""

from __future__ import annotations

import pytest

from assistant.core import Assistant
from assistant.followup import is_follow_up, rewrite, standalone_question
from assistant.models import Turn
from assistant.numbers import fold

# (first question, follow-up, expected standalone question, a figure the corpus gives for it)
CONVERSATIONS = [
    ("城市低保保障标准调到了多少？", "那农村呢？", "农村低保保障标准调到了多少？", "360元"),
    (
        "2017年贫困患者在县域内住院，个人支付比例控制在多少？",
        "2018年呢？",
        "2018年贫困患者在县域内住院,个人支付比例控制在多少？",
        "5%",
    ),
    ("小屯卫生院登记管理了多少高血压患者？", "糖尿病呢？", "小屯卫生院登记管理了多少糖尿病患者？", "262人"),
    (
        "低保对象个人自付部分医疗费的救助比例提高到多少？",
        "特困户呢？",
        "特困户个人自付部分医疗费的救助比例提高到多少？",
        "70%",
    ),
    (
        "门诊统筹在乡镇、村级医疗机构就医的报销比例是多少？",
        "那县级呢？",
        "门诊统筹在县级医疗机构就医的报销比例是多少？",
        "70%",
    ),
    ("白内障复明手术每例省财政补助多少？", "区财政呢？", "白内障复明手术每例区财政补助多少？", "500元"),
]
# Known gaps (issue 11) go here as follow-ups the reader's judge refuses, marked strict xfail so they fail
# loudly once the reader gets them right. "区财政呢？" was one until the dense_gap feature (2026-11-30) and is
# one again since the ranker's stronger regularisation (C_REG 0.3 -> 0.003, same day): the rewriting is right,
# the ranker now puts the operation's cost (约1500元) first and the judge refuses it (0.41 < 0.5, session 6).
_REFUSED_TODAY: set[str] = {"区财政呢？"}


@pytest.mark.parametrize(("first", "follow", "expected", "_figure"), CONVERSATIONS)
def test_rule_based_rewriting(first: str, follow: str, expected: str, _figure: str) -> None:
    history = [Turn("user", first), Turn("assistant", "……")]
    assert standalone_question(follow, history) == expected


def test_a_complete_question_is_left_alone() -> None:
    history = [Turn("user", "城市低保保障标准调到了多少？"), Turn("assistant", "……")]
    q = "贫困户住院需要先交押金吗？"
    assert not is_follow_up(q)
    assert standalone_question(q, history) == q
    assert standalone_question("那农村呢？", None) == "那农村呢？"


def test_three_turns_chain_through_the_rewritten_question() -> None:
    history = [
        Turn("user", "2017年贫困患者在县域内住院，个人支付比例控制在多少？"),
        Turn("assistant", "……"),
        Turn("user", "2018年呢？"),
        Turn("assistant", "……"),
    ]
    assert standalone_question("那县域外呢？", history).startswith("2018年贫困患者在县域外住院")


def test_unknown_follow_up_keeps_the_topic() -> None:
    assert rewrite("城市低保保障标准调到了多少？", "那申请要什么材料呢？").startswith(
        "城市低保保障标准调到了多少"
    )


@pytest.mark.model
@pytest.mark.parametrize(
    ("first", "follow", "_expected", "figure"),
    [
        pytest.param(*c, marks=pytest.mark.xfail(strict=True, reason="judge refuses; issue 11"))
        if c[1] in _REFUSED_TODAY
        else c
        for c in CONVERSATIONS
    ],
)
def test_follow_up_answers_with_the_new_scope(
    use_assistant: Assistant, first: str, follow: str, _expected: str, figure: str
) -> None:
    history = [Turn("user", first), Turn("assistant", use_assistant.ask(first).text)]
    answer = use_assistant.ask(follow, history)
    assert not answer.refused, answer.question
    assert fold(figure) in fold(answer.text), (answer.question, answer.text)


def test_llm_backend_rewrites_with_the_model(hashing_assistant: Assistant) -> None:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    from assistant.llm import LLMAnswerer

    chat = GenericFakeChatModel(
        messages=iter([AIMessage("农村低保保障标准调到了多少？"), AIMessage("NO_ANSWER")])
    )
    a = Assistant(hashing_assistant.index, hashing_assistant.embedder, llm=LLMAnswerer(chat))
    answer = a.ask("那农村呢？", [Turn("user", "城市低保保障标准调到了多少？"), Turn("assistant", "……")])
    assert answer.question == "农村低保保障标准调到了多少？"
    assert answer.refused  # the scripted model declined to answer
