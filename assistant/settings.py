"""The one settings object (env prefix POLICYQA_), read only at entry points: CLI, web deps, evals."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def usable_cores(cpu_max: Path = CGROUP_CPU_MAX) -> int:
    """Cores this process may use: its CPU affinity, capped by a cgroup v2 quota (a container limited
    to 2 CPUs on a 64-core host must not start 64 workers, each with its own model and index)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        quota, period = cpu_max.read_text(encoding="ascii").split()[:2]
        if quota != "max":
            cores = min(cores, max(1, -(-int(quota) // int(period))))  # a quota of 1.5 CPUs -> 2
    except (OSError, ValueError):
        pass
    return max(1, cores)


class Settings(BaseSettings):
    """Every knob of the product; each field can be set as POLICYQA_<NAME> or in `.env`."""

    model_config = SettingsConfigDict(env_prefix="POLICYQA_", env_file=".env", extra="forbid")

    corpus_dir: Path = Field(Path("data/corpus"), description="Documents the index is built from.")
    index_dir: Path = Field(Path("data/index"), description="Where the index lives.")
    embedder: Literal["use", "e5", "sentence-transformers", "hashing"] = Field(
        "use",
        description="use = USE multilingual v3 (default); e5 = multilingual-e5-small; hashing = test fake.",
    )
    st_model_path: str | None = Field(
        None, description="Local sentence-transformers model directory (embedder=sentence-transformers)."
    )
    chunk_max_tokens: int = Field(200, ge=32, le=2000, description="Max tiktoken tokens per chunk.")
    top_k: int = Field(5, ge=1, le=50, description="Chunks handed to the answer backend.")
    backend: Literal["extractive", "openai", "llama"] = Field(
        "extractive",
        description="Answer backend: extractive (offline), openai (endpoint), llama (local GGUF).",
    )
    openai_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint, e.g. http://host:8000/v1."
    )
    openai_model: str = Field("qwen2.5-7b-instruct", description="Model name at that endpoint.")
    openai_api_key: SecretStr = Field(SecretStr("EMPTY"), description="API key for that endpoint.")
    reader_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Refuse when the reader's best sentence is less likely than this (default: the "
        "threshold shipped with the trained reader, chosen by cross-validation).",
    )
    max_question_chars: int = Field(2000, ge=10, description="Longer questions are rejected.")
    llama_model_path: str | None = Field(None, description="GGUF file for backend=llama (llama-cpp-python).")
    llama_threads: int = Field(2, ge=1, le=64, description="CPU threads for the llama backend.")
    llama_ctx: int = Field(4096, ge=512, le=32768, description="Context window for the llama backend.")
    host: str = Field("127.0.0.1", description="Web server bind address.")
    port: int = Field(8000, description="Web server port.")
    # several workers (issue 12)
    workers: int = Field(
        default_factory=usable_cores,
        ge=1,
        le=64,
        description="Web server processes (policyqa serve); default: the cores this process may use.",
    )
    answer_slots: int = Field(
        0,
        ge=0,
        le=256,
        description="Answers computed at once per worker, the rest wait in arrival order; 0 = 1 for the "
        "CPU-bound backends (extractive, llama), FastAPI's thread pool for openai.",
    )
    keepalive_requests: int = Field(
        100,
        ge=0,
        le=1_000_000,
        description="Requests per keep-alive connection before the server closes it, so connections "
        "re-spread over the workers by load; 0 = unlimited.",
    )
    worker_load_file: Path | None = Field(
        None,
        description="Shared file where workers post their requests in flight, so an overloaded one "
        "hands connections back (policyqa serve with several workers sets a temporary file).",
    )
    rate_limit_db: Path | None = Field(
        None,
        description="SQLite file holding the rate-limit buckets shared by worker processes; unset = "
        "in-process buckets (policyqa serve with several workers sets a temporary file).",
    )
    index_poll_seconds: float = Field(
        1.0, ge=0.0, le=3600.0, description="How often each worker looks for a swapped index; 0 = never."
    )
    # web (issue 5)
    admin_token: SecretStr | None = Field(
        None, description="Admin token for upload/delete/re-index/feedback; unset = admin endpoints off."
    )
    feedback_db: Path = Field(Path("data/feedback.sqlite3"), description="SQLite file for answer feedback.")
    max_upload_mb: int = Field(20, ge=1, le=500, description="Largest document an admin may upload.")

    # reliability (issue 6)
    index_type: Literal["flat", "hnsw"] = Field(
        "flat", description="Vector index: flat (exact, small corpora) or hnsw (approximate, ~1M chunks)."
    )
    rate_limit_per_minute: float = Field(
        60.0,
        ge=0.0,
        description="Answer/write requests per client per minute (per group); 0 = off.",
    )
    rate_limit_burst: int = Field(20, ge=1, description="Requests a client may send at once (bucket size).")
    cors_origins: str | None = Field(
        None, description="Comma-separated browser origins allowed by CORS; unset = no CORS headers."
    )
    # hostile clients (issue 13)
    max_body_kb: int = Field(
        1024, ge=16, le=65536, description="Largest request body (KB) outside uploads; bigger gets 413."
    )
    trusted_proxies: str | None = Field(
        None,
        description="Comma-separated proxy addresses/CIDRs whose X-Forwarded-For is believed; unset = none.",
    )
    feedback_max_mb: int = Field(
        50, ge=1, le=10000, description="Feedback database size cap (MB); new feedback gets 4xx beyond it."
    )

    # retrieval (issue 3): defaults = the winning ablation row (docs/evals.md) = RetrievalParams()
    retrieval_dense_weight: float = Field(
        1.0, ge=0.0, description="RRF weight of the dense (embedder) ranking."
    )
    retrieval_sparse_weight: float = Field(20.0, ge=0.0, description="RRF weight of the BM25 ranking.")
    retrieval_synonyms: bool = Field(True, description="Fold numbers and policy synonyms for BM25.")
    retrieval_place_boost: float = Field(
        0.25, ge=0.0, description="Score bonus for a place named in the question."
    )
    retrieval_year_boost: float = Field(
        0.25, ge=0.0, description="Score bonus for a year named in the question."
    )

    # vector store (issue 7)
    vector_store: Literal["faiss", "milvus"] = Field(
        "faiss", description="Where dense vectors live: faiss (file in the index) or milvus (pymilvus)."
    )
    milvus_uri: str | None = Field(
        None,
        description="Milvus URI: http://host:19530 for a cluster, or a milvus-lite .db file; "
        "unset = <index_dir>/milvus.db (milvus-lite).",
    )

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.embedder == "sentence-transformers" and not self.st_model_path:
            raise ValueError("embedder=sentence-transformers needs POLICYQA_ST_MODEL_PATH")
        if self.backend == "llama" and not self.llama_model_path:
            raise ValueError("backend=llama needs POLICYQA_LLAMA_MODEL_PATH (a .gguf file)")
        if self.backend == "openai" and not self.openai_base_url:
            raise ValueError("backend=openai needs POLICYQA_OPENAI_BASE_URL")
        return self
