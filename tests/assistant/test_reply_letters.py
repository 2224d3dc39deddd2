"""Reply mode on whole letters: splitting a letter into standalone questions, and one draft for all.

The letters below are written for these tests (none is a gold letter): simplified and traditional
script, one to three questions, greetings and sign-offs, wrong assumptions, and out-of-scope requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pytest

from assistant.letters import split_letter
from assistant.models import Answer, Citation
from assistant.reply import compose_letter_reply
from index.base import SearchHit
from ingestion.models import Chunk
from prompts import render


@dataclass(frozen=True)
class Case:
    """A letter, the questions it asks (as quoted in the draft), and what each standalone form holds."""

    letter: str
    asked: list[str]
    holds: list[list[str]] = field(default_factory=list)  # per question: substrings of the standalone
    lacks: list[list[str]] = field(default_factory=list)  # per question: what must not be carried in


LETTERS: dict[str, Case] = {
    "one question, greeting and thanks": Case(
        "尊敬的县医保局领导：您好！我父亲今年住院做了手术，花了不少钱。请问低保户住院报销比例是多少？谢谢！",
        ["低保户住院报销比例是多少？"],
    ),
    "lead phrase, no question mark": Case(
        "领导好！我想问一下，我们村的低保标准今年提高了没有，每人每月是多少。麻烦回个话。",
        ["我们村的低保标准今年提高了没有，每人每月是多少。"],
    ),
    "two questions, the second leans on the first": Case(
        "尊敬的镇政府领导：您好！我家是建档立卡贫困户，儿子今年考上了大学。"
        "请问贫困户家庭的大学新生有没有资助？能给多少钱？盼复。",
        ["贫困户家庭的大学新生有没有资助？", "能给多少钱？"],
        holds=[[], ["大学新生", "能给多少钱"]],
        lacks=[["建档立卡"], []],  # the question names its own group
    ),
    "three questions, sign-off formula": Case(
        "尊敬的县人社局领导：我在镇上开了个小超市，想扩大经营。请问返乡创业能申请创业担保贷款吗？"
        "最多能贷多少？利息要自己出吗？此致敬礼！",
        ["返乡创业能申请创业担保贷款吗？", "最多能贷多少？", "利息要自己出吗？"],
        holds=[[], ["创业担保贷款", "最多能贷多少"], ["最多能贷多少", "利息要自己出吗"]],
    ),
    "traditional, the writer is not in the group": Case(
        "尊敬的縣民政局領導：您好！我們家不是低保戶，老伴去年中風癱瘓在床。"
        "請問像我們這樣的家庭能不能申請臨時救助？需要準備哪些材料？謝謝！",
        ["像我们这样的家庭能不能申请临时救助？", "需要准备哪些材料？"],
        holds=[[], ["临时救助", "需要准备哪些材料"]],
        lacks=[["低保户："], ["低保户："]],
    ),
    "out of scope, elliptic question takes the background": Case(
        "尊敬的市交通局领导：我们小区门口的公交站去年撤了，老人出门很不方便。请问什么时候能恢复？",
        ["什么时候能恢复？"],
        holds=[["公交站", "什么时候能恢复"]],
    ),
    "wrong assumption in the background": Case(
        "尊敬的领导：村里人都说，残疾人只要办了证每个月就能领一千块钱补贴，可我办证两年了一分钱都没领到。"
        "请问残疾人补贴到底是按什么标准发的？",
        ["残疾人补贴到底是按什么标准发的？"],
    ),
    "signature and date lines": Case(
        "尊敬的县民政局领导：\n您好！\n我家房子在七月的暴雨里塌了半边。\n请问倒房重建每户能补助多少钱？\n"
        "此致\n敬礼！\n村民 王某某\n2024年3月5日",
        ["倒房重建每户能补助多少钱？"],
    ),
    "no question mark, indirect question": Case(
        "尊敬的卫生院领导：我母亲有高血压，在村卫生室登记了。不知道高血压病人每年能不能免费体检。盼复。",
        ["高血压病人每年能不能免费体检。"],
    ),
    "asks nothing: the request itself": Case(
        "尊敬的领导：您好！我们村的路灯坏了好几个月了，晚上出门很不安全。希望尽快修好。谢谢！",
        ["我们村的路灯坏了好几个月了，晚上出门很不安全。希望尽快修好。"],
    ),
    "traditional, place and group of the writer": Case(
        "敬愛的領導：您好！我是湖口縣的村民，家裡是建檔立卡貧困戶，兒子在蘇州打工。"
        "我想請問，貧困戶住院的起付線是多少？門診慢性病能報多少？謝謝您！",
        ["贫困户住院的起付线是多少？", "门诊慢性病能报多少？"],
        holds=[["湖口县"], ["湖口县建档立卡贫困户：", "门诊慢性病能报多少"]],
        lacks=[["苏州", "建档立卡"], ["苏州"]],
    ),
    "numbered questions": Case(
        "请问：1.低保每月发多少钱？2.多久评一次？",
        ["低保每月发多少钱？", "多久评一次？"],
        holds=[[], ["低保每月发多少钱", "多久评一次"]],
    ),
    "12345 message, no greeting": Case(
        "低保户的孩子上高中有没有补助？一年多少钱？",
        ["低保户的孩子上高中有没有补助？", "一年多少钱？"],
        holds=[[], ["上高中有没有补助", "一年多少钱"]],
    ),
    "indirect doubt and an explicit question": Case(
        "尊敬的县教育局领导：我女儿今年上初三，成绩不错。不知道贫困家庭的孩子上高中有什么优惠。"
        "请问高中阶段的助学金每年多少钱？谢谢！",
        ["高中阶段的助学金每年多少钱？"],
    ),
    "traditional, out of scope, two questions": Case(
        "尊敬的市公安局領導：我想把戶口從鄉下遷到城裡，請問需要什麼手續？要多久能辦好？",
        ["需要什么手续？", "要多久能办好？"],
        holds=[["户口"], ["需要什么手续", "要多久能办好"]],
    ),
    "three numbered questions after an announcement": Case(
        "尊敬的县卫健局领导：您好！我是柳河镇的村民。我有三个问题想咨询：一、家庭医生签约要不要交钱？"
        "二、签约以后每年能免费体检几次？三、签约医生多久上门随访一次？盼复为感！",
        ["家庭医生签约要不要交钱？", "签约以后每年能免费体检几次？", "签约医生多久上门随访一次？"],
        holds=[["柳河镇"], ["柳河镇"], ["柳河镇"]],
    ),
    "thanks inside the question sentence": Case(
        "请问孤儿每月的基本生活费是多少，谢谢！",
        ["孤儿每月的基本生活费是多少"],
    ),
    "greeting without address, lead with colon": Case(
        "您好，我想咨询一下：农村老人满多少岁能领高龄津贴？",
        ["农村老人满多少岁能领高龄津贴？"],
    ),
    "traditional, wrong assumption asked, conditional follow-up": Case(
        "尊敬的鎮政府領導：聽說只要是貧困戶，孩子上大學每年都能領五千塊錢，是真的嗎？如果是一次性的，什麼時候發？",
        ["听说只要是贫困户，孩子上大学每年都能领五千块钱，是真的吗？", "如果是一次性的，什么时候发？"],
        holds=[[], ["五千块钱", "什么时候发"]],
    ),
    "address without salutation word": Case(
        "县民政局：我家房子去年被洪水冲坏了。请问倒房重建每户补助多少？",
        ["倒房重建每户补助多少？"],
    ),
    "half-width question mark": Case(
        "请问医保卡丢了去哪里补办?",
        ["医保卡丢了去哪里补办?"],
    ),
    "line breaks instead of punctuation": Case(
        "尊敬的领导\n您好\n我是李家村村民\n请问今年新农合每人交多少钱\n谢谢",
        ["今年新农合每人交多少钱"],
    ),
    "who the writer is, then the question, in one sentence": Case(
        "我是建档立卡贫困户，住院费用能报销多少？",
        ["住院费用能报销多少？"],
        holds=[["建档立卡贫困户：住院费用能报销多少"]],
    ),
    "who the writer is, then an elliptic question": Case(
        "尊敬的县教育局领导：我家孩子今年上高中，有没有补助？",
        ["有没有补助？"],
        holds=[["我家孩子今年上高中，有没有补助"]],
    ),
    "traditional, one question with a long story": Case(
        "尊敬的區殘聯領導：您好！我兒子今年十歲，三歲時確診自閉症，這些年一直在外地做康復訓練，"
        "家裡的積蓄都花光了。聽說殘疾兒童康復有救助，請問每年最多能救助多少錢？盼望回覆，謝謝！",
        ["每年最多能救助多少钱？"],
        holds=[["残疾儿童康复有救助", "每年最多能救助多少钱"]],
    ),
}


@pytest.mark.parametrize("name", list(LETTERS))
def test_letter_is_split_into_its_questions(name: str) -> None:
    case = LETTERS[name]
    questions = split_letter(case.letter)
    assert [q.asked for q in questions] == case.asked
    for q, holds in zip(questions, case.holds, strict=False):
        for term in holds:
            assert term in q.standalone, (term, q.standalone)
    for q, lacks in zip(questions, case.lacks, strict=False):
        for term in lacks:
            assert term not in q.standalone, (term, q.standalone)


def test_enough_letters_of_each_kind() -> None:
    counts = [len(c.asked) for c in LETTERS.values()]
    assert len(LETTERS) >= 20 and {1, 2, 3} <= set(counts)
    assert sum(bool(re.search("[們會這裡請問]", c.letter)) for c in LETTERS.values()) >= 4


def test_every_question_stands_alone_without_greeting_or_sign_off() -> None:
    for case in LETTERS.values():
        for q in split_letter(case.letter):
            assert "尊敬" not in q.standalone and "此致" not in q.standalone and "您好" not in q.standalone


# --- composition ---------------------------------------------------------------------------------


def cite(n: int, pid: str, text: str = "") -> Citation:
    return Citation(n, pid, "000.txt", "工作汇报 篇1", ("一、",), text or pid, 0, 10)


def hit(cid: str) -> SearchHit:
    chunk = Chunk(cid, "000.txt", "", (), (), 0, 10, "", "", 0)
    return SearchHit(chunk=chunk, score=1.0)


class FakeAnswers:
    """answer_one for the composer: canned answers chosen by a word of the question; records questions."""

    def __init__(self, by_word: dict[str, Answer]) -> None:
        self.by_word = by_word
        self.asked: list[str] = []

    def __call__(self, question: str) -> Answer:
        self.asked.append(question)
        for word, answer in self.by_word.items():
            if word in question:
                return answer
        return Answer(render("refusal"), True, hits=[hit("other")])


TWO_PART = "尊敬的领导：您好！我家是贫困户。请问住院起付线是多少？门诊慢性病能报多少？谢谢！"


def test_two_answered_parts_merge_and_renumber_citations() -> None:
    fake = FakeAnswers(
        {
            "门诊": Answer(
                "门诊慢性病报销70%[1]，起付线按住院执行[2]。",
                False,
                [cite(1, "p-men"), cite(2, "p-qi")],
                hits=[hit("c2")],
            ),
            "起付线": Answer("住院起付线为500元[1]。", False, [cite(1, "p-qi")], hits=[hit("c1")]),
        }
    )
    answer = compose_letter_reply(TWO_PART, fake, today=date(2026, 1, 2))
    assert len(fake.asked) == 2 and not answer.refused
    assert [(c.n, c.paragraph_id) for c in answer.citations] == [(1, "p-qi"), (2, "p-men")]
    assert "住院起付线为500元[1]。" in answer.text
    assert "门诊慢性病报销70%[2]，起付线按住院执行[1]。" in answer.text
    assert "一、关于“住院起付线是多少”" in answer.text and "二、关于“门诊慢性病能报多少”" in answer.text
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)} == {c.n for c in answer.citations}
    assert [h.chunk.id for h in answer.hits] == ["c1", "c2"]
    assert answer.text.startswith("尊敬的来信人：") and answer.text.endswith("2026年1月2日")
    assert "您反映的“住院起付线是多少”等问题已收悉" in answer.text


def test_a_declined_part_is_said_and_cites_nothing() -> None:
    fake = FakeAnswers({"起付线": Answer("住院起付线为500元[1]。", False, [cite(1, "p-qi")])})
    answer = compose_letter_reply(TWO_PART, fake)
    assert not answer.refused and [c.paragraph_id for c in answer.citations] == ["p-qi"]
    second = answer.text.split("二、")[1]
    assert render("reply_part_declined") in second and "门诊慢性病能报多少" in second
    assert not re.search(r"\[\d+\]", second)
    assert any("declined" in n for n in answer.notes)


def test_a_declined_part_says_nothing_was_found_not_that_the_documents_are_silent() -> None:
    # the reader declines parts the documents do answer (false refusals): the draft must not tell the
    # citizen the documents say nothing on the matter
    assert "未找到" in render("reply_part_declined") and "未涉及" not in render("reply_part_declined")


def test_a_declined_parts_closest_paragraph_is_shown_beside_the_draft_not_in_it() -> None:
    closest = cite(1, "p-men", "门诊统筹基金按年度支付，具体比例见附件。")
    declined = Answer(render("refusal"), True, hits=[hit("c9")], related=[closest])
    fake = FakeAnswers(
        {"起付线": Answer("住院起付线为500元[1]。", False, [cite(1, "p-qi")]), "门诊": declined}
    )
    answer = compose_letter_reply(TWO_PART, fake)
    assert [c.paragraph_id for c in answer.citations] == ["p-qi"]
    assert [(c.n, c.paragraph_id) for c in answer.related] == [(1, "p-men")]
    assert closest.text not in answer.text


def test_all_declined_letter_is_refused_without_citations() -> None:
    fake = FakeAnswers({})
    answer = compose_letter_reply("尊敬的市交通局领导：请问公交站什么时候恢复？站牌谁来修？", fake)
    assert answer.refused and answer.citations == [] and answer.related == []
    assert render("reply_refused_body") in answer.text
    assert not re.search(r"\[\d+\]", answer.text)


def test_an_answer_without_citations_counts_as_declined() -> None:
    fake = FakeAnswers({"起付线": Answer("住院起付线为500元。", False, [])})
    answer = compose_letter_reply("请问住院起付线是多少？", fake)
    assert answer.refused and answer.citations == []


def test_one_question_letter_has_no_part_headings() -> None:
    fake = FakeAnswers({"起付线": Answer("住院起付线为500元[1]。", False, [cite(1, "p-qi")])})
    answer = compose_letter_reply("尊敬的领导：请问住院起付线是多少？", fake)
    assert "住院起付线为500元[1]。" in answer.text and "一、关于" not in answer.text
    assert fake.asked == ["住院起付线是多少？"]


def test_two_parts_answered_by_the_same_sentence_say_it_once() -> None:
    same = Answer("起付线500元，封顶线10万元[1]。", False, [cite(1, "p-qi")])
    fake = FakeAnswers({"起付线": same, "封顶线": same})
    answer = compose_letter_reply("请问住院起付线是多少？封顶线是多少？", fake)
    assert answer.text.count("起付线500元，封顶线10万元[1]。") == 1
    assert render("reply_part_same", n="一") in answer.text
