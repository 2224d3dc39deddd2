"""The assistant: validate, rewrite a follow-up, retrieve, pick evidence, answer and cite, or refuse."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import replace

from assistant.answerability import AnswerabilityJudge
from assistant.citations import citation_for, resolve_citations
from assistant.errors import InvalidQuestionError
from assistant.evidence import EvidencePicker, idf_table, named_slot_terms, prefer_stated_figure
from assistant.extractive import compose_extractive
from assistant.followup import is_follow_up, standalone_question
from assistant.grounding import ground
from assistant.llm import LLMAnswerer
from assistant.models import Answer, ParagraphContext, Turn
from assistant.quarantine import usable_hits
from assistant.reply import compose_reply, inquiry_question
from index.base import SearchHit
from index.embeddings import NamedEmbeddings
from index.hybrid import HybridSearcher, RetrievalParams
from index.store import LoadedIndex
from ingestion import normalize_text
from ingestion.models import Paragraph
from prompts import render

log = logging.getLogger(__name__)


class Assistant:
    """One loaded index version plus the models that read it; safe to share between request threads."""

    def __init__(
        self,
        index: LoadedIndex,
        embedder: NamedEmbeddings,
        llm: LLMAnswerer | None = None,
        top_k: int = 5,
        min_evidence_score: float = 0.34,
        max_question_chars: int = 2000,
        min_coverage: float = 0.3,
        retrieval: RetrievalParams | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.llm = llm
        self.top_k = top_k
        self.min_evidence_score = min_evidence_score
        self.max_question_chars = max_question_chars
        self.searcher = HybridSearcher(index, embedder, params=retrieval)
        self._paragraphs = {p.id: p for p in index.paragraphs}
        self._order = {p.id: i for i, p in enumerate(index.paragraphs)}
        doc_freq = index.bm25.doc_freq()
        idf = idf_table(doc_freq, index.bm25.n_docs)
        self.picker = EvidencePicker(
            self._paragraphs, idf, lambda q, texts: self.searcher.dense_similarity(q, texts).tolist()
        )
        articles: dict[tuple[str, int], list[str]] = {}
        for p in index.paragraphs:
            articles.setdefault((p.source_file, p.article_index), []).append(p.text)
        self._articles = {k: normalize_text("\n".join(v)) for k, v in articles.items()}
        self.judge = AnswerabilityJudge(
            idf,
            lambda t: doc_freq.get(t, 0),
            "\n".join(self._articles.values()),  # the corpus, for "is this place named anywhere?"
            self._article_text,
            min_coverage=min_coverage,
        )

    def _article_text(self, source_file: str, article_index: int) -> str:
        return self._articles.get((source_file, article_index), "")

    def validate(self, question: str) -> str:
        q = (question or "").strip()
        if not q:
            raise InvalidQuestionError("问题不能为空，请输入要咨询的政策问题。")
        if len(q) > self.max_question_chars:
            raise InvalidQuestionError(
                f"问题过长（{len(q)} 字，上限 {self.max_question_chars} 字），请精简后再提问。"
            )
        return q

    def search(self, question: str, k: int = 10) -> list[SearchHit]:
        return self.searcher.search(normalize_text(self.validate(question)), k)

    def ask(self, question: str, history: list[Turn] | None = None, mode: str = "chat") -> Answer:
        """Answer a question; mode="reply" treats it as a citizen inquiry and returns a draft reply."""
        if mode == "reply":  # retrieval sees the asking sentences, the draft keeps the whole letter
            answer = self._answer(inquiry_question(self.validate(question)), history)
        else:
            answer = self._answer(question, history)
        if mode == "reply":
            answer = replace(answer, text=compose_reply(question, answer))
        elif mode != "chat":
            raise InvalidQuestionError(f"未知的模式：{mode}（可选 chat 或 reply）")
        return answer

    def stream(
        self, question: str, history: list[Turn] | None = None, mode: str = "chat"
    ) -> Iterator[str | Answer]:
        """Text pieces as they become final, then the complete Answer (whose text is authoritative)."""
        answer = self.ask(question, history, mode)
        for piece in re.split(r"(?<=\n)|(?<=[。；])", answer.text):
            if piece:
                yield piece
        yield answer

    def _answer(self, question: str, history: list[Turn] | None = None) -> Answer:
        q = self._standalone(self.validate(question), history)
        hits = usable_hits(self.searcher.search(normalize_text(q), max(10, self.top_k)), self._paragraphs)
        evidence = prefer_stated_figure(q, self.picker.pick(q, hits, top=self.top_k))
        if not evidence or evidence[0].score < self.min_evidence_score:
            return self._refusal(q, hits, evidence[0].paragraph if evidence else None)
        verdict = self.judge.judge(q, evidence)
        if not verdict.answerable:
            return self._refusal(q, hits, evidence[0].paragraph)
        if self.llm is None:
            composed = compose_extractive(evidence, self.min_evidence_score, q, self._measure_anchors(q))
            if composed is None:
                return self._refusal(q, hits, None)
            raw, sources = composed
        else:
            sources = self._llm_sources(hits)
            llm_text = self.llm.answer(q, sources)
            if llm_text is None:
                return self._refusal(q, hits, evidence[0].paragraph)
            raw = llm_text
        report = ground(raw, sources)
        for sentence, reason in report.removed:
            log.info("grounding removed %r: %s", sentence, reason)
        text, citations, _dropped = resolve_citations(report.text, sources)
        if not citations:
            return self._refusal(q, hits, evidence[0].paragraph)
        notes = [f"{reason}: {sentence.strip()}" for sentence, reason in report.removed]
        return Answer(text=text, refused=False, citations=citations, hits=hits, question=q, notes=notes)

    def _measure_anchors(self, question: str) -> list[str]:
        """What the asked figure measures: named measure stems (自付, 起付…), else the topic terms."""
        q = normalize_text(question)
        stems = sorted(named_slot_terms(q).get("measure", set()))
        return stems or self.judge.anchors(q)

    def _standalone(self, question: str, history: list[Turn] | None) -> str:
        """Rule-based rewriting offline; with an LLM backend the model rewrites, the rule is the fallback."""
        rule = standalone_question(question, history)
        if self.llm is None or not history or not is_follow_up(question):
            return rule
        previous = next((t.content for t in reversed(history) if t.role == "user" and t.content.strip()), "")
        return (self.llm.condense(previous, question) if previous else None) or rule

    def _llm_sources(self, hits: list[SearchHit]) -> list[Paragraph]:
        """Paragraphs of the top chunks, numbered for the prompt (quoted evidence, never instructions)."""
        out: list[Paragraph] = []
        for hit in hits[: self.top_k]:
            for pid in hit.chunk.paragraph_ids:
                p = self._paragraphs.get(pid)
                if p is not None and p not in out:
                    out.append(p)
        return out[: self.top_k * 2]

    def _refusal(self, q: str, hits: list[SearchHit], closest: Paragraph | None) -> Answer:
        text = render("refusal")
        related = []
        if closest is not None:
            text += "\n" + render("refusal_closest")
            related = [citation_for(1, closest)]
        return Answer(text=text, refused=True, hits=hits, question=q, related=related)

    def paragraph(self, paragraph_id: str, window: int = 2) -> ParagraphContext | None:
        p = self._paragraphs.get(paragraph_id)
        if p is None:
            return None
        i = self._order[paragraph_id]
        same = [
            q
            for q in self.index.paragraphs[max(0, i - window) : i + window + 1]
            if q.source_file == p.source_file and q.article_index == p.article_index
        ]
        return ParagraphContext(
            paragraph_id=p.id,
            source_file=p.source_file,
            article_title=p.article_title,
            heading_path=p.heading_path,
            text=p.text,
            start=p.start,
            end=p.end,
            before=[(q.id, q.text) for q in same if self._order[q.id] < i],
            after=[(q.id, q.text) for q in same if self._order[q.id] > i],
        )

    def stats(self) -> dict[str, object]:
        m = self.index.manifest
        return {
            "documents": len(m.sources),
            "paragraphs": m.paragraphs,
            "chunks": m.chunks,
            "embedder": m.embedder_id,
            "index_version": self.index.path.name,
            "index_created_at": m.created_at,
            "backend": "extractive" if self.llm is None else "llm",
        }
