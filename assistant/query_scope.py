"""What a question names as its scope: places, years, slot values (group, care setting, payer…) and
the groups it says it is not. Part of the one analysis (`assistant.query`); every stage reads the result."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from assistant.figures import years_in
from assistant.lexicon import fill, lexicon
from ingestion.scope import extract_places
from ingestion.segment import pos_words

CJK_WORD = re.compile(r"^[\u4e00-\u9fff]+$")  # a token of Chinese characters only


def named_slot_terms(norm: str) -> dict[str, frozenset[str]]:
    """Slot -> terms the question names; a measure is kept by its two-character stem (零起付 ~ 起付线)."""
    out: dict[str, frozenset[str]] = {}
    for slot, terms in lexicon().slots.items():
        if slot == "measure":
            stems = {t[:2] for t in terms if t in norm}
            if stems:
                out[slot] = frozenset(stems)
            continue
        found = {t for t in terms if t in norm}
        found = {t for t in found if not any(t != u and t in u for u in found)}
        if found:
            out[slot] = frozenset(found)
    return out


def negated_groups(norm: str, groups: frozenset[str]) -> tuple[str, ...]:
    """Groups the question says it is not (非贫困人口, 既不是低保也不是五保): each, not only the first."""
    lex = lexicon()
    found = [m.group(1) for m in lex.negated_group.finditer(norm)]
    found += [g for g in sorted(groups) if fill(lex.group_negation, group=re.escape(g)).search(norm)]
    return tuple(dict.fromkeys(found))


def named_places(norm: str, in_corpus: Callable[[str], bool]) -> list[str]:
    """Places the question names: the scope extractor's, jieba `ns` words the corpus also uses, and
    admin names the tagger does not know (a word + 县/市/镇…, e.g. 火星县), which may be foreign."""
    lex = lexicon()
    found = list(extract_places(norm))
    words = pos_words(norm)
    found += [
        w for w, flag in words if flag == "ns" and len(w) >= 2 and in_corpus(w) and w not in lex.place_kinds
    ]
    suffixes = lex.place_suffixes.split("|")
    found += [w for w, f in words if f in {"ns", "nr", "nz"} and len(w) >= 3 and w.endswith(tuple(suffixes))]
    for (w, flag), (nxt, _) in itertools.pairwise(words):
        if (
            nxt in suffixes
            and 2 <= len(w) <= 4
            and CJK_WORD.match(w)
            and flag.startswith(("n", "j"))
            and w[0] not in lex.not_place_heads
            and not lex.is_question_word(w)
            and (in_corpus(w + nxt) or not in_corpus(w))  # 试点镇 is wording; 火星县 is a name
        ):
            found.append(w + nxt)
    return [p for p in dict.fromkeys(found) if not any(p != o and p in o for o in found)]


def scope_years(asking: list[str], background: list[str]) -> set[str]:
    """Years the question is about: those of its asking clauses and of background clauses that set a
    scope ("2019年，…"), not those of the writer's own story ("我家2016年评上的贫困户，现在…")."""
    own = lexicon().own_story
    return {y for c in asking + [c for c in background if not own.search(c)] for y in years_in(c)}
