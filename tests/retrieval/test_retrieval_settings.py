"""Settings' retrieval defaults equal the searcher's (the winning ablation row); e5 is selectable."""

from __future__ import annotations

from assistant.factory import make_embedder, retrieval_params
from assistant.settings import Settings
from index.embeddings import E5Embedder
from index.hybrid import RetrievalParams


def test_settings_defaults_are_the_winning_configuration() -> None:
    assert retrieval_params(Settings(_env_file=None)) == RetrievalParams()


def test_e5_is_selectable(monkeypatch) -> None:
    monkeypatch.setenv("POLICYQA_EMBEDDER", "e5")
    emb = make_embedder(Settings(_env_file=None))
    assert isinstance(emb, E5Embedder) and emb.dim == 384  # loads lazily: nothing heavy here
