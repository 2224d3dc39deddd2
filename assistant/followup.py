"""Turn a follow-up ("那门诊呢？", "2018年呢？") into a standalone question, by rule (offline) or by LLM.

The rule: a follow-up names a new value for one slot (care type, level, group, area, disease, payer,
year, place); that value replaces its sibling in the previous standalone question. Otherwise the
follow-up is appended to the previous question, which still steers retrieval to the same topic.
"""

from __future__ import annotations

import re

from assistant.models import Turn
from assistant.slots import slots
from ingestion import normalize_text

_LEAD = re.compile(r"^(那么|那|还有|另外|如果是|如果|换成|改成|至于|对于)")
_TAIL = re.compile(r"(的话)?(呢|吗|嘛|啊|呀)?[？?。！!\s]*$")
_YEAR = re.compile(r"(?:19|20)\d{2}年")
_ASKS = re.compile(r"多少|几|怎么|如何|什么|哪|是否|吗|能否|可以")
_SEP = "、和与及或"


def is_follow_up(question: str) -> bool:
    q = question.strip()
    core = _TAIL.sub("", _LEAD.sub("", q))
    return (
        bool(_LEAD.match(q))
        or (len(core) <= 8 and not _ASKS.search(core))
        or q.endswith(("呢", "呢？", "呢?"))
    )


def _terms_in(text: str, slot: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for term in slots()[slot]:
        for m in re.finditer(re.escape(term), text):
            if not any(s <= m.start() < e for s, e, _ in found):
                found.append((m.start(), m.end(), term))
    return sorted(found)


def _replace_slot(previous: str, new: str, slot: str) -> str | None:
    """Replace the run of `slot` terms in `previous` (e.g. 乡镇、村级) by `new`."""
    spans = _terms_in(previous, slot)
    if not spans:
        return None
    start, end, _ = spans[0]
    for s, e, _ in spans[1:]:
        if previous[end:s].strip(_SEP) == "":
            end = e
        else:
            break
    return previous[:start] + new + previous[end:]


def rewrite(previous: str, follow_up: str) -> str:
    """The standalone form of `follow_up`, given the previous standalone question."""
    core = _TAIL.sub("", _LEAD.sub("", follow_up.strip())).strip()
    prev = normalize_text(previous).rstrip("？?。 ")
    core_n = normalize_text(core)
    if not core_n:
        return previous
    result = prev
    changed = False
    year = _YEAR.search(core_n)
    if year:
        result = _YEAR.sub(year.group(0), result, count=1) if _YEAR.search(result) else year.group(0) + result
        changed = True
        core_n = core_n.replace(year.group(0), "")
    for slot in slots():
        for _, _, term in _terms_in(core_n, slot):
            replaced = _replace_slot(result, term, slot)
            if replaced is not None and term not in result:
                result, changed = replaced, True
    if changed:
        return result + "？"
    return f"{prev}，{core}？"


def standalone_question(question: str, history: list[Turn] | None) -> str:
    """Resolve the whole conversation: each user turn is rewritten against the one before it."""
    if not history:
        return question
    previous = ""
    for turn in history:
        if turn.role != "user" or not turn.content.strip():
            continue
        previous = (
            rewrite(previous, turn.content) if previous and is_follow_up(turn.content) else turn.content
        )
    if previous and is_follow_up(question):
        return rewrite(previous, question)
    return question
