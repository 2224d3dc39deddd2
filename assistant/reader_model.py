"""What the trained reader is: its feature names, which way each may push, the refusal reasons, and the
model file's format (a sentence ranker and two answerability judges, JSON in assistant/data/reader.json).

The features themselves are computed in assistant/reader.py; `policyqa train-reader`
(evals/reader_training.py) fits the weights and the refusal threshold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FILE = Path(__file__).resolve().parent / "data" / "reader.json"

FEATURES: tuple[str, ...] = (
    "cov_sentence",  # IDF-weighted share of key terms in the sentence
    "cov_paragraph",  # … in its paragraph, title and headings
    "cov_article",  # … anywhere in its article
    "phrase_sentence",  # share of the question's compounds written in the sentence
    "phrase_article",  # … in its article
    "missing_corpus",  # IDF share of key terms the corpus never uses
    "missing_phrases",  # compounds the corpus never writes (count, capped)
    "missing_article",  # IDF share of key terms absent from the article
    "anchor_article",  # the question's topic terms occur in the article
    "dense",  # embedding similarity of question and sentence
    "rank_inv",  # 1 / retrieval rank of the chunk
    "asks_numeric",  # the question asks for a money/ratio/date/count/duration figure
    "states_kind",  # the sentence states a figure of the asked kind
    "kind_missing",  # asks a numeric kind, the sentence states none
    "measure_sentence",  # the asked measure (管理率) is named in the sentence
    "measure_conflict",  # the sentence names another measure of the same head (体检率), not the asked one
    "figure_near_measure",  # a figure of the asked kind sits right after a measure/anchor term
    "has_number",
    "wants_number_none",  # the question asks a number, the sentence has none
    "who_office",  # a who-question and the sentence's subject is an office
    "place_sentence",  # a named place occurs in the sentence
    "place_context",  # … in the paragraph's scope (article, headings, scope metadata)
    "place_absent",  # the question names places, none in the paragraph's scope
    "place_unknown",  # the question names a place the corpus never mentions
    "other_place",  # the sentence names a place, not the asked one
    "year_match",
    "year_conflict",  # the sentence states another year than the asked one
    "year_absent",  # the question names a year the article never states
    "slot_match",  # share of named slot values (group, care…) in the sentence
    "slot_conflict",  # the sentence names only a sibling value (门诊 for 住院)
    "yes_no_ungrouped",  # yes/no about a group, the sentence never names the group
    "negated_group",  # 非X asked and the sentence states X's figure, or X asked and the sentence excludes X
    "length",  # log sentence length
    "heading",  # the paragraph is a heading line
    "target_sentence",  # the asked noun (床位, 报酬) is named in the sentence
    "target_near_figure",  # … right next to a figure
    "target_article",  # … somewhere in the article
    "bigram_sentence",  # share of the question's character pairs found in the sentence
    "bigram_paragraph",  # … in its paragraph
    "placeholder",  # the sentence's figures or years are template placeholders (20xx, XX万元)
    "slot_missing",  # share of named slots (payer, group…) of which the sentence names no value at all
    "dense_gap",  # how far the sentence's dense similarity falls below the question's best candidate's
)
JUDGE_FEATURES: tuple[str, ...] = ("ranker_logit", "margin", *FEATURES)

# Which way a feature may push, whatever a small training set suggests: agreement with the question never
# counts against a sentence, a conflict never for it. Features not listed are free.
HELPS = frozenset(
    {
        "ranker_logit",
        "margin",
        "cov_sentence",
        "cov_paragraph",
        "cov_article",
        "phrase_sentence",
        "phrase_article",
        "anchor_article",
        "dense",
        "rank_inv",
        "states_kind",
        "measure_sentence",
        "figure_near_measure",
        "who_office",
        "place_sentence",
        "place_context",
        "year_match",
        "slot_match",
        "target_sentence",
        "target_near_figure",
        "target_article",
        "bigram_sentence",
        "bigram_paragraph",
    }
)
HURTS = frozenset(
    {
        "missing_corpus",
        "missing_phrases",
        "missing_article",
        "kind_missing",
        "measure_conflict",
        "wants_number_none",
        "place_absent",
        "place_unknown",
        "other_place",
        "year_conflict",
        "year_absent",
        "slot_conflict",
        "yes_no_ungrouped",
        "negated_group",
        "placeholder",
        "slot_missing",
        "dense_gap",
    }
)

# Why a refusal happened, by the feature that weighed most against the best sentence (Chinese: users see it):
# each wording once, with the features it explains.
_WORDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("文件中没有提到问题里的地名", ("place_unknown",)),
    ("找到的内容不是问题所问地区的", ("place_absent",)),
    ("找到的内容属于其他地区", ("other_place",)),
    ("文件中没有出现问题里的关键词", ("missing_corpus",)),
    ("文件中没有提到问题所问的项目", ("missing_phrases",)),
    ("找到的材料没有涉及问题的全部要点", ("missing_article", "cov_article", "phrase_article")),
    ("找到的句子没有给出所问的数字", ("kind_missing", "wants_number_none", "states_kind")),
    ("找到的数字属于另一项指标", ("measure_conflict",)),
    ("找到的内容属于其他年份", ("year_conflict",)),
    ("文件中没有所问年份的内容", ("year_absent",)),
    ("找到的内容说的是另一类对象或情形", ("slot_conflict",)),
    ("找到的内容没有说到所问的对象", ("yes_no_ungrouped",)),
    ("找到的数字针对的是另一类人群", ("negated_group",)),
    ("找到的句子没有说到问题所问的事项", ("target_sentence",)),
    ("找到的数字不是问题所问事项的", ("target_near_figure",)),
    ("找到的材料没有说到问题所问的事项", ("target_article",)),
    # the features that most often decide a refusal (out of fold, dev ∪ dev2), in what they measure
    ("有几处内容与问题相近，但没有一处能确定地回答", ("margin", "ranker_logit")),
    ("找到的句子没有说到问题里的对象或情形（如人群、就医类型、出资方）", ("slot_missing",)),
    ("找到的句子只说到问题的一部分", ("cov_sentence", "bigram_sentence", "phrase_sentence", "dense")),
    ("找到的段落只涉及问题的一部分", ("cov_paragraph", "bigram_paragraph")),
    ("找到的数字不是问题所问指标的", ("figure_near_measure",)),
    ("找到的句子里的数字是模板占位符（如20xx、XX万元）", ("placeholder",)),
)
REASONS: dict[str, str] = {feature: wording for wording, features in _WORDINGS for feature in features}
DEFAULT_REASON = "找到的内容与问题不够吻合"
# A how-to or which-office question whose best sentence states no step or office (the judge has no
# check of its own for these kinds, as it has for a missing figure): refused, with these words.
KIND_NOT_STATED: dict[str, str] = {
    "procedure": "找到的句子没有说明办理的步骤或程序",
    "who": "找到的句子没有说明由哪个部门或单位负责",
}


# A figure asked per person, household or case whose best sentence carries no per-unit wording (a total).
PER_UNIT_NOT_STATED = "找到的数字是总数，不是所问的每人（每户、每例）标准"
# A sentence whose only figures are the ones the question states itself ("哪21种" and "开展了21种大病…").
ONLY_GIVEN_FIGURES = "找到的句子只重复了问题里的数字，没有回答所问的内容"


# Scope the judge may outweigh but an answer must not: a named place or year that the best sentence's
# article, headings and scope never state (another place's or year's figure does not answer "北京…是多少"
# or "到2025年…多少"), a sentence naming only another value of a slot the question names (农村 for 城市,
# 住院 for 门诊), and a sentence about the group the question excludes (贫困人口's figure for "非贫困人口")
# or excluding the asked one. Each refuses after the judge, with its reason. (The threshold is chosen
# without them: choosing it on the decisions they leave lowered it and let wrong answers in, docs/evals.md.)
SCOPE_GATES: tuple[str, ...] = ("place_absent", "year_absent", "slot_conflict", "negated_group")


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def judge_row(logits: np.ndarray, best: int, row: list[float]) -> np.ndarray:
    """The judge sees the best sentence's ranker logit, its margin over the runner-up and its features."""
    others = np.delete(logits, best)
    margin = float(logits[best] - others.max()) if len(others) else 5.0
    return np.asarray([float(logits[best]), margin, *row], dtype=float)


@dataclass(frozen=True)
class LinearModel:
    """A standardised logistic model over named features."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logits(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def proba(self, x: np.ndarray) -> np.ndarray:
        return sigmoid(self.logits(x))

    def against(self, x: np.ndarray) -> str:
        """The feature that pulls this row's score down the most (for a refusal's reason)."""
        return self.names[int(np.argmin((x - self.mean) / self.scale * self.coef))]

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(self.names),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "coef": self.coef.round(6).tolist(),
            "intercept": round(self.intercept, 6),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], names: tuple[str, ...]) -> LinearModel:
        if tuple(data["features"]) != names:
            raise ValueError("reader model was trained on other features: run `policyqa train-reader`")
        return cls(
            names,
            np.asarray(data["mean"], dtype=float),
            np.asarray(data["scale"], dtype=float),
            np.asarray(data["coef"], dtype=float),
            float(data["intercept"]),
        )

    @classmethod
    def zeros(cls, names: tuple[str, ...]) -> LinearModel:
        n = len(names)
        return cls(names, np.zeros(n), np.ones(n), np.zeros(n), 0.0)


_ASKS_FIGURE = JUDGE_FEATURES.index("asks_numeric")


def asks_figure(row: np.ndarray) -> bool:
    """Whether the question behind a judge row asks for a figure: which of the two judges decides it."""
    return bool(row[_ASKS_FIGURE] > 0.5)


@dataclass(frozen=True)
class ReaderModel:
    """Ranker (which sentence answers) and two judges (does the best one really answer): one for
    questions that ask for a figure, one for those that do not (yes/no, who, procedure), whose right
    sentences look different (a number in the sentence counts for the first and against the second)."""

    ranker: LinearModel
    judge: LinearModel  # questions asking for a figure
    judge_other: LinearModel  # questions asking for none
    threshold: float  # refuse when the judge's probability is below this
    meta: dict[str, object]

    def judge_for(self, row: np.ndarray) -> LinearModel:
        """The judge of the question behind a judge row."""
        return self.judge if asks_figure(row) else self.judge_other

    def confidence(self, row: np.ndarray) -> float:
        return float(self.judge_for(row).proba(row[None, :])[0])

    def to_json(self) -> dict[str, object]:
        return {
            "ranker": self.ranker.to_json(),
            "judge": self.judge.to_json(),
            "judge_other": self.judge_other.to_json(),
            "threshold": round(self.threshold, 4),
            **self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReaderModel:
        if "judge_other" not in data:
            raise ValueError("reader model was trained on other features: run `policyqa train-reader`")
        meta = {k: v for k, v in data.items() if k not in {"ranker", "judge", "judge_other", "threshold"}}
        return cls(
            LinearModel.from_json(data["ranker"], FEATURES),
            LinearModel.from_json(data["judge"], JUDGE_FEATURES),
            LinearModel.from_json(data["judge_other"], JUDGE_FEATURES),
            float(data["threshold"]),
            meta,
        )

    @classmethod
    def untrained(cls) -> ReaderModel:
        """All-zero weights: only for computing features before the first training."""
        zeros = LinearModel.zeros(JUDGE_FEATURES)
        return cls(LinearModel.zeros(FEATURES), zeros, zeros, 0.5, {"untrained": True})

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> ReaderModel:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
