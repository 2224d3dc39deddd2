"""The lexicon's one template mechanism: `<name>` in a pattern stands for a regex filled in later."""

from __future__ import annotations

from assistant.lexicon import fill, lexicon


def test_fill_replaces_every_named_part_and_compiles() -> None:
    pattern = fill("<n>个<n>|除<group>外", n=r"\d+", group="五保户")
    assert pattern.search("3个4") and pattern.search("除五保户外") and not pattern.search("除低保户外")


def test_no_loaded_pattern_keeps_a_counter_placeholder() -> None:
    lex = lexicon()
    compiled = [lex.has_number, *lex.states.values(), *(p for _, p in lex.asks)]
    assert all("<counter>" not in p.pattern for p in compiled)
    assert lex.states["count"].search("共有18名") and not lex.states["count"].search("共有18")
