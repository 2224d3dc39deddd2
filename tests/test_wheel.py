"""A real package: build the wheel, install it into a fresh virtual environment outside the repository,
and run `policyqa ingest` and `policyqa ask` against a corpus folder given by setting.

The package itself comes only from the wheel (the test checks where `assistant` is imported from). Its
third-party dependencies are borrowed from the test environment through a `.pth` line, so the test runs
offline and in seconds instead of re-installing torch and friends; `.pth` files inside that borrowed
folder (the repository's editable install) are not processed, so the repository cannot leak in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.model]

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "贫困人口住院合规费用自付比不超过多少？"


def _source_tree(dest: Path) -> Path:
    """The files a clean checkout has (git's list when available), so local leftovers cannot help."""
    src = dest / "src"
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout.decode()
        files = [f for f in listed.split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
    if not files:
        skip = {".git", ".venv", "build", "dist", "__pycache__", ".pytest_cache", ".ruff_cache"}
        files = [
            p.relative_to(ROOT).as_posix()
            for p in ROOT.rglob("*")
            if p.is_file() and not skip.intersection(p.relative_to(ROOT).parts)
        ]
    for rel in files:
        if (ROOT / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, src / rel)
    return src


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(args, capture_output=True, text=True, timeout=900, **kwargs)  # type: ignore[call-overload]
    assert out.returncode == 0, f"{args} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


def test_wheel_installs_into_a_fresh_venv_and_answers(tmp_path: Path) -> None:
    src = _source_tree(tmp_path)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(src)])
    wheel = next(dist.glob("policyqa-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in (
        "assistant/data/lexicon.toml",
        "assistant/data/reader.json",
        "prompts/refusal.txt",
        "ingestion/data/synonyms.tsv",
        "web/static/index.html",
        "web/static/favicon.ico",
    ):
        assert data in names, f"{data} missing from the wheel"

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)]
    )
    site = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    )
    (site / "zz_borrowed_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )

    work = tmp_path / "elsewhere"  # not the repository: nothing can be imported from a checkout
    corpus = work / "my-corpus"
    shutil.copytree(ROOT / "data" / "corpus", corpus)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYQA_", "PYTHON"))}
    env |= {
        "POLICYQA_CORPUS_DIR": str(corpus),
        "POLICYQA_INDEX_DIR": str(work / "index"),
        "HF_HUB_OFFLINE": "1",
    }
    where = _run([str(python), "-c", "import assistant, web; print(assistant.__file__)"], cwd=work, env=env)
    assert where.stdout.strip().startswith(str(site)), where.stdout

    policyqa = str(venv / "bin" / "policyqa")
    _run([policyqa, "ingest"], cwd=work, env=env)
    answer = _run([policyqa, "ask", QUESTION], cwd=work, env=env).stdout
    assert "10%" in answer, answer
