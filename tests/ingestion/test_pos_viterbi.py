"""The vectorised part-of-speech decoder gives exactly jieba's own tags and scores."""

from __future__ import annotations

import random
import re

import pytest

from ingestion.pos_viterbi import PosViterbi
from ingestion.segment import posseg


@pytest.fixture(scope="module")
def tables():
    p = posseg()  # jieba initialised the way the product does it (decoder installed)
    return p.char_state_tab_P, p.start_P, p.trans_P, p.emit_P


def _jieba_viterbi():
    from jieba.posseg.viterbi import viterbi

    return viterbi


def _samples(corpus_dir) -> list[str]:
    runs = [
        run
        for f in sorted(corpus_dir.iterdir())
        if f.suffix in {".txt", ".md"}
        for run in re.findall(r"[\u4e00-\u9fff]+", f.read_text(encoding="utf-8", errors="ignore"))
    ]
    rng = random.Random(7)
    chars = sorted({c for r in runs for c in r})
    picked = [r[:16] for r in rng.sample(runs, min(300, len(runs)))]
    picked += ["".join(rng.choice(chars) for _ in range(rng.randint(1, 10))) for _ in range(200)]
    cjk = [chr(c) for c in range(0x4E00, 0xA000)]
    picked += ["".join(rng.choice(cjk) for _ in range(rng.randint(1, 6))) for _ in range(100)]
    # characters jieba has no entry for, too
    return [*picked, "鄂托克旗阿尔巴斯苏木", "火星县", "阿", "𠀀𠀁"]


def test_same_tags_and_scores_as_jieba(tables, corpus_dir) -> None:
    fast, reference = PosViterbi(*tables), _jieba_viterbi()
    for text in _samples(corpus_dir):
        assert fast(text, *tables) == reference(text, *tables), text


def test_product_segmentation_uses_it_and_other_tables_fall_back_to_jieba(tables) -> None:
    assert isinstance(posseg().viterbi, PosViterbi)
    words = [(w.word, w.flag) for w in posseg().cut("鄂托克旗阿尔巴斯苏木的贫困户能进低保吗")]
    assert ("苏木", "ns") in words
    start = dict(tables[1])  # a copy: not the tables the decoder was built for
    assert posseg().viterbi("阿尔巴斯", tables[0], start, *tables[2:]) == _jieba_viterbi()(
        "阿尔巴斯", tables[0], start, *tables[2:]
    )
