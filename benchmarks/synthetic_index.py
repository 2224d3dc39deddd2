"""A synthetic index of any size, grown from a real index version, written in the product's own format.

Why synthetic: the bundled corpus is 1.8k chunks, and nobody has a 1M-chunk policy corpus at hand. Each
copy of the real corpus becomes new documents in which place names are swapped for generated plausible
names (青石县, 柳河镇 …), years are shifted and figures are scaled, so texts, scope metadata, vocabulary and
citations look like a real, bigger corpus of similar policy documents from other counties and years.
Copy 0 is the real corpus unchanged, so the gold questions still have their real answers in it.

Why vectors and BM25 tokens are derived rather than recomputed: embedding 1M chunks (and ~2M sentences)
with USE would take many hours on 2 cores, and re-segmenting 1M texts with jieba about 20 minutes. So a
synthetic chunk's (and sentence's) vector is the real USE vector of its source plus small Gaussian noise,
renormalised, and its BM25 tokens are the source chunk's jieba tokens with the same substitutions applied
(place-name tokens replaced by the jieba tokens of the new name, years and figures varied like the text).
Everything else is the product's own code and format: `FaissIndex` (flat or HNSW) via `write_vectors`,
bm25s via `BM25Index`, paragraphs/chunks JSONL, the sentence-vector files, a manifest with checksums and
the CURRENT pointer, so `index.store.load_index` and the real `Assistant` read it like any ingest result.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from index.bm25 import BM25Index, tokenize
from index.manifest import IndexManifest, SourceEntry, corpus_hash, sha256_file
from index.sentences import KEYS_FILE, VECTORS_FILE, write_key_table
from index.store import CURRENT, MANIFEST, LoadedIndex, bm25_text
from index.vector_store import write_vectors
from ingestion.models import Chunk, Paragraph
from ingestion.sentences import paragraph_sentences

# Suffixes a generated name keeps from the real name it replaces (longest first).
_SUFFIXES = ("自治区", "卫生院", "苏木", "省", "市", "县", "区", "镇", "乡", "村", "州", "旗")
# Characters that make plausible two-character Chinese place stems (山河, 青石, 柳桥 …).
_STEM_CHARS = (
    "青石柳河桥东西南北山水阳安平宁和丰兴华龙凤云林泉溪江湖城新长乐永清白马金银松竹梅兰"
    "桃李杏枫岭峰岗坪塘湾滩洲浦口关庄屯堡营寨台沟坝岩川原田家集店铺梁坡望明德福寿康泰"
)
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?![\d.])")
CHUNK_NOISE = 0.01  # per-dimension std of the noise added to a copied 512-d unit vector (cos ~0.97)
Progress = Callable[[str, int, int], None]


def place_pool(size: int, seed: int = 0) -> list[str]:
    """`size` distinct generated two-character stems; a suffix is added per replaced name."""
    rng = np.random.default_rng(seed)
    chars = list(_STEM_CHARS)
    out: dict[str, None] = {}
    while len(out) < min(size, len(chars) * (len(chars) - 1)):
        a, b = rng.choice(len(chars), 2, replace=False)
        out[chars[a] + chars[b]] = None
    return list(out)


def _suffix(name: str) -> str:
    """The administrative suffix a generated name keeps (县 stays a 县), "" for names without one."""
    return next((s for s in _SUFFIXES if name.endswith(s) and len(name) > len(s)), "")


@dataclass
class Source:
    """What a synthetic copy is derived from: one real, loaded index version and its BM25 tokens."""

    index: LoadedIndex
    tokens: list[list[str]]  # jieba tokens of each source chunk's BM25 text (index.store.bm25_text)
    chunk_vectors: np.ndarray  # real unit vectors of the source chunks
    places: list[str]  # real place names that copies rename (placeholders like xx县 are left alone)

    @classmethod
    def from_index(cls, index: LoadedIndex) -> Source:
        tokens = [tokenize(bm25_text(c)) or ["_empty_"] for c in index.chunks]
        names = {pl for r in [*index.paragraphs, *index.chunks] for pl in r.places}
        real = (n for n in names if _suffix(n) and not re.search(r"[xX]", n))
        places = sorted(real, key=len, reverse=True)
        return cls(index, tokens, index.vectors.vectors(), places)


class Variation:
    """One copy's substitutions: place -> generated name, year shift, figure scale; text and tokens alike."""

    def __init__(self, copy: int, source: Source, pool: list[str], rng: np.random.Generator) -> None:
        self.copy = copy
        stems = rng.choice(len(pool), len(source.places), replace=len(pool) < len(source.places))
        self.names = {p: pool[s] + _suffix(p) for p, s in zip(source.places, stems, strict=True)}
        self.year_shift = int(rng.choice([-3, -2, -1, 1, 2, 3]))
        self.scale = float(rng.uniform(0.7, 1.4))
        alternation = "|".join(re.escape(p) for p in source.places) or r"(?!x)x"
        self._text_re = re.compile(f"({alternation})|{_NUMBER.pattern}")
        self._cache: dict[str, str] = {}

    def number(self, s: str) -> str:
        """Years 1980-2049 shift by whole years; other figures >= 10 scale (kept integral or decimal)."""
        if "." not in s and len(s) == 4 and 1980 <= int(s) <= 2049:
            return str(int(s) + self.year_shift)
        value = float(s)
        if value < 10:
            return s  # months, days, ordinals and list numbers stay readable
        if "." in s:
            return f"{value * self.scale:.{len(s.split('.')[1])}f}"
        return str(max(10, round(value * self.scale)))

    def text(self, s: str) -> str:
        """One regex pass for names, years and figures; cached, since titles and headings repeat."""
        if not s:
            return s
        out = self._cache.get(s)
        if out is None:
            out = self._text_re.sub(lambda m: self.names[m[1]] if m[1] else self.number(m[2]), s)
            if len(self._cache) < 200_000:
                self._cache[s] = out
        return out

    def places(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """Scope metadata renamed like the text, so place boosts and refusals see the copy's places."""
        return tuple(dict.fromkeys(self.names.get(n, n) for n in names))

    def years(self, years: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(y + self.year_shift for y in years)


class TokenMapper:
    """BM25 tokens of a copy from the source chunk's tokens, without running jieba on the copy's text."""

    def __init__(self, places: list[str]) -> None:
        self._owner: dict[str, str] = {}  # a name-bearing token -> the real place it belongs to
        self._first: dict[str, str] = {}  # place -> its first name-bearing token
        for p in places:
            stem = p[: -len(_suffix(p))]
            name_tokens = [t for t in tokenize(p) if stem in t or t in stem]
            for t in name_tokens:
                self._owner.setdefault(t, p)
            if name_tokens:
                self._first[p] = name_tokens[0]
        self._name_tokens: dict[str, list[str]] = {}

    def _new_name_tokens(self, name: str) -> list[str]:
        toks = self._name_tokens.get(name)
        if toks is None:
            toks = self._name_tokens[name] = tokenize(name)
        return toks

    def map(self, tokens: list[str], var: Variation) -> list[str]:
        """A place's name tokens become the new name's jieba tokens; numbers vary like the text."""
        out: list[str] = []
        for t in tokens:
            owner = self._owner.get(t)
            if owner is not None:
                if self._first.get(owner) == t:  # the name's other tokens are covered by the new ones
                    out += self._new_name_tokens(var.names[owner])
            elif t[0].isdigit():
                out.append(_NUMBER.sub(lambda m: var.number(m[1]), t))
            else:
                out.append(t)
        return out or ["_empty_"]


def _vary_paragraph(p: Paragraph, var: Variation, stem: str, new_file: str, shift: int) -> Paragraph:
    original = var.text(p.original)
    return replace(
        p,
        id=f"{stem}{p.id[p.id.rindex('-p') :]}",
        source_file=new_file,
        article_title=var.text(p.article_title),
        heading_path=tuple(var.text(h) for h in p.heading_path),
        start=p.start + shift,
        end=p.start + shift + len(original),
        original=original,
        text=var.text(p.text),
        search_text=var.text(p.search_text),
        places=var.places(p.places),
        years=var.years(p.years),
    )


def _vary_chunk(c: Chunk, var: Variation, ids: dict[str, str], new_file: str, shift: int) -> Chunk:
    text = var.text(c.text)
    pids = tuple(ids[pid] for pid in c.paragraph_ids)
    return replace(
        c,
        id=pids[0] + c.id[c.id.rindex("-c") :],
        source_file=new_file,
        article_title=var.text(c.article_title),
        heading_path=tuple(var.text(h) for h in c.heading_path),
        paragraph_ids=pids,
        start=c.start + shift,
        end=c.start + shift + len(text),
        text=text,
        search_text=var.text(c.search_text),
        context=var.text(c.context),
        places=var.places(c.places),
        years=var.years(c.years),
    )


def _json(record: Paragraph | Chunk) -> str:
    """One JSONL line, as index.records.write_jsonl writes it (dataclasses.asdict is slow at 1M rows)."""
    return json.dumps({f.name: getattr(record, f.name) for f in fields(record)}, ensure_ascii=False) + "\n"


@dataclass
class Generated:
    """What `write_synthetic_index` produced; the vectors are written from the source rows + noise."""

    path: Path
    paragraphs: int
    chunks: int
    sentences: int
    copies: int


def _copies(source: Source, n_chunks: int, seed: int) -> Iterator[tuple[int, Variation | None]]:
    """(copy number, its variation; None for copy 0 = the real corpus) until n_chunks are covered."""
    rng = np.random.default_rng(seed)
    pool = place_pool(20_000, seed)
    per_copy = max(1, len(source.index.chunks))
    for k in range(-(-n_chunks // per_copy)):
        yield k, (None if k == 0 else Variation(k, source, pool, rng))


def write_synthetic_index(
    index_dir: Path,
    source: Source,
    n_chunks: int,
    index_type: str = "flat",
    seed: int = 0,
    on_progress: Progress | None = None,
) -> Generated:
    """Write a complete index version of `n_chunks` chunks under index_dir and point CURRENT at it."""
    idx = source.index
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + "-syn-" + uuid.uuid4().hex[:6]
    folder = index_dir / "versions" / version
    folder.mkdir(parents=True)
    sentences = idx.sentences
    para_by_file: dict[str, list[Paragraph]] = {}
    for p in idx.paragraphs:
        para_by_file.setdefault(p.source_file, []).append(p)
    chunk_rows_by_file: dict[str, list[int]] = {}
    for i, c in enumerate(idx.chunks):
        chunk_rows_by_file.setdefault(c.source_file, []).append(i)
    mapper = TokenMapper(source.places)
    src_sentences: dict[str, list[tuple[str, str]]] = {}
    chunk_src: list[int] = []  # source chunk row of every written chunk
    sent_src: list[int] = []  # source sentence row of every written sentence (-1: none)
    tokens: list[list[str]] = []
    sources: list[SourceEntry] = []
    n_par = copies = 0
    with (
        (folder / "paragraphs.jsonl").open("w", encoding="utf-8") as fp,
        (folder / "chunks.jsonl").open("w", encoding="utf-8") as fc,
        (folder / KEYS_FILE).open("w", encoding="utf-8") as fs,
    ):
        for k, var in _copies(source, n_chunks, seed):
            copies += 1
            for entry in idx.manifest.sources:
                if len(chunk_src) >= n_chunks:
                    break
                f = entry.source_file
                new_file = f if var is None else f"syn{k:05d}_{f}"
                stem = new_file.rsplit(".", 1)[0]
                ids: dict[str, str] = {}
                shifts: dict[str, int] = {}
                shift = 0
                paras = para_by_file.get(f, [])
                for p in paras:
                    q = p if var is None else _vary_paragraph(p, var, stem, new_file, shift)
                    ids[p.id], shifts[p.id] = q.id, shift
                    shift += len(q.original) - len(p.original)
                    fp.write(_json(q))
                    src_keys = src_sentences.get(p.id)
                    if src_keys is None:
                        src_keys = src_sentences[p.id] = list(paragraph_sentences([p]))
                    for j, (pid, s) in enumerate(paragraph_sentences([q])):
                        fs.write(json.dumps([pid, s], ensure_ascii=False) + "\n")
                        src = src_keys[min(j, len(src_keys) - 1)] if src_keys else None
                        found = sentences.row(*src) if src and sentences is not None else None
                        sent_src.append(-1 if found is None else found)
                n_par += len(paras)
                for row in chunk_rows_by_file.get(f, []):
                    if len(chunk_src) >= n_chunks:
                        break
                    c = idx.chunks[row]
                    if var is None:
                        out, toks = c, source.tokens[row]
                    else:
                        out = _vary_chunk(c, var, ids, new_file, shifts[c.paragraph_ids[0]])
                        toks = mapper.map(source.tokens[row], var)
                    fc.write(_json(out))
                    chunk_src.append(row)
                    tokens.append(toks)
                sources.append(_vary_entry(entry, var, new_file))
            if on_progress:
                on_progress("records", len(chunk_src), n_chunks)
    write_key_table(folder)  # the product's sentence key table, from the sentences.jsonl just written
    if on_progress:
        on_progress("bm25", 0, 1)
    bm25 = _bm25(tokens)
    tokens.clear()  # BM25 before the vectors: the token lists and the vector matrix never coexist
    bm25.save(folder / "bm25")
    del bm25
    if on_progress:
        on_progress("bm25", 1, 1)
    rng = np.random.default_rng(seed + 1)
    dim = idx.manifest.dim
    _write_sentence_matrix(folder, idx, np.asarray(sent_src, np.int64), dim, rng, on_progress)
    matrix = _noisy_rows(source.chunk_vectors, np.asarray(chunk_src, np.int64), rng, on_progress, "vectors")
    if on_progress:
        on_progress("faiss", 0, 1)
    write_vectors(folder, matrix, dim, [], index_type)
    del matrix
    if on_progress:
        on_progress("faiss", 1, 1)
    manifest = IndexManifest(
        embedder_id=idx.manifest.embedder_id,
        dim=dim,
        chunk_max_tokens=idx.manifest.chunk_max_tokens,
        index_type=index_type,
        ingest_fingerprint="synthetic",
        corpus_hash=corpus_hash([(s.source_file, s.sha256) for s in sources]),
        sources=sources,
        quarantine_checked=True,
        paragraphs=n_par,
        chunks=len(chunk_src),
    )
    if on_progress:
        on_progress("checksums", 0, 1)
    manifest.checksums = {
        str(f.relative_to(folder)): sha256_file(f) for f in sorted(folder.rglob("*")) if f.is_file()
    }
    (folder / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    tmp = index_dir / f".{CURRENT}.{uuid.uuid4().hex}"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, index_dir / CURRENT)
    if on_progress:
        on_progress("checksums", 1, 1)
    return Generated(folder, n_par, len(chunk_src), len(sent_src), copies)


def _vary_entry(entry: SourceEntry, var: Variation | None, name: str) -> SourceEntry:
    """The manifest entry of a copied document: its name, a distinct hash, varied title and articles."""
    if var is None:
        return entry
    update = {
        "source_file": name,
        "sha256": hashlib.sha256(f"{var.copy}:{entry.sha256}".encode()).hexdigest(),
        "title": var.text(entry.title),
        "articles": [var.text(a) for a in entry.articles],
    }
    return entry.model_copy(update=update)


def _bm25(tokens: list[list[str]], k1: float = 1.2, b: float = 0.75) -> BM25Index:
    """The product's BM25 (bm25s, same k1/b as BM25Index.build) over already-tokenised documents."""
    import bm25s

    model = bm25s.BM25(k1=k1, b=b)
    model.index(tokens, show_progress=False)
    return BM25Index(model)


def _noisy_rows(
    base: np.ndarray,
    rows: np.ndarray,
    rng: np.random.Generator,
    on_progress: Progress | None,
    label: str,
    out: np.ndarray | None = None,
    noise: float = CHUNK_NOISE,
) -> np.ndarray:
    """base[rows] plus Gaussian noise, renormalised; the first copy (real rows) keeps exact vectors."""
    if out is None:
        out = np.empty((len(rows), base.shape[1]), np.float32)
    n_real = len(base)
    step = 50_000
    for s in range(0, len(rows), step):
        r = rows[s : s + step]
        x = base[np.maximum(r, 0)].astype(np.float32)
        x += rng.normal(0.0, noise, x.shape).astype(np.float32)
        x[r < 0] = rng.normal(0.0, 1.0, (int((r < 0).sum()), base.shape[1]))
        if s < n_real:  # copy 0: the real vectors, unchanged
            keep = min(n_real, s + step) - s
            x[:keep] = base[np.maximum(r[:keep], 0)]
        x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        out[s : s + len(r)] = x
        if on_progress:
            on_progress(label, min(s + step, len(rows)), len(rows))
    return out


def _write_sentence_matrix(
    folder: Path,
    idx: LoadedIndex,
    rows: np.ndarray,
    dim: int,
    rng: np.random.Generator,
    on_progress: Progress | None,
) -> None:
    """sentence_vectors.npy written through a memory map (1M chunks ~ 2M sentences ~ 4 GB)."""
    base = np.asarray(idx.sentences.matrix) if idx.sentences is not None else np.zeros((1, dim), np.float32)
    shape = (len(rows), dim)
    out = np.lib.format.open_memmap(folder / VECTORS_FILE, mode="w+", dtype=np.float32, shape=shape)
    _noisy_rows(base, rows, rng, on_progress, "sentence vectors", out)
    out.flush()
    del out
