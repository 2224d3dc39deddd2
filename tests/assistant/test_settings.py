"""Settings: one object, env prefix POLICYQA_, documented in .env.example, validated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_setting() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"POLICYQA_([A-Z0-9_]+)=", text))
    assert listed == {name.upper() for name in Settings.model_fields}


def test_env_prefix_and_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYQA_TOP_K", "7")
    assert Settings().top_k == 7
    monkeypatch.setenv("POLICYQA_BACKEND", "openai")
    with pytest.raises(ValueError, match="OPENAI_BASE_URL"):
        Settings()
    monkeypatch.setenv("POLICYQA_BACKEND", "llama")
    with pytest.raises(ValueError, match="LLAMA_MODEL_PATH"):
        Settings()


def test_unknown_setting_is_rejected() -> None:
    with pytest.raises(ValueError):
        Settings(not_a_setting=1)  # type: ignore[call-arg]


def test_default_workers_follow_the_cores_a_container_may_use(tmp_path: Path) -> None:
    from assistant.settings import usable_cores

    cpu_max = tmp_path / "cpu.max"
    mine = usable_cores(tmp_path / "absent")
    assert mine >= 1
    cpu_max.write_text("max 100000\n")
    assert usable_cores(cpu_max) == mine  # no quota: the affinity decides
    cpu_max.write_text("150000 100000\n")  # 1.5 CPUs
    assert usable_cores(cpu_max) == min(mine, 2)
    cpu_max.write_text("50000 100000\n")  # half a CPU still gets one worker
    assert usable_cores(cpu_max) == 1
    cpu_max.write_text("garbage\n")
    assert usable_cores(cpu_max) == mine
