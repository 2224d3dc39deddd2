"""Interchangeable policy terms by kind (care type, level, group, area, disease, payer), from a data file."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data" / "slots.tsv"


@cache
def slots() -> dict[str, list[str]]:
    """slot -> its terms, longest first (so 门诊统筹 wins over 门诊)."""
    out: dict[str, list[str]] = {}
    for line in _DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, terms = line.partition("\t")
        out[name] = sorted(terms.split(), key=len, reverse=True)
    return out
