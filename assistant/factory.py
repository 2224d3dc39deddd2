"""Composition root: turn Settings into an embedder, a loaded index and an Assistant."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.core import Assistant
from assistant.errors import AssistantError, ModelUnavailableError
from assistant.llm import LLMAnswerer, make_openai_chat
from assistant.reader_model import ReaderModel
from assistant.settings import Settings
from index.embeddings import (
    E5Embedder,
    NamedEmbeddings,
    SentenceTransformerEmbedder,
    USEEmbedder,
    force_offline,
)
from index.hashing import HashingEmbedder
from index.hybrid import RetrievalParams
from index.incremental import ChangePlan, ingestion_fingerprint, plan_changes
from index.store import BuildStats, build_index, load_index
from ingestion import ingest_directory
from ingestion.models import IngestReport


def make_embedder(settings: Settings) -> NamedEmbeddings:
    force_offline()
    if settings.embedder == "use":
        return USEEmbedder()
    if settings.embedder == "hashing":
        return HashingEmbedder()
    if settings.embedder == "e5":
        return E5Embedder()
    assert settings.st_model_path is not None  # checked by Settings
    emb = SentenceTransformerEmbedder(settings.st_model_path)
    try:
        emb.ensure_loaded()
    except (OSError, ImportError, ValueError) as exc:
        raise ModelUnavailableError(f"无法加载本地 sentence-transformers 模型：{exc}") from exc
    return emb


def retrieval_params(settings: Settings) -> RetrievalParams:
    """The retrieval knobs of Settings (issue 3) as the searcher's parameters."""
    return RetrievalParams(
        dense_weight=settings.retrieval_dense_weight,
        sparse_weight=settings.retrieval_sparse_weight,
        synonyms=settings.retrieval_synonyms,
        place_boost=settings.retrieval_place_boost,
        year_boost=settings.retrieval_year_boost,
    )


def build_assistant(
    settings: Settings, embedder: NamedEmbeddings | None = None, allow_untrained: bool = False
) -> Assistant:
    """Load the current index version (checked against the configured embedder) and wire the backend.

    `allow_untrained` is for `train-reader` only: it needs the features before a reader model exists.
    """
    embedder = embedder or make_embedder(settings)
    index = load_index(settings.index_dir, embedder_id=embedder.model_id)
    llm = None
    if settings.backend == "openai":
        assert settings.openai_base_url is not None
        llm = LLMAnswerer(
            make_openai_chat(
                settings.openai_base_url,
                settings.openai_model,
                settings.openai_api_key.get_secret_value(),
            )
        )
    elif settings.backend == "llama":
        from assistant.local_llm import LlamaCppChat

        assert settings.llama_model_path is not None
        llm = LLMAnswerer(
            LlamaCppChat(
                model_path=settings.llama_model_path,
                n_ctx=settings.llama_ctx,
                n_threads=settings.llama_threads,
            )
        )
    return Assistant(
        index,
        embedder,
        llm=llm,
        top_k=settings.top_k,
        reader_threshold=settings.reader_threshold,
        reader_model=ReaderModel.untrained() if allow_untrained else None,
        max_question_chars=settings.max_question_chars,
        retrieval=retrieval_params(settings),
    )


@dataclass
class IngestOutcome:
    report: IngestReport
    seconds: float
    version: str
    changes: ChangePlan | None = None  # what changed against the previous version
    stats: BuildStats = field(default_factory=BuildStats)  # chunks embedded vs reused


def plan_ingest(settings: Settings, embedder: NamedEmbeddings | None = None) -> ChangePlan:
    """What `run_ingest` would change (added/changed/removed/unchanged files), without writing."""
    if not settings.corpus_dir.is_dir():
        raise AssistantError(f"语料目录不存在：{settings.corpus_dir}")
    embedder = embedder or make_embedder(settings)
    return plan_changes(
        settings.index_dir, settings.corpus_dir, embedder.model_id, settings.chunk_max_tokens,
        settings.index_type, with_records=False, vector_store=settings.vector_store,
    )  # fmt: skip


def run_ingest(
    settings: Settings,
    embedder: NamedEmbeddings | None = None,
    progress: bool = True,
    on_embed: Callable[[int, int], None] | None = None,
) -> IngestOutcome:
    """Files -> records -> a new index version, swapped in only when complete."""
    t0 = time.perf_counter()
    embedder = embedder or make_embedder(settings)
    if not settings.corpus_dir.is_dir():
        raise AssistantError(f"语料目录不存在：{settings.corpus_dir}")
    plan = plan_changes(
        settings.index_dir, settings.corpus_dir, embedder.model_id, settings.chunk_max_tokens,
        settings.index_type, vector_store=settings.vector_store,
    )  # fmt: skip
    if plan.up_to_date and plan.manifest is not None and plan.version is not None:  # nothing to do
        m = plan.manifest
        report = IngestReport(
            len(m.sources), m.paragraphs, m.chunks, [(k.source_file, k.reason) for k in m.skipped]
        )
        report.quarantined = {s.source_file: s.quarantined for s in m.sources if s.quarantined}
        return IngestOutcome(report, time.perf_counter() - t0, plan.version, plan)
    result = ingest_directory(
        settings.corpus_dir, max_tokens=settings.chunk_max_tokens, progress=progress, previous=plan.previous
    )
    if not result.chunks:
        skipped = "; ".join(f"{f}: {why}" for f, why in result.report.skipped) or "没有支持的文件"
        raise AssistantError(
            f"语料目录 {settings.corpus_dir} 中没有可索引的内容（{skipped}），现有索引保持不变。"
        )
    path = build_index(
        settings.index_dir,
        result.documents,
        result.paragraphs,
        result.chunks,
        embedder,
        settings.chunk_max_tokens,
        on_progress=on_embed,
        index_type=settings.index_type,
        fingerprint=ingestion_fingerprint(settings.chunk_max_tokens),
        skipped=[(f, result.file_hashes.get(f, ""), why) for f, why in result.report.skipped],
        stats=(stats := BuildStats()),
        vector_store=settings.vector_store,
        milvus_uri=settings.milvus_uri,
    )
    return IngestOutcome(result.report, time.perf_counter() - t0, path.name, plan, stats)
