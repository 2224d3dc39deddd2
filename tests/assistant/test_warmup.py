"""Start-up warm-up: the corpus sentences' forms are made before the first question, within bounds."""

from __future__ import annotations

from assistant.reader import FeatureBuilder, Joined, sentence_forms
from assistant.warmup import warm_caches
from ingestion.sentences import paragraph_sentences


def test_after_warm_up_every_candidate_sentence_is_already_made(ingested) -> None:
    paragraphs = ingested.paragraphs[:40]
    sentences = [s for _, s in paragraph_sentences(paragraphs)]
    sentence_forms.cache_clear()
    assert warm_caches(paragraphs, FeatureBuilder(lambda p: Joined("", ""))) == len(sentences) > 40
    before = sentence_forms.cache_info()
    for s in sentences:
        sentence_forms(s)
    after = sentence_forms.cache_info()
    assert after.misses == before.misses  # nothing left for a question to make
    assert after.hits - before.hits == len(sentences)


def test_a_corpus_larger_than_the_caches_is_left_to_fill_them_as_questions_come(ingested) -> None:
    features = FeatureBuilder(lambda p: Joined("", ""))
    assert warm_caches(ingested.paragraphs[:100], features, limit=99) == 0
    assert features._texts.cache_info().currsize == 0
    assert warm_caches(ingested.paragraphs[:99], features, limit=99) > 99
    assert features._texts.cache_info().currsize == 99
