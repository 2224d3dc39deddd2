"""The one settings object (env prefix POLICYQA_), read only at entry points: CLI, web deps, evals."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the product; each field can be set as POLICYQA_<NAME> or in `.env`."""

    model_config = SettingsConfigDict(env_prefix="POLICYQA_", env_file=".env", extra="forbid")

    corpus_dir: Path = Field(Path("data/corpus"), description="Documents the index is built from.")
    index_dir: Path = Field(Path("data/index"), description="Where the index lives.")
    embedder: Literal["use", "sentence-transformers", "hashing"] = Field(
        "use", description="use = USE multilingual v3 (default); hashing = offline test fake."
    )
    st_model_path: str | None = Field(
        None, description="Local sentence-transformers model directory (embedder=sentence-transformers)."
    )
    chunk_max_tokens: int = Field(200, ge=32, le=2000, description="Max tiktoken tokens per chunk.")
    top_k: int = Field(5, ge=1, le=50, description="Chunks handed to the answer backend.")
    backend: Literal["extractive", "openai"] = Field("extractive", description="Answer backend.")
    openai_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint, e.g. http://host:8000/v1."
    )
    openai_model: str = Field("qwen2.5-7b-instruct", description="Model name at that endpoint.")
    openai_api_key: SecretStr = Field(SecretStr("EMPTY"), description="API key for that endpoint.")
    min_evidence_score: float = Field(
        0.34, ge=0.0, le=1.0, description="Below this evidence score the assistant refuses."
    )
    max_question_chars: int = Field(2000, ge=10, description="Longer questions are rejected.")
    host: str = Field("127.0.0.1", description="Web server bind address.")
    port: int = Field(8000, description="Web server port.")

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.embedder == "sentence-transformers" and not self.st_model_path:
            raise ValueError("embedder=sentence-transformers needs POLICYQA_ST_MODEL_PATH")
        if self.backend == "openai" and not self.openai_base_url:
            raise ValueError("backend=openai needs POLICYQA_OPENAI_BASE_URL")
        return self
