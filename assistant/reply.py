"""Official reply drafting (群众来信/12345 工单): each question a letter asks (assistant/letters.py)
answered on its own, one formal draft that answers or explicitly declines every question, plus exports."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date

from assistant.citations import MARKER
from assistant.letters import LetterQuestion, inquiry_topic, question_topic, split_letter
from assistant.models import Answer, Citation
from index.base import SearchHit
from prompts import render

_ORDINALS = "一二三四五六七八九十"


def _ordinal(i: int) -> str:
    """一…十 for a draft's numbered parts (a letter seldom asks more), then Arabic digits."""
    return _ORDINALS[i - 1] if 1 <= i <= len(_ORDINALS) else str(i)


def compose_reply(
    inquiry: str,
    answer: Answer,
    salutation: str = "尊敬的来信人",
    signature: str = "（答复单位）",
    today: date | None = None,
) -> str:
    """Fill the reply template; the body keeps the answer's `[n]` markers so every claim stays cited."""
    if answer.refused:
        body = render("reply_refused_body")
    else:
        body = "\n".join(line.strip() for line in answer.text.splitlines() if line.strip())
    d = today or date.today()
    return render(
        "reply_template",
        salutation=salutation,
        topic=f"“{inquiry_topic(inquiry)}”",
        body=body,
        signature=signature,
        date=f"{d.year}年{d.month}月{d.day}日",
    )


def _renumbered(answer: Answer, numbers: dict[str, int], merged: list[Citation]) -> str:
    """The part's text with its `[n]` markers renumbered into the letter's numbering (a paragraph cited
    by two parts keeps one number); new citations are appended to `merged`."""
    local: dict[int, int] = {}
    for c in answer.citations:
        if c.paragraph_id not in numbers:
            numbers[c.paragraph_id] = len(numbers) + 1
            merged.append(replace(c, n=numbers[c.paragraph_id]))
        local[c.n] = numbers[c.paragraph_id]

    def sub(m: re.Match[str]) -> str:
        n = local.get(int(m.group(1)))
        return f"[{n}]" if n is not None else ""

    text = "".join(line.strip() for line in answer.text.splitlines() if line.strip())
    return re.sub(r"(\[\d+\])(?:\1)+", r"\1", MARKER.sub(sub, text))


def _merged_hits(answers: list[Answer]) -> list[SearchHit]:
    """Each part's retrieval, interleaved best-first, without repeats: every part's top hit comes early."""
    out: list[SearchHit] = []
    seen: set[str] = set()
    for rank in range(max((len(a.hits) for a in answers), default=0)):
        for a in answers:
            if rank < len(a.hits) and a.hits[rank].chunk.id not in seen:
                seen.add(a.hits[rank].chunk.id)
                out.append(a.hits[rank])
    return out


def _answer_part(question: LetterQuestion, answer_one: Callable[[str], Answer]) -> Answer:
    """The question with the writer's place and group; if that is declined, without them. Where the
    writer lives is context, not a condition: a county's rule answers a letter from one of its towns,
    and the documents seldom name the town."""
    answer = answer_one(question.standalone)
    if (answer.refused or not answer.citations) and question.unscoped:
        retry = answer_one(question.unscoped)
        if not retry.refused and retry.citations:
            note = f"answered without the letter's place/group: {question.unscoped}"
            return replace(retry, notes=[*retry.notes, note])
    return answer


def compose_letter_reply(
    letter: str,
    answer_one: Callable[[str], Answer],
    salutation: str = "尊敬的来信人",
    signature: str = "（答复单位）",
    today: date | None = None,
) -> Answer:
    """Answer every question of a letter through `answer_one` and draft one formal reply.

    One paragraph per asked question: its cited answer, or an explicit decline for that question (a
    declined part cites nothing). Citations are renumbered across parts. When every part is declined
    the draft says the documents do not cover the matter, cites nothing and the Answer is refused.
    The closest paragraphs of declined parts come back as `related`: shown to the official beside the
    draft, so a part the reader could not decide is checked rather than left to a referral.
    """
    questions = split_letter(letter)
    answers = [_answer_part(q, answer_one) for q in questions]
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    related: list[Citation] = []
    paragraphs: list[str] = []
    notes: list[str] = []
    seen_texts: dict[str, int] = {}
    for i, (q, a) in enumerate(zip(questions, answers, strict=True), start=1):
        topic = question_topic(q.asked)
        declined = a.refused or not a.citations
        if declined:
            part = render("reply_part_declined")
            notes.append(f"part {i} declined: {q.standalone}")
            related += [r for r in a.related if all(r.paragraph_id != x.paragraph_id for x in related)]
        else:
            part = _renumbered(a, numbers, citations)
            if part in seen_texts:  # two questions answered by the same sentence: say it once
                part = render("reply_part_same", n=_ordinal(seen_texts[part]))
            else:
                seen_texts[part] = i
        notes += [f"part {i}: {n}" for n in a.notes]
        if len(questions) > 1:
            part = render("reply_part", n=_ordinal(i), topic=topic, body=part)
        paragraphs.append(part)
    refused = not citations
    body = render("reply_refused_body") if refused else "\n".join(paragraphs)
    d = today or date.today()
    text = render(
        "reply_template",
        salutation=salutation,
        topic=f"“{question_topic(questions[0].asked)}”" + ("等" if len(questions) > 1 else ""),
        body=body,
        signature=signature,
        date=f"{d.year}年{d.month}月{d.day}日",
    )
    return Answer(
        text=text,
        refused=refused,
        citations=citations,
        hits=_merged_hits(answers),
        question="\n".join(q.standalone for q in questions),
        notes=notes,
        # for the official, beside the draft (never in it): where to check what the draft declines
        related=[replace(r, n=k) for k, r in enumerate(related, start=1)],
    )
