"""Every prompt and fixed user-facing wording lives here as a file; code only fills in variables."""

from __future__ import annotations

from functools import cache
from pathlib import Path

PROMPT_DIR = Path(__file__).resolve().parent
REFUSAL_TOKEN = "NO_ANSWER"


@cache
def load_prompt(name: str) -> str:
    """Text of `prompts/<name>.txt`, without the trailing newline."""
    path = PROMPT_DIR / f"{name}.txt"
    if not path.is_file():
        raise FileNotFoundError(f"prompt file missing: {path}")
    return path.read_text(encoding="utf-8").rstrip("\n")


def render(name: str, **variables: str) -> str:
    """Fill a prompt file's `{placeholders}`; a missing variable is a KeyError, not a silent blank."""
    return load_prompt(name).format(**variables)


def answer_messages(context: str, question: str) -> list[tuple[str, str]]:
    """(role, content) pairs for an LLM answer: rules as system, evidence quoted inside the user turn."""
    return [
        ("system", render("answer_system", refusal_token=REFUSAL_TOKEN)),
        ("user", render("answer_user", context=context, question=question)),
    ]
