"""The bigram-indexed corpus text answers `in` exactly like a scan of the whole string."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant import corpus_text
from assistant.corpus_text import CorpusText

TEXT = "湖口县城乡居民医保住院报销比例为90%。\n生育津贴按月发放；湖口县的的确确有职工医保。医医医疗"


def test_words_of_the_text_and_words_it_lacks() -> None:
    ct = CorpusText(TEXT)
    for word in ["湖口县", "生育津贴", "职工医保", "医医疗", "的的确确", "90%", "。\n生", "湖", ""]:
        assert word in ct
    for word in ["火星县", "新冠疫苗", "县湖口", "医医医医", "津贴生育", "z", "保险"]:
        assert word not in ct


def test_every_substring_and_its_shuffles_agree_with_a_scan() -> None:
    ct, rnd = CorpusText(TEXT), random.Random(7)
    for i in range(len(TEXT)):
        for n in range(1, 8):
            word = TEXT[i : i + n]
            shuffled = "".join(rnd.sample(word, len(word)))
            assert (word in ct, shuffled in ct) == (True, shuffled in TEXT)


CHARS = "湖口县医保住院的确"


@given(st.text(alphabet=CHARS, max_size=60), st.text(alphabet=CHARS, max_size=6))
def test_any_text_and_word(text: str, word: str) -> None:
    assert (word in CorpusText(text)) == (word in text)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 64])
def test_the_index_is_the_same_whatever_block_size_builds_it(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    whole = CorpusText(TEXT)
    monkeypatch.setattr(corpus_text, "CHUNK", chunk)
    blocks = CorpusText(TEXT)
    assert blocks._bigrams.tolist() == whole._bigrams.tolist()
    assert blocks._starts.tolist() == whole._starts.tolist()
    assert blocks._positions.tolist() == whole._positions.tolist()
    for i in range(len(TEXT)):
        for n in range(2, 6):
            assert TEXT[i : i + n] in blocks
