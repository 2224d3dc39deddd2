"""Interchangeable policy terms by kind (care type, level, group, area, disease, payer), from the lexicon."""

from __future__ import annotations

from assistant.lexicon import lexicon


def slots() -> dict[str, list[str]]:
    """slot -> its terms, longest first (so 门诊统筹 wins over 门诊)."""
    return lexicon().slots
