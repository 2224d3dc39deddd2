"""The assistant: validate, rewrite a follow-up, retrieve, pick evidence, answer and cite, or refuse."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from assistant.citations import citation_for, resolve_citations
from assistant.errors import InvalidQuestionError
from assistant.evidence import Reader, Reading, idf_table, rerank_hits
from assistant.extractive import compose_extractive
from assistant.figures import PER_UNIT_KINDS, only_given_figures, states_per_unit
from assistant.followup import is_follow_up, standalone_question
from assistant.grounding import ground
from assistant.llm import LLMAnswerer, before_refusal
from assistant.models import Answer, ParagraphContext, Turn
from assistant.quarantine import usable_hits
from assistant.query import Query, QueryAnalyzer
from assistant.reader import Candidate, Joined, reason_for
from assistant.reader_model import (
    KIND_NOT_STATED,
    ONLY_GIVEN_FIGURES,
    PER_UNIT_NOT_STATED,
    REASONS,
    ReaderModel,
)
from assistant.reply import compose_letter_reply
from assistant.streaming import grounded_sentences
from assistant.warmup import warm_caches
from index.base import SearchHit
from index.embeddings import NamedEmbeddings
from index.hybrid import HybridSearcher, RetrievalParams
from index.store import LoadedIndex
from ingestion import normalize_text
from ingestion.models import Paragraph
from ingestion.normalize import search_form
from prompts import render

log = logging.getLogger(__name__)


def pieces(text: str) -> Iterator[str]:
    """A finished answer cut after each line, full stop and semicolon (the non-LLM stream)."""
    for piece in re.split(r"(?<=\n)|(?<=[。；])", text):
        if piece:
            yield piece


class Assistant:
    """One loaded index version plus the models that read it; safe to share between request threads."""

    def __init__(
        self,
        index: LoadedIndex,
        embedder: NamedEmbeddings,
        llm: LLMAnswerer | None = None,
        top_k: int = 5,
        max_question_chars: int = 2000,
        retrieval: RetrievalParams | None = None,
        reader_model: ReaderModel | None = None,
        reader_threshold: float | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.llm = llm
        self.top_k = top_k
        self.max_question_chars = max_question_chars
        self.searcher = HybridSearcher(index, embedder, params=retrieval)
        self._paragraphs = {p.id: p for p in index.paragraphs}
        self._order = {p.id: i for i, p in enumerate(index.paragraphs)}
        doc_freq = index.bm25.doc_freq()
        articles: dict[tuple[str, int], list[str]] = {}
        for p in index.paragraphs:
            articles.setdefault((p.source_file, p.article_index), []).append(p.text)
        self._articles = {k: search_form(normalize_text("\n".join(v))) for k, v in articles.items()}
        titles = dict.fromkeys(p.article_title for p in index.paragraphs)
        # Scope places count as named: a report names its county through its townships (ingestion).
        places = dict.fromkeys(pl for p in index.paragraphs for pl in p.places)
        corpus = normalize_text("\n".join([*titles, *("\n".join(v) for v in articles.values()), *places]))
        idf = idf_table(doc_freq, index.bm25.n_docs)
        self.analyzer = QueryAnalyzer(idf, lambda t: doc_freq.get(t, 0), corpus)
        self.reader = Reader(
            self._paragraphs,
            self._article_context,
            self._sentence_similarity,
            reader_model or ReaderModel.load(),
        )
        self.threshold = reader_threshold if reader_threshold is not None else self.reader.model.threshold
        warm_caches(index.paragraphs, self.reader.features)

    def _sentence_similarity(self, query_norm: str, cands: list[Candidate]) -> list[float]:
        keys = [(c.paragraph.id, c.sentence) for c in cands]
        texts = [normalize_text(c.sentence) for c in cands]
        return self.searcher.sentence_similarity(query_norm, keys, texts).tolist()

    def _article_context(self, p: Paragraph) -> Joined:
        """The paragraph's whole article plus its title and heading path, in search form."""
        body = self._articles.get((p.source_file, p.article_index)) or search_form(normalize_text(p.text))
        return Joined(body, search_form(normalize_text(" ".join([p.article_title, *p.heading_path]))))

    def use_reader(self, model: ReaderModel, threshold: float | None = None) -> None:
        """Swap the reader model (cross-validation trains one per fold); its threshold comes with it."""
        self.reader.model = model
        self.threshold = model.threshold if threshold is None else threshold

    def analyse(self, question: str) -> Query:
        return self.analyzer.analyse(question)

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
        """Answer a question; mode="reply" treats it as a citizen's letter: each question it asks is
        answered on its own and the parts are drafted into one formal reply."""
        if mode == "reply":
            return compose_letter_reply(self.validate(question), self._answer)
        if mode != "chat":
            raise InvalidQuestionError(f"未知的模式：{mode}（可选 chat 或 reply）")
        return self._answer(question, history)

    def stream(
        self, question: str, history: list[Turn] | None = None, mode: str = "chat"
    ) -> Iterator[str | Answer]:
        """Text pieces as they become final, then the complete Answer (whose text is authoritative).

        With an LLM backend the pieces are the model's sentences, each grounded before it is shown,
        and "" is yielded after every model token, so a consumer can stop generation by closing this
        generator between tokens (the client went away). Other answers are split once complete.
        """
        if mode != "chat" or self.llm is None:
            answer = self.ask(question, history, mode)
            yield from pieces(answer.text)
            yield answer
            return
        q, hits, reading, refusal = self._gate(question, history)
        if refusal is not None:
            yield from pieces(refusal.text)
            yield refusal
            return
        sources = self._llm_sources(hits)
        live = yield from grounded_sentences(self.llm.stream_answer(q.text, sources), sources)
        yield self._finish(q, hits, reading, sources, live.raw, live.declined)

    def _answer(self, question: str, history: list[Turn] | None = None) -> Answer:
        q, hits, reading, refusal = self._gate(question, history)
        if refusal is not None:
            return refusal
        if self.llm is None:
            raw, sources = compose_extractive(reading.evidence, q)
            return self._finish(q, hits, reading, sources, raw)
        sources = self._llm_sources(hits)
        raw, declined = before_refusal(self.llm.answer(q.text, sources))
        return self._finish(q, hits, reading, sources, raw, declined)

    def _gate(
        self, question: str, history: list[Turn] | None
    ) -> tuple[Query, list[SearchHit], Reading, Answer | None]:
        """Analyse, retrieve and read; the refusal when the evidence does not answer (before any model)."""
        q = self.analyse(self._standalone(self.validate(question), history))
        hits = usable_hits(self.searcher.search(q.norm, max(10, self.top_k)), self._paragraphs)
        reading = self.reader.read(q, hits, self.top_k)
        hits = rerank_hits(hits, reading.evidence)
        if not reading.evidence or reading.confidence < self.threshold or q.unknown_places:
            return q, hits, reading, self._refusal(q, hits, reading)
        # A how-to or which-office question is answered only by a sentence stating a step or an office
        # ("建立健康档案" does not say how to get a 慢性病卡); the judge checks this for figures only.
        if q.kind in KIND_NOT_STATED and reading.feature("states_kind") == 0.0:
            return q, hits, reading, self._refusal(q, hits, reading, KIND_NOT_STATED[q.kind])
        gate = reading.scope_gate()
        if gate:
            return q, hits, reading, self._refusal(q, hits, reading, REASONS[gate])
        # "每人每年发多少" is not answered by "累计发放759.96万元": a per-unit figure needs per-unit wording.
        best = normalize_text(reading.evidence[0].sentence)
        if q.per_unit and q.kind in PER_UNIT_KINDS and not states_per_unit(best):
            return q, hits, reading, self._refusal(q, hits, reading, PER_UNIT_NOT_STATED)
        # "具体是哪21种？" is not answered by "开展了21种大病…救治工作": the question's own figures, repeated,
        # say nothing new (a yes/no question may be confirmed by its own figure: "每次补100元吗？").
        if not q.yes_no and only_given_figures(best, q.given):
            return q, hits, reading, self._refusal(q, hits, reading, ONLY_GIVEN_FIGURES)
        return q, hits, reading, None

    def _finish(
        self,
        q: Query,
        hits: list[SearchHit],
        reading: Reading,
        sources: list[Paragraph],
        raw: str,
        declined: bool = False,
    ) -> Answer:
        """Ground the backend's text and resolve its citations, or refuse when no cited sentence is left."""
        if self.llm is not None and not raw.strip():  # empty, or nothing before the refusal token
            return self._refusal(q, hits, reading, "模型没有给出有依据的回答")
        report = ground(raw, sources)
        for sentence, reason in report.removed:
            log.info("grounding removed %r: %s", sentence, reason)
        text, citations, _dropped = resolve_citations(report.text, sources)
        if not citations:
            why = "模型没有给出有依据的回答" if declined else "回答中的数字在引用段落中找不到依据"
            return self._refusal(q, hits, reading, why)
        notes = [f"{reason}: {sentence.strip()}" for sentence, reason in report.removed]
        return Answer(text=text, refused=False, citations=citations, hits=hits, question=q.text, notes=notes)

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

    def _refusal(self, q: Query, hits: list[SearchHit], reading: Reading, why: str = "") -> Answer:
        reason = why or reason_for(self.reader.model, q, reading.judge_row)
        log.info("refused %r: %s", q.text, reason)
        text = render("refusal")
        related = []
        if reading.evidence and not q.unknown_places:
            text += "\n" + render("refusal_closest")
            related = [citation_for(1, reading.evidence[0].paragraph)]
        return Answer(text=text, refused=True, hits=hits, question=q.text, related=related, notes=[reason])

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
            "reader_threshold": self.threshold,
        }
