"""Copy the current index version's vectors into Milvus as a new version, without re-embedding (issue 7).

Usage: `policyqa migrate-milvus --uri http://host:19530` or
`python -m index.migrate_milvus --index-dir data/index --uri http://host:19530`.
Paragraphs, chunks and BM25 are copied unchanged; the new version is verified, then CURRENT is swapped,
so a failed migration leaves the FAISS version current. Then set POLICYQA_VECTOR_STORE=milvus.
"""

from __future__ import annotations

import argparse
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

from index.housekeeping import fsync_dir
from index.manifest import sha256_file
from index.milvus_index import MilvusIndex, collection_name
from index.store import MANIFEST, _write_pointer, current_version, load_index, prune_versions
from index.vector_store import FAISS_FILE, MILVUS_FILE


def migrate_to_milvus(index_dir: Path, uri: str | None = None, batch: int = 10_000) -> Path:
    """New current version whose vectors live in Milvus at `uri` (default <index_dir>/milvus.db)."""
    index_dir = Path(index_dir)
    source = current_version(index_dir)
    loaded = load_index(index_dir, version_path=source)  # verified: checksums, counts, dim
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:8]
    final = index_dir / "versions" / version
    tmp = final.with_name(f".tmp-{version}")
    target: MilvusIndex | None = None
    try:
        shutil.copytree(source, tmp, ignore=shutil.ignore_patterns(FAISS_FILE, MILVUS_FILE, MANIFEST))
        target = MilvusIndex(
            loaded.manifest.dim,
            uri or index_dir / "milvus.db",
            collection_name(version),
            loaded.manifest.index_type,
        )
        matrix = loaded.vectors.vectors()
        chunks = loaded.chunks
        for start in range(0, len(matrix), batch):
            part = chunks[start : start + batch]
            target.add(matrix[start : start + batch], [c.id for c in part], [c.source_file for c in part])
        target.save(tmp / MILVUS_FILE)
        manifest = loaded.manifest.model_copy()
        manifest.checksums = {
            str(f.relative_to(tmp)): sha256_file(f) for f in sorted(tmp.rglob("*")) if f.is_file()
        }
        (tmp / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        os.replace(tmp, final)
        fsync_dir(final.parent)
        migrated = load_index(index_dir, version_path=final)
        if len(migrated.vectors) != len(loaded.vectors):
            raise RuntimeError(
                f"Milvus holds {len(migrated.vectors)} vectors, expected {len(loaded.vectors)}"
            )
    except BaseException:
        if target is not None:
            target.drop()
        for folder in (tmp, final):
            shutil.rmtree(folder, ignore_errors=True)
        raise
    _write_pointer(index_dir, version)
    prune_versions(index_dir, keep=2)
    return final


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Move the current FAISS index version into Milvus.")
    parser.add_argument("--index-dir", type=Path, default=Path("data/index"))
    parser.add_argument("--uri", default=None, help="Milvus URI; default <index-dir>/milvus.db (milvus-lite)")
    args = parser.parse_args(argv)
    path = migrate_to_milvus(args.index_dir, args.uri)
    print(f"Migrated to Milvus: index version {path.name}; now set POLICYQA_VECTOR_STORE=milvus")


if __name__ == "__main__":
    main()
