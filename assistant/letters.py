"""How a citizen's letter (群众来信/留言) asks: greeting, background and sign-off set apart, the questions
it asks made standalone, and the writer's place and group that scope all of them. Vocabulary: the
lexicon's `reply_markers` and `narrative`. Drafting the reply is assistant/reply.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from assistant.lexicon import lexicon, table
from assistant.slots import slots
from ingestion import normalize_text
from ingestion.normalize import to_simplified
from ingestion.scope import extract_places

_SENTENCE = re.compile(r"[^。！!？?；;\n]+[。！!？?；;]*")
_TRIM = "。！!？?；;，,：: "
_TRIM_HEAD = "，,：:；; "
_TRAILING = "。！!；;…~ "
_ADDRESS_MAX = 40  # an address line ("尊敬的××县人社局领导") is short; a longer head is letter text
_MIN_CONTENT = 4  # characters a lead phrase must be followed by to hold the question on its own
_SHORT_QUESTION = 7  # a question saying less than this ("能贷几年？") leans on the sentence before it
_ENUMERATOR = re.compile(  # list numbering before a question: "1.", "（2）", "三、", "第一，"
    r"^(?:[(（]?[0-9一二三四五六七八九十]{1,2}[)）、.．:：]|第[一二三四五六七八九十]+[，,、:：]?)"
)
_TOPIC_MAX = 30


@dataclass(frozen=True)
class LetterQuestion:
    """One question a letter asks: as the writer put it (for the draft) and as answered (standalone)."""

    asked: str  # the asking clause, greeting and lead words ("请问") removed
    standalone: str  # the letter's scope terms and the context the question leans on, then the question
    unscoped: str = ""  # the same without the writer's place and group, when those were put in front


@cache
def _markers() -> dict[str, tuple[str, ...]]:
    """Sections of the lexicon's reply_markers, each longest entry first (so 想问一下 wins over 想问)."""
    out: dict[str, list[str]] = {}
    section = ""
    for line in table("reply_markers").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            out.setdefault(section, [])
        else:
            out[section].extend(line.split())
    return {k: tuple(sorted(set(v), key=len, reverse=True)) for k, v in out.items()}


@cache
def _pattern(section: str) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(m) for m in _markers()[section]))


def _has(section: str, text: str) -> bool:
    if section == "ask":  # "好几个月" narrates, "几个" asks
        text = lexicon().asking_text(text)
    return bool(_pattern(section).search(text))


def _sentences(text: str) -> list[str]:
    """Sentences with their end mark; a letter's line breaks end sentences too."""
    return [p.strip() for p in _SENTENCE.findall(text) if p.strip(_TRIM)]


def _strip_address(letter: str) -> tuple[str, str]:
    """(address line, rest): "尊敬的县民政局领导：您好！我是…" -> ("尊敬的县民政局领导", "我是…")."""
    text = letter.strip()
    address = ""
    if text.startswith(_markers()["salutation"]):
        head, sep, rest = text.partition("：") if "：" in text[:_ADDRESS_MAX] else text.partition(":")
        if sep and len(head) <= _ADDRESS_MAX:
            address, text = head.strip(), rest.strip()
    greeting = re.match(rf"(?:{_pattern('greeting').pattern})[{_TRIM}]*", text)
    if greeting:
        text = text[greeting.end() :]
    return address, text


def _content(text: str) -> str:
    """What a question says beyond how it asks: ask words, lead words and punctuation removed."""
    bare = _pattern("ask").sub("", _pattern("lead").sub("", text))
    return re.sub(rf"[{_TRIM}\s“”\"'‘’]", "", bare)


def _asked_part(sentence: str) -> str:
    """The question in a sentence: what follows its last lead phrase ("…，想问一下：…", "不知道…"),
    else all of it; list numbering ("2.", "二、") and a trailing "谢谢" clause are dropped.

    A lead followed by too little ("我想知道的是这个？") keeps the clauses before it.
    """
    return _split_asked(sentence)[1]


def _split_asked(sentence: str) -> tuple[str, str]:
    """(what the sentence says before its question, the question): see `_asked_part`."""
    marks = list(_pattern("lead").finditer(sentence)) or list(_pattern("indirect").finditer(sentence))
    before, asked = "", sentence
    if marks:
        rest = sentence[marks[-1].end() :].lstrip(_TRIM_HEAD)
        tail = re.match(_pattern("lead_tail").pattern, rest)
        rest = rest[tail.end() :] if tail else rest
        before = sentence[: marks[-1].start()].strip(_TRIM_HEAD)
        if len(_content(rest)) >= _MIN_CONTENT or not before:
            asked = rest
        else:
            before, asked = "", f"{before}，{rest}"
    asked = _ENUMERATOR.sub("", asked.lstrip(_TRIM_HEAD)).lstrip(_TRIM_HEAD)
    clauses = re.split(r"(?<=[，,])", asked)
    while len(clauses) > 1 and _has("signoff", clauses[-1]) and not _has("ask", clauses[-1]):
        clauses.pop()
    # "我是建档立卡贫困户，住院费用能报销多少？": who the writer is travels as the letter's scope, and
    # as what the sentence said before its question (context, should the question lean on it)
    while len(clauses) > 1 and clauses[0].startswith(_markers()["self"]) and not _has("ask", clauses[0]):
        before = f"{before}，{clauses.pop(0).rstrip('，, ')}".lstrip("，")
    return before.rstrip(_TRIM), "".join(clauses).rstrip("，, ") or sentence


def _leans_on_previous(question: str) -> bool:
    """A question that cannot stand alone: it opens with 那/要是…, says next to nothing, points back
    (这个/那种… in its first clause) or opens without a subject ("能贷几年？", "比去年涨了多少？") —
    unless it opens with the writer's own case ("像我家这样的…"), a new matter ("另外，…") or its own
    hearsay ("听说…")."""
    q = question.lstrip(_TRIM_HEAD)
    if q.startswith(_markers()["continuation"]) or len(_content(q)) < _SHORT_QUESTION:
        return True
    if q.startswith((*_markers()["own_case"], *_markers()["new_topic"], *_markers()["framing"])):
        return False
    first_clause = re.split(r"[，,]", q, maxsplit=1)[0]
    return q.startswith(_markers()["subjectless"]) or _has("demonstrative", first_clause)


def _is_question(sentence: str, explicit_only: bool) -> bool:
    """Explicit questions end with a question mark or hold a lead phrase; when a letter has none, a
    sentence with an asking word ("…是多少。", "不知道…能不能…") is one."""
    marked = sentence.rstrip(_TRAILING).endswith(_markers()["end"])
    if _has("signoff", sentence) and not _has("lead", sentence) and not marked:
        return False
    if marked:
        return len(_content(_asked_part(sentence))) > 0
    if _has("lead", sentence):  # "请领导解释一下，我们也好心里有数。" asks nothing
        return _has("ask", _asked_part(sentence))
    return not explicit_only and _has("ask", sentence)


def _self_clauses(address: str, body_sentences: list[str]) -> list[str]:
    """The address line and every clause where the writer says who or where they are."""
    clauses = [address] if address else []
    for sentence in body_sentences:
        clauses += [c for c in re.split(r"[，,；;]", sentence) if _has("self", c)]
    return clauses


def _named_places(clause: str) -> list[str]:
    """Place names right after the salutation or a [self] phrase ("我是某某镇人" -> 某某镇), which a
    word segmenter may not know; "县城关镇" style runs give each name."""
    names: list[str] = []
    name = re.compile(rf"[^\W\d的是在住和与及人]{{2,6}}?(?:{_pattern('place_suffix').pattern})")
    for lead in re.finditer(f"{_pattern('self').pattern}|{_pattern('salutation').pattern}", clause):
        pos = lead.end()
        while m := name.match(clause, pos):
            if not m.group(0).startswith(_markers()["place_generic_head"]):
                names.append(m.group(0))
            pos = m.end()
    return names


@dataclass(frozen=True)
class LetterScope:
    """Where the writer is (the addressee's place, the writer's own) and the group they say they are in."""

    places: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


def letter_scope(address: str, body_sentences: list[str]) -> LetterScope:
    """Places and groups that scope the whole letter: the addressee's place and the writer's own place
    and group. Kinds of places ("城中村"), a name inside a longer one, and groups the writer says they
    are not ("我们家不是低保户") are left out."""
    clauses = [normalize_text(c) for c in _self_clauses(address, body_sentences)]
    found = [p for c in clauses for p in [*extract_places(c), *_named_places(c)]]
    places = [
        p for p in found if p not in lexicon().place_kinds and not any(p != o and p in o for o in found)
    ]
    groups: list[str] = []
    negated = re.compile(rf"(?:{_pattern('negation').pattern})\S{{0,3}}$")
    for clause in clauses:
        for group in slots().get("group", []):  # longest first: 建档立卡贫困户 before 贫困户
            at = clause.find(group)
            if at >= 0 and not any(group in g for g in groups) and not negated.search(clause[:at]):
                groups.append(group)
    return LetterScope(tuple(dict.fromkeys(places)), tuple(groups))


def split_letter(letter: str) -> list[LetterQuestion]:
    """The questions a citizen's letter asks, each made standalone.

    Greeting, background and sign-off are dropped (background words the documents do not use only
    make a question harder to match); a question that leans on what comes before it
    ("交到那个数一年能补多少？") takes what its sentence says before "请问", else the preceding
    sentence (its standalone form if that was a question); the letter's own place
    and group are put in front of every question that lacks them.
    A letter that asks nothing in question form is one question: its text without greeting/sign-off.
    """
    address, body = _strip_address(to_simplified(letter))
    sentences = _sentences(body)
    explicit = any(_is_question(s, explicit_only=True) for s in sentences)
    scope = letter_scope(address, sentences)
    out: list[LetterQuestion] = []
    previous_standalone: dict[int, str] = {}
    for i, sentence in enumerate(sentences):
        if not _is_question(sentence, explicit_only=explicit):
            continue
        said_before, asked = _split_asked(sentence)
        core = asked
        if _leans_on_previous(asked):  # what the sentence said before "请问", else the sentence before
            before = said_before or (previous_standalone.get(i - 1) or sentences[i - 1] if i > 0 else "")
            if before and not (_has("greeting", before) or _has("signoff", before)):
                core = f"{before.rstrip(_TRIM)}，{asked}"
        previous_standalone[i] = core
        out.append(_question(asked, core, scope))
    if not out:
        kept = [s for s in sentences if not (_has("signoff", s) or _has("greeting", s))]
        text = "".join(kept).strip() or body.strip() or letter.strip()
        out.append(_question(text, text, scope))
    return out


def _question(asked: str, core: str, scope: LetterScope) -> LetterQuestion:
    """The letter's place and group go in front of a question that names no place or no group of its
    own ("贫困人口住院…" keeps its own group, not the writer's "建档立卡贫困户")."""
    norm = normalize_text(core)
    missing: list[str] = []
    if not extract_places(norm) and not any(p in norm for p in scope.places):
        missing += scope.places
    if not any(g in norm for g in slots().get("group", [])):
        missing += scope.groups
    if not missing:
        return LetterQuestion(asked=asked, standalone=core)
    return LetterQuestion(asked=asked, standalone=f"{''.join(missing)}：{core}", unscoped=core)


def inquiry_topic(inquiry: str, limit: int = 24) -> str:
    """A short topic line from the citizen's text: its first question's first clause, trimmed."""
    return _short(split_letter(inquiry)[0].asked, limit)


def question_topic(asked: str) -> str:
    """How the draft names a question: without "另外，" and trimmed."""
    text = asked.lstrip(_TRIM_HEAD)
    opener = re.match(rf"(?:{_pattern('new_topic').pattern})[{_TRIM_HEAD}]*", text)
    return _short(text[opener.end() :] if opener and opener.end() < len(text) else text, _TOPIC_MAX)


def _short(text: str, limit: int) -> str:
    first = re.split(r"[。！？!?\n]", text, maxsplit=1)[0].strip(_TRIM)
    if len(first) > limit:
        clause = re.split(r"[，,；;]", first, maxsplit=1)[0]
        first = clause if 6 <= len(clause) <= limit else first[:limit] + "……"
    return first
