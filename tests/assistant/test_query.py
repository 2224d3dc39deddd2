"""Question analysis, table-driven: question -> what it asks (kind, measure, scope, parts, yes/no, gaps).

The rows are written for this test (not gold questions); only the fields named in a row are checked.
The corpus is the bundled one, so "does the corpus ever say this?" has real answers.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from assistant.evidence import idf_table
from assistant.query import Query, QueryAnalyzer
from index.bm25 import tokenize
from ingestion import normalize_text
from ingestion.normalize import search_form

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"

# (question, expected fields). kind None = no figure kind; places/slots: subset checks; others exact.
ROWS: list[tuple[str, dict[str, object]]] = [
    # figure kinds
    ("贫困人口住院报销比例是多少？", {"kind": "ratio", "measures": ("报销比例",), "slot:care": {"住院"}}),
    ("门诊慢性病的起付线是多少钱？", {"kind": "money", "slot:care": {"门诊", "慢性病"}}),
    ("大病保险起付线多少元？", {"kind": "money", "slot:payer": {"大病保险"}}),
    ("什么时候开始申报？", {"kind": "date"}),
    ("补助资金何时拨付到位？", {"kind": "date"}),
    ("截止日期是哪天？", {"kind": "date"}),
    ("这项工作由哪个部门负责？", {"kind": "who"}),
    ("医疗救助申请找谁办？", {"kind": "who"}),
    ("办理慢病卡的流程是什么？", {"kind": "procedure"}),
    ("低保怎么申请？", {"kind": "procedure", "slot:group": {"低保"}}),
    ("异地就医备案要走哪些手续？", {"kind": "procedure"}),
    ("家庭医生签约率达到多少？", {"kind": "ratio", "measures": ("签约率",)}),
    ("高血压患者规范管理率是多少？", {"kind": "ratio", "measures": ("管理率",), "slot:disease": {"高血压"}}),
    ("老年人体检率多少？", {"kind": "ratio", "measures": ("体检率",)}),
    ("全县有多少贫困户？", {"kind": "count", "slot:group": {"贫困户"}}),
    ("村里有几个卫生室？", {"kind": "count"}),
    ("今年一共发放了多少份宣传册？", {"kind": "count"}),
    ("村里新建了几座水窖？", {"kind": "count"}),
    ("义诊活动安排在哪几天？", {"kind": "date"}),
    ("一共培训了多少名乡村医生？", {"kind": "count"}),
    ("残疾人补贴每月发多少？", {"kind": "money", "slot:group": {"残疾人"}}),
    ("创业贷款最高能贷多少？", {"kind": "money"}),
    ("慢病卡的有效期多久？", {"kind": "duration"}),
    ("公示期是几天？", {"kind": "duration"}),
    # narrative phrases with an asking word say when, they do not ask how long (lexicon `narrative`)
    ("我家前几天刚评上低保，看病住院能报销多少？", {"kind": "figure", "parts": 1}),
    ("十几年前交过新农合，现在住院起付线是多少？", {"kind": "figure", "parts": 1}),
    ("这几年贫困人口住院合规费用自付比例控制在多少？", {"kind": "ratio", "parts": 1}),
    ("备案以后多长时间内有效？", {"kind": "duration"}),
    ("前几天大队干部说了，残疾人补贴是多少？", {"kind": "money", "targets": ("补贴",)}),
    # a number of time units is a duration, not a count of 个 (几个月, 多少个工作日); 几月份 asks which month
    ("异地就医备案的有效期是几个月？", {"kind": "duration"}),
    ("审核要多少个工作日？", {"kind": "duration"}),
    ("几月份开始报名？", {"kind": "date"}),
    # every counter word counts, after 几 as after 多少 (lexicon `counters`)
    ("全乡有几户五保户？", {"kind": "count"}),
    ("镇上有几所卫生院？", {"kind": "count"}),
    # a figure asked without its kind: any figure will do
    ("护林员每年能拿多少报酬？", {"kind": "figure"}),
    ("医疗救助的年度封顶线是多少？", {"kind": "figure"}),
    ("每年至少要办几件实事？", {"kind": "count"}),  # a counter word (件) says what is counted
    ("个人支付要控制在多少以内？", {"kind": "figure"}),
    ("住院押金要交吗？", {"kind": None}),
    ("住院合规费用自付比例不超过多少？", {"kind": "ratio", "measures": ("自付比例",)}),
    ("报销比例提高了多少个百分点？", {"kind": "figure"}),  # a change in points, not a level
    ("今年的工作重点有哪些？", {"kind": None}),
    ("健康扶贫有哪些政策？", {"kind": None}),
    # places and years
    ("湖口县贫困人口住院自付比例是多少？", {"places": {"湖口县"}, "unknown_places": ()}),
    ("火星县贫困人口住院自付比是多少？", {"places": {"火星县"}, "unknown_places": ("火星县",)}),
    ("月球市低保标准是多少？", {"unknown_places": ("月球市",)}),
    ("北京市的起付线是多少？", {"places": {"北京市"}}),
    ("2018年的报销比例是多少？", {"years": ("2018",), "kind": "ratio"}),
    ("2016年和2017年的资助标准分别是多少？", {"years": ("2016", "2017"), "parts": 2}),
    ("2030年的补助标准是多少？", {"years": ("2030",)}),
    ("县级医院住院报销比例是多少？", {"slot:level": {"县级"}, "places": set(), "unknown_places": ()}),
    ("县外住院报销比例多少？", {"slot:level": {"县外"}, "unknown_places": ()}),
    ("省外就医怎么报销？", {"slot:level": {"省外"}, "unknown_places": ()}),
    ("乡镇卫生院住院报销比例是多少？", {"slot:level": {"乡镇卫生院"}, "unknown_places": ()}),
    ("全县贫困人口有多少？", {"unknown_places": ()}),
    ("各乡镇的签约率是多少？", {"unknown_places": ()}),
    ("农村低保标准每年多少元？", {"slot:area": {"农村"}, "slot:group": {"低保"}, "unknown_places": ()}),
    ("城市低保标准是多少？", {"slot:area": {"城市"}, "unknown_places": ()}),
    # groups, care, payer
    ("五保户住院能报多少？", {"slot:group": {"五保户"}, "slot:care": {"住院"}}),
    ("特困供养人员住院自付多少？", {"slot:group": {"特困供养人员"}}),
    ("建档立卡贫困人口门诊报销比例？", {"slot:group": {"建档立卡贫困人口"}, "slot:care": {"门诊"}}),
    ("低保对象的医疗救助比例是多少？", {"slot:group": {"低保对象"}, "slot:payer": {"医疗救助"}}),
    ("计生特扶对象有什么补助？", {"slot:group": {"计生特扶对象"}}),
    ("脱贫户还能享受医保资助吗？", {"slot:group": {"脱贫户"}, "yes_no": True}),
    ("边缘户能参加大病保险吗？", {"slot:group": {"边缘户"}, "yes_no": True}),
    ("重残人员护理补贴多少钱？", {"slot:group": {"重残"}, "kind": "money"}),
    ("糖尿病患者门诊用药能报销吗？", {"slot:disease": {"糖尿病"}, "yes_no": True}),
    ("严重精神障碍患者管理率是多少？", {"slot:disease": {"严重精神障碍"}, "measures": ("管理率",)}),
    ("省财政和县财政各补助多少？", {"slot:payer": {"省财政", "县财政"}, "parts": 2}),
    # a bare "…呢？" after a question asks its figures again for another case
    ("省外来的有多少人次、报了多少钱？省内市外来的呢？", {"parts": 4}),
    ("残疾军人基本医疗保障要达到多少？其他优抚对象呢？", {"parts": 2}),
    ("那门诊呢？", {"parts": 1}),
    ("中央财政补多少？", {"slot:payer": {"中央财政"}}),
    ("个人缴费标准是多少？", {"slot:payer": {"个人"}}),
    # yes/no and negated groups
    ("非贫困人口住院报销比例是多少？", {"negated_groups": ("贫困人口",)}),
    ("非低保对象能不能申请临时救助？", {"negated_groups": ("低保对象",), "yes_no": True}),
    ("既不是低保也不是五保，得了大病能获得救助吗？", {"negated_groups": ("五保", "低保"), "yes_no": True}),
    ("贫困户看病要不要先交押金？", {"yes_no": True}),  # A不A asks yes or no: 要不要, 需不需要, 是不是
    ("慢病卡需不需要每年重新办？", {"yes_no": True}),
    ("家庭医生签约是不是免费的？", {"yes_no": True}),
    ("乡镇卫生院住院设不设起付线？", {"yes_no": True, "missing_term": False}),  # A-not-A with any verb
    ("第几个月开始发？", {"missing_term": False}),
    # a yes/no question asks whether, not how much: a sentence without a number may decide it
    ("低保对象看病有没有起付线？", {"yes_no": True, "wants_number": False}),
    ("湖口县是不是在全市率先实现三级全覆盖？", {"wants_number": False}),  # 率先 is no 率
    ("有没有起付线，有的话是多少？", {"yes_no": True, "wants_number": True}),
    ("是否需要先办理转诊手续？", {"yes_no": True}),
    ("有没有住院费用上限？", {"yes_no": True}),
    ("能不能在县外医院直接结算？", {"yes_no": True}),
    ("可不可以用医保卡买药？", {"yes_no": True}),
    ("五保户算不算特困人员？", {"yes_no": True}),
    ("低保户看病免费吗？", {"yes_no": True}),
    ("住院报销比例是多少？", {"yes_no": False, "parts": 1}),
    # a list of one slot's values asks a figure for each; 几月几号 asks one date
    ("大病保险的起付线和封顶线是多少？", {"parts": 2}),
    ("高血压和糖尿病患者的规范管理率是多少？", {"parts": 2}),
    ("低保和五保对象住院报销比例是多少？", {"parts": 1}),  # one ratio for both groups
    ("申报几月几号截止？", {"kind": "date", "parts": 1}),
    # a year in the writer's own story is not the year asked about; a year set as scope is
    ("我家2016年评上的贫困户，现在住院报销比例是多少？", {"years": ()}),
    ("2019年，全县贫困人口住院报销比例是多少？", {"years": ("2019",)}),
    # kinds of places (城市, 山区) are not places a question names
    ("我养老保险一年交500块，政府补多少？", {"given": ("500块", "一年")}),  # the question's own figures
    ("城市低保标准是多少？", {"places": set()}),
    ("山区群众看病能报多少？", {"places": set()}),
    # asked parts
    ("签约多少人，签约率多少？", {"parts": 2}),
    ("建档多少人，体检多少人，体检率多少？", {"parts": 3}),
    ("门诊和住院分别报销多少？", {"parts": 2}),
    ("高血压、糖尿病、结核病患者各管理了多少人？", {"parts": 3}),
    ("县级和乡镇的报销比例各是多少？", {"parts": 2}),
    ("贫困户住院先诊疗后付费吗？", {"parts": 1}),
    # key terms and phrases missing from the corpus
    ("生育津贴能领多少？", {"missing_phrase": True}),
    ("职工医保退休人员报销比例多少？", {"missing_phrase": True}),
    ("新冠疫苗接种率是多少？", {"missing_term": True}),
    ("比特币补贴怎么申请？", {"missing_term": True}),
    ("贫困人口住院报销比例是多少？", {"missing_term": False, "missing_phrase": False}),
    ("残疾人护理补贴标准是多少？", {"missing_term": False}),
    ("城乡居民基本医疗保险怎么缴费？", {"missing_term": False}),
    # traditional script and full width
    ("貧困人口住院報銷比例是多少？", {"kind": "ratio", "slot:group": {"贫困人口"}, "slot:care": {"住院"}}),
    ("體檢率是多少？", {"kind": "ratio", "measures": ("体检率",)}),
    ("２０１８年的救助比例是多少？", {"years": ("2018",), "kind": "ratio"}),
    ("低保戶每月補助多少錢？", {"kind": "money", "slot:group": {"低保户"}}),
    ("門診慢性病怎麼申請？", {"kind": "procedure", "slot:care": {"门诊", "慢性病"}}),
    ("鄉鎮衛生院住院報銷比例？", {"slot:level": {"乡镇卫生院"}}),
    ("有幾個村完成了簽約？", {"kind": "count"}),
    ("是否需要轉診？", {"yes_no": True}),
    # colloquial wording
    ("我奶奶是五保户，住院要自己掏多少钱？", {"slot:group": {"五保户"}, "slot:care": {"住院"}}),
    ("我家是贫困户，孩子上学有补助吗？", {"slot:group": {"贫困户"}, "yes_no": True}),
    ("村里老人体检一年几次？", {"kind": "count"}),
    ("去县医院看病能报多少？", {"slot:level": {"县医院"}}),
    ("俺们村的低保一个月多少钱？", {"kind": "money", "slot:group": {"低保"}}),
    ("住院了先交钱不？", {"slot:care": {"住院"}}),
    ("那门诊呢？", {"slot:care": {"门诊"}, "kind": None}),
    ("大病保险封顶线多少？", {"slot:payer": {"大病保险"}, "slot:measure": {"封顶"}}),
    ("起付线降到多少了？", {"slot:measure": {"起付"}}),
    ("补偿比例是多少？", {"slot:measure": {"补偿"}, "kind": "ratio"}),
    ("救助比例是多少？", {"slot:measure": {"救助"}, "kind": "ratio"}),
    ("签约率要达到多少？", {"slot:measure": {"签约"}}),
    ("激活率多少？", {"measures": ("激活率",)}),
    ("慢病发生率是多少？", {"measures": ("发生率",)}),
    ("每人每年补助标准是多少？", {"measures": ("补助标准",)}),
    ("人均纯收入要达到多少元？", {"kind": "money"}),
    ("危房改造每户补助多少？", {"kind": "money"}),
    ("光伏扶贫每户每年收益多少？", {"kind": "money"}),
    ("小额信贷贷款期限是几年？", {"kind": "duration"}),
    ("易地搬迁每人补助多少钱？", {"kind": "money"}),
    ("培训合格的发多少补贴？", {"kind": "money"}),
    # a verb (补, 划入, 发了) does not say which kind of figure: 补多少 may be 50% or 100元; a noun does
    ("白内障手术省财政每例补多少？", {"kind": "figure"}),
    ("个人账户每月划入多少？", {"kind": "figure"}),
    ("创业贷款最多能贷多少？", {"kind": "money"}),
    ("今年农村低保标准增加多少？", {"kind": "figure"}),  # 增加/降低 say no kind either
    ("贫困人口住院报销比例提高到多少？", {"kind": "ratio"}),  # 提高到 names the new level
    # asking wordings of a date, an office, a ratio, money
    ("贫困人口体检啥时候完成的？", {"kind": "date"}),
    ("新农合是哪一年开始的？", {"kind": "date"}),
    ("透析要去哪家医院做？", {"kind": "who"}),
    ("规范管理率现在达到了多少？", {"kind": "ratio"}),  # 率 … 多少 with more words between
    # a change (几个百分点, 比例增加了多少) is not the ratio's level: any figure answers it
    ("住院报销提高了几个百分点？", {"kind": "figure"}),
    ("贫困人口报销比例在原基础上增加了多少？", {"kind": "figure"}),
    ("村卫生室能报几成？", {"kind": "ratio"}),
    ("城乡居民医保每人交多少参保费？", {"kind": "money"}),
    # a word that starts like an asking word is one (几所, 哪家, 怎么办): never a topic term, never missing
    ("慢性病卡怎么办？", {"kind": "procedure", "missing_term": False}),
    ("全县一共有几所乡镇卫生院？", {"kind": "count", "missing_term": False}),
    ("医疗救助需不需要本人申请？", {"yes_no": True, "missing_term": False}),
    ("申请临时救助要带什么材料？", {"kind": "procedure"}),
    ("大病保险怎么报销？", {"kind": "procedure"}),
    ("医保局在哪里办公？", {"kind": None}),  # 哪里办公 is where, not which office handles it
]


@cache
def analyzer() -> QueryAnalyzer:
    texts = [normalize_text(p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.txt"))]
    corpus = "\n".join(texts)
    vocab: dict[str, int] = {}
    for t in set(tokenize(search_form(corpus))):
        vocab[t] = 1
    return QueryAnalyzer(idf_table(vocab, 1000), lambda t: vocab.get(t, 0), corpus)


def check(q: Query, field: str, expected: object) -> None:
    if field.startswith("slot:"):
        got = set(q.slots.get(field[5:], frozenset()))
        assert set(expected) <= got, f"{q.text}: slot {field[5:]} {got} lacks {expected}"  # type: ignore[arg-type]
    elif field == "places":
        assert set(expected) <= set(q.places), f"{q.text}: places {q.places}"  # type: ignore[arg-type]
        if not expected:
            assert not q.places, f"{q.text}: places {q.places}"
    elif field == "missing_phrase":
        assert bool(q.missing_phrases or q.missing_terms) == expected, (q.text, q.phrases, q.missing_phrases)
    elif field == "missing_term":
        assert bool(q.missing_terms or q.missing_phrases) == expected, (q.text, q.missing_terms)
    elif field == "measures":
        assert set(expected) <= set(q.measures), f"{q.text}: measures {q.measures}"  # type: ignore[arg-type]
    else:
        assert getattr(q, field) == expected, f"{q.text}: {field} = {getattr(q, field)!r}"


def test_table_has_enough_rows() -> None:
    assert len(ROWS) >= 100


@pytest.mark.parametrize(("question", "expected"), ROWS, ids=[r[0][:14] for r in ROWS])
def test_query_analysis(question: str, expected: dict[str, object]) -> None:
    q = analyzer().analyse(question)
    for field, value in expected.items():
        check(q, field, value)


def test_background_clauses_weigh_half() -> None:
    """Terms only in clauses that ask nothing count half; a term also in the asking clause counts fully."""
    alone = analyzer().analyse("贫困人口住院报销比例是多少？")
    told = analyzer().analyse("我家老伴常年生病，贫困人口住院报销比例是多少？")
    assert told.terms["老伴"] == pytest.approx(0.5 * min(analyzer().idf("老伴"), 8.0))
    assert told.terms["住院"] == pytest.approx(alone.terms["住院"])
    one_clause = analyzer().analyse("我家老伴住院报销比例是多少？")
    assert one_clause.terms["老伴"] == pytest.approx(min(analyzer().idf("老伴"), 8.0))
    # the character pairs a sentence is matched on come from the asking clauses only
    assert "老伴" not in told.bigrams and "报销" in told.bigrams
    assert "老伴" in one_clause.bigrams


def test_terms_are_weighted_and_exclude_asking_words() -> None:
    q = analyzer().analyse("请问贫困人口住院报销比例是多少？")
    assert "多少" not in q.terms and "请问" not in q.terms
    assert q.terms and all(w > 0 for w in q.terms.values())


@pytest.mark.parametrize(
    ("question", "fragment"),
    [
        ("糖尿病病人的体检率有多少？", "率有"),
        ("我是低保户，看病自己掏的那部分钱能报多少？", "钱能"),
        ("返乡创业的企业，房租能补多少？", "能补"),
        ("大病保险有起付线吗？", "有起"),
    ],
)
def test_a_fragment_the_segmenter_glued_is_no_key_term(question: str, fragment: str) -> None:
    """率有 (体检率|有多少) is no word: it neither weighs in coverage nor counts as evidence the corpus lacks.
    A word the dictionary does not know but that holds no function character (新冠) stays missing."""
    q = analyzer().analyse(question)
    assert fragment not in q.terms and fragment not in q.missing_terms
    assert q.terms  # the topic words are still there
    assert "新冠" in analyzer().analyse("新冠疫苗接种率是多少？").missing_terms
