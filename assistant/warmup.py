"""Start-up warm-up of the per-sentence caches, so the first questions cost what later ones do.

Why: a question's candidate sentences need their normal and search forms, words, places and figures;
each is cached per process, but a fresh process (or worker) would pay for every sentence it meets for the
first time, and that is what new questions' tail latency was made of. Pure functions, so answers are
unchanged. Only a corpus the caches can hold is warmed: a sample of a larger one would cover too little of
it to matter (4,096 of 814k paragraphs at 1M chunks) and cost ~150 MB, so its caches fill as questions come.
"""

from __future__ import annotations

import logging
import time

from assistant.figure_context import figures_in
from assistant.grounding import places_in
from assistant.reader import FeatureBuilder, sentence_forms, with_leads
from ingestion.models import Paragraph
from ingestion.sentences import MIN_SENTENCE_CHARS, paragraph_sentences

log = logging.getLogger(__name__)
WARM_PARAGRAPHS = 4096  # the reader's paragraph-text cache holds this many


def warm_caches(paragraphs: list[Paragraph], features: FeatureBuilder, limit: int = WARM_PARAGRAPHS) -> int:
    """Fill the caches for every paragraph of a corpus of at most `limit` paragraphs; returns the number
    of sentences warmed (0 for a larger corpus)."""
    if len(paragraphs) > limit:
        log.info("corpus of %d paragraphs exceeds the caches (%d): not warmed", len(paragraphs), limit)
        return 0
    t0 = time.perf_counter()
    for p in paragraphs:
        features.warm(p)
        figures_in(p.text)  # the grounding check's figures of a cited paragraph (its numbers: the same fold)
    n = 0
    for _, sentence in paragraph_sentences(paragraphs):  # the sentences a question's candidates are
        sentence_forms(sentence)
        places_in(sentence)  # the grounding check reads the places of what an answer quotes
        n += 1
    for p in paragraphs:  # and each later sentence read with its paragraph's opening (Candidate.lead)
        for sentence, lead in with_leads(p.text):
            if lead and len(sentence) >= MIN_SENTENCE_CHARS:
                sentence_forms(lead + sentence)
    log.info("warmed caches: %d sentences in %.2f s", n, time.perf_counter() - t0)
    return n
