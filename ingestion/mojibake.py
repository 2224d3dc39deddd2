"""Repair runs of GBK text that were decoded one byte off (placeholder: no repair yet)."""

from __future__ import annotations


def repair_mojibake(text: str, offsets: list[int]) -> tuple[str, list[int], int, bool]:
    """Return (text, offsets, repaired_runs, still_noisy); currently a pass-through."""
    return text, offsets, 0, False
