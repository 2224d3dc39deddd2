"""Thumbs up/down on answers, stored in SQLite, listed for admins and exported as a gold-set draft.

One click records a rating; the reply carries a random key with which the same browser can add an
optional comment afterwards (`PATCH /api/feedback/{id}`), so a comment never needs a second rating.

The export follows the shared gold-set format (question, answer, empty
`must_include`, `source_file` / `source_quote` from the first citation), so `policyqa eval`
can read it once a person has filled in `must_include`. `source_quote` is the paragraph's
original text (noise included), the verbatim substring the eval locates with `str.find`.
"""

from __future__ import annotations

import hmac
import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from web.deps import AdminDep, SettingsDep
from web.shared_limit import when_unlocked
from web.text import clean_text

router = APIRouter()

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    mode TEXT NOT NULL DEFAULT 'chat',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL DEFAULT 0,
    citations TEXT NOT NULL DEFAULT '[]',
    source_quote TEXT,
    edit_key TEXT
)
"""


BUSY_TIMEOUT_S = 10  # how long a write waits for another process's write before failing


class FeedbackStore:
    """A tiny SQLite table; one connection per call, serialized by a lock within a process.

    Several server workers write the same file, so it runs in WAL mode (readers never block the
    writer, and a write does not wait for an export to finish) and every connection waits up to
    BUSY_TIMEOUT_S for another process's write instead of failing with "database is locked".
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            # kept in the file: set once, true for every process
            when_unlocked(db, "PRAGMA journal_mode=WAL", BUSY_TIMEOUT_S)
            when_unlocked(db, _SCHEMA, BUSY_TIMEOUT_S)
            columns = {row["name"] for row in db.execute("PRAGMA table_info(feedback)")}
            if "edit_key" not in columns:  # stores created before one-click feedback
                try:
                    db.execute("ALTER TABLE feedback ADD COLUMN edit_key TEXT")
                except sqlite3.OperationalError as exc:  # another worker added it a moment ago
                    if "duplicate column" not in str(exc):
                        raise

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)  # sets SQLite's busy_timeout
        db.row_factory = sqlite3.Row
        return db

    def size_bytes(self) -> int:
        """Bytes on disk (database plus journal files): what the cap limits."""
        total = 0
        for suffix in ("", "-wal", "-shm", "-journal"):
            f = self.path.with_name(self.path.name + suffix)
            total += f.stat().st_size if f.exists() else 0
        return total

    def add(self, item: dict[str, Any]) -> int:
        row = {**item, "created_at": datetime.now(UTC).isoformat(timespec="seconds")}
        row["citations"] = json.dumps(row["citations"], ensure_ascii=False)
        row["refused"] = int(row["refused"])
        cols = ", ".join(row)
        marks = ", ".join(f":{k}" for k in row)
        with self._lock, self._connect() as db:
            cur = db.execute(f"INSERT INTO feedback ({cols}) VALUES ({marks})", row)
            return int(cur.lastrowid or 0)

    def comment(self, row_id: int, key: str, comment: str) -> bool:
        """Set the comment of a row whose edit key matches; False when there is no such row."""
        with self._lock, self._connect() as db:
            row = db.execute("SELECT edit_key FROM feedback WHERE id = ?", (row_id,)).fetchone()
            if row is None or not row["edit_key"] or not hmac.compare_digest(row["edit_key"], key):
                return False
            db.execute("UPDATE feedback SET comment = ? WHERE id = ?", (comment, row_id))
            return True

    def list(self, rating: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        sql = "SELECT * FROM feedback"
        args: tuple[Any, ...] = ()
        if rating:
            sql, args = sql + " WHERE rating = ?", (rating,)
        with self._lock, self._connect() as db:
            rows = db.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [_row(r) for r in rows]

    def iter_oldest_first(self, rating: str | None = None, batch: int = 200) -> Iterator[dict[str, Any]]:
        """Every row, oldest first, read in batches: an export never holds the whole table."""
        last = 0
        while True:
            sql, args = "SELECT * FROM feedback WHERE id > ?", [last]
            if rating:
                sql, args = sql + " AND rating = ?", [*args, rating]
            with self._lock, self._connect() as db:
                rows = db.execute(sql + " ORDER BY id LIMIT ?", (*args, batch)).fetchall()
            if not rows:
                return
            for r in rows:
                yield _row(r)
            last = int(rows[-1]["id"])


def _row(r: sqlite3.Row) -> dict[str, Any]:
    d = dict(r)
    d["citations"] = json.loads(d["citations"])
    d["refused"] = bool(d["refused"])
    d.pop("edit_key", None)  # the key that lets a browser add its comment is never exported
    return d


def gold_draft(row: dict[str, Any]) -> dict[str, Any]:
    """One feedback row as a gold-set line; refused answers become `unanswerable` candidates."""
    first = row["citations"][0] if row["citations"] and not row["refused"] else None
    case: dict[str, Any] = {
        "id": f"feedback-{row['id']}",
        "question": row["question"],
        "type": "unanswerable" if row["refused"] or first is None else "feedback",
        "answer": row["answer"],
        "must_include": [],
    }
    if first is not None:
        case["source_file"] = first["source_file"]
        case["source_quote"] = row.get("source_quote") or first["text"]
    case |= {"rating": row["rating"], "comment": row["comment"], "created_at": row["created_at"]}
    return case


def get_store(request: Request, settings: SettingsDep) -> FeedbackStore:
    """One store per app, created on first use (so tests without feedback never touch disk)."""
    store = getattr(request.app.state, "feedback_store", None)
    if store is None or store.path != settings.feedback_db:
        store = FeedbackStore(settings.feedback_db)
        request.app.state.feedback_store = store
    return store


Short = Annotated[str, StringConstraints(max_length=500), AfterValidator(clean_text)]
MAX_FEEDBACK_CITATIONS = 20


class FeedbackCitationIn(BaseModel):
    """A citation as the browser holds it, every field bounded (a rating must stay small)."""

    model_config = ConfigDict(extra="ignore")

    n: int = Field(ge=1, le=999)
    paragraph_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    source_file: Annotated[str, StringConstraints(max_length=255)]
    article_title: Short = ""
    heading_path: list[Short] = Field(default_factory=list, max_length=10)
    text: Annotated[str, StringConstraints(max_length=5000), AfterValidator(clean_text)] = ""
    start: int = Field(0, ge=0)
    end: int = Field(0, ge=0)


class FeedbackIn(BaseModel):
    """Body of `POST /api/feedback`: at most about 100 KB of text however it is filled."""

    model_config = ConfigDict(extra="forbid")

    rating: Literal["up", "down"]
    comment: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(clean_text)
    ] = ""
    mode: Literal["chat", "reply"] = "chat"
    question: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
        AfterValidator(clean_text),
    ]
    answer: Annotated[str, StringConstraints(max_length=20000), AfterValidator(clean_text)]
    refused: bool = False
    citations: list[FeedbackCitationIn] = Field(default_factory=list, max_length=MAX_FEEDBACK_CITATIONS)


def _original_text(request: Request, paragraph_id: str) -> str | None:
    """The verbatim source slice of a paragraph, when the current assistant exposes its index."""
    index = getattr(getattr(request.app.state, "assistant", None), "index", None)
    for p in getattr(index, "paragraphs", None) or ():
        if p.id == paragraph_id:
            return p.original
    return None


FEEDBACK_FULL_MESSAGE = "反馈存储已达上限（{mb} MB），暂时无法记录新的反馈；请联系管理员导出并清理。"


@router.post("/api/feedback", status_code=201, responses={409: {"description": "Feedback store full."}})
def add_feedback(body: FeedbackIn, request: Request, settings: SettingsDep) -> dict[str, Any]:
    """Record one rating; anyone who can ask can rate, until the store reaches its size cap. `key` lets
    the same browser add a comment."""
    store = get_store(request, settings)
    if store.size_bytes() >= settings.feedback_max_mb * 1024 * 1024:
        raise HTTPException(status_code=409, detail=FEEDBACK_FULL_MESSAGE.format(mb=settings.feedback_max_mb))
    item = body.model_dump()
    for c in item["citations"]:  # display-only fields stay out of the gold-set draft
        for extra in ("document_title", "article", "location"):
            c.pop(extra, None)
    item["source_quote"] = _original_text(request, body.citations[0].paragraph_id) if body.citations else None
    item["edit_key"] = secrets.token_urlsafe(16)
    return {"id": store.add(item), "key": item["edit_key"]}


class CommentIn(BaseModel):
    """Body of `PATCH /api/feedback/{id}`: the optional comment after a one-click rating."""

    model_config = ConfigDict(extra="forbid")

    key: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


@router.patch("/api/feedback/{row_id}")
def comment_feedback(
    row_id: Annotated[int, PathParam(ge=1, le=2**63 - 1, description="反馈编号")],
    body: CommentIn,
    request: Request,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Add a comment to a rating given a moment ago (needs the key its POST returned)."""
    if not get_store(request, settings).comment(row_id, body.key, body.comment):
        raise HTTPException(status_code=404, detail="未找到这条反馈。")
    return {"id": row_id, "comment": body.comment}


@router.get("/api/feedback", dependencies=[AdminDep])
def list_feedback(
    request: Request,
    settings: SettingsDep,
    rating: Literal["up", "down"] | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[dict[str, Any]]:
    """Newest first (admin)."""
    return get_store(request, settings).list(rating, limit)


@router.get("/api/feedback/export.jsonl", dependencies=[AdminDep])
def export_feedback(
    request: Request, settings: SettingsDep, rating: Literal["up", "down"] | None = None
) -> StreamingResponse:
    """Gold-set draft, one JSON object a line (admin), streamed row by row."""
    rows = get_store(request, settings).iter_oldest_first(rating)
    lines = (json.dumps(gold_draft(r), ensure_ascii=False) + "\n" for r in rows)
    headers = {"Content-Disposition": 'attachment; filename="feedback-gold-draft.jsonl"'}
    return StreamingResponse(lines, media_type="application/x-ndjson; charset=utf-8", headers=headers)
