"""SIGKILL during ingest, at random times and at every filesystem step: the index stays loadable and whole."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.hashing import HashingEmbedder
from index.hybrid import HybridSearcher
from index.store import build_index, current_version, load_index
from ingestion import ingest_directory

ROOT = Path(__file__).resolve().parents[2]
POLICYQA = Path(sys.executable).with_name("policyqa")


def _env(corpus: Path, index: Path, embedder: str = "hashing") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    env |= {
        "POLICYQA_EMBEDDER": embedder,
        "POLICYQA_CORPUS_DIR": str(corpus),
        "POLICYQA_INDEX_DIR": str(index),
        "HF_HUB_OFFLINE": "1",
    }
    return env


def _ingest(env: dict[str, str], kill_after: float | None = None) -> int | None:
    proc = subprocess.Popen(
        [str(POLICYQA), "ingest"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    if kill_after is None:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        return 0
    try:
        proc.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    return proc.returncode


def _marker(index_dir: Path, embedder_id: str = "hashing-256") -> int:
    """Which revision the loaded index holds (every paragraph list is checked against its manifest)."""
    loaded = load_index(index_dir, embedder_id=embedder_id)
    assert len(loaded.chunks) == loaded.manifest.chunks == len(loaded.vectors)
    found = [p.text for p in loaded.paragraphs if p.text.startswith("第") and "次修订" in p.text]
    return max((int(t[1 : t.index("次")]) for t in found), default=0)


@pytest.mark.slow
def test_sigkill_at_random_times_keeps_a_whole_index(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(ROOT / "data" / "corpus", corpus)
    env = _env(corpus, index)
    _ingest(env)
    files = sorted(corpus.glob("*.txt"))
    rng = random.Random(6)
    for i in range(1, 4):
        targets = files if i % 2 else [files[i % len(files)]]  # whole-corpus and single-file changes
        for f in targets:
            with f.open("a", encoding="utf-8") as fh:
                fh.write(f"\n\n第{i}次修订：补助标准调整为每人{i}00元。\n")
        before = _marker(index)
        rc = _ingest(env, kill_after=rng.uniform(0.5, 3.0))
        after = _marker(index)  # loads and verifies checksums, or raises
        assert after in {before, i}, (rc, before, after)
        assert rc != 0 or after == i
        hits = HybridSearcher(load_index(index), HashingEmbedder()).search("住院费用报销比例", 5)
        assert hits
    _ingest(env)
    assert _marker(index) == 3
    assert not list((index / "versions").glob(".tmp-*"))  # dead builders' leftovers are pruned


def _build_and_die_at(step: int, corpus: Path, index: Path) -> int:
    """Fork a builder that SIGKILLs itself right before its `step`-th fsync/rename; return its status."""
    pid = os.fork()
    if pid == 0:  # child: no pytest teardown, just build and exit
        count = [0]

        def hook(fn):  # type: ignore[no-untyped-def]
            def wrapped(*a, **k):  # type: ignore[no-untyped-def]
                count[0] += 1
                if count[0] == step:
                    os.kill(os.getpid(), signal.SIGKILL)
                return fn(*a, **k)

            return wrapped

        os.replace, os.fsync = hook(os.replace), hook(os.fsync)
        try:
            build_index(index, *_records(corpus), HashingEmbedder(), 200)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return status


def test_sigkill_at_every_filesystem_step(tmp_path: Path) -> None:
    """Kill the builder right before each fsync/rename it does; the previous version must survive."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "a.txt").write_text("一、医保\n住院合规费用自付比不超10%。\n", encoding="utf-8")
    first = build_index(index, *_records(corpus), HashingEmbedder(), 200)
    (corpus / "a.txt").write_text("一、医保\n住院合规费用自付比不超5%。\n", encoding="utf-8")
    old, new = "住院合规费用自付比不超10%。", "住院合规费用自付比不超5%。"
    killed = 0
    for step in range(1, 100):
        status = _build_and_die_at(step, corpus, index)
        loaded = load_index(index, embedder_id="hashing-256")  # never half-written
        assert loaded.paragraphs[-1].text in {old, new}
        if not os.WIFSIGNALED(status):
            break  # the build ran past its last step
        killed += 1
        assert loaded.paragraphs[-1].text == old or loaded.path != first
        if loaded.path != first:  # killed after the swap: point back at the old version for the next step
            (index / "CURRENT").write_text(first.name + "\n", encoding="utf-8")
    assert killed >= 8
    build_index(index, *_records(corpus), HashingEmbedder(), 200)
    assert not list((index / "versions").glob(".tmp-*"))  # dead builders' temp folders were pruned


def _records(corpus: Path) -> tuple:
    r = ingest_directory(corpus, progress=False)
    return r.documents, r.paragraphs, r.chunks


@pytest.mark.model
@pytest.mark.slow
def test_sigkill_during_real_use_ingest(tmp_path: Path) -> None:
    """One real run: USE embedder on one corpus file, killed while it embeds; the old index answers."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    src = sorted((ROOT / "data" / "corpus").glob("*.txt"))[0]
    lines = src.read_text(encoding="utf-8").splitlines()
    (corpus / "a.txt").write_text("\n".join(lines[: len(lines) // 3]), encoding="utf-8")
    env = _env(corpus, index, "use")
    _ingest(env)
    first = current_version(index)
    (corpus / "a.txt").write_text("\n".join(lines), encoding="utf-8")  # now 3x the text to embed
    proc = subprocess.Popen([str(POLICYQA), "ingest"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any(p.is_dir() for p in (index / "versions").glob(".tmp-*")):  # the builder started
        assert proc.poll() is None and time.monotonic() < deadline, "ingest ended before building"
        time.sleep(0.01)
    time.sleep(0.3)  # now inside embedding (USE needs seconds for this file)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    assert current_version(index) == first
    from index.embeddings import USEEmbedder

    emb = USEEmbedder()
    hits = HybridSearcher(load_index(index, embedder_id=emb.model_id), emb).search("住院费用报销比例", 5)
    assert hits
