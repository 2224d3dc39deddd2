"""Which county a report is about when it names only its townships (棋盘井镇, 蒙西镇 -> 鄂托克旗).

Why: a county's work report says 我旗 / 我县 and names its townships, while a question names the county.
Without the hierarchy the county looks absent from the documents, and an answerable question is refused
or loses its scope. The table holds China's county- and township-level divisions, cut from JioNLP's
`china_location` (Apache-2.0, https://github.com/dongrixinyu/JioNLP) by
`python -m ingestion.gazetteer <china_location.zip or .txt>`.
"""

from __future__ import annotations

import gzip
import io
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "data" / "gazetteer.tsv.gz"
MIN_TOWNSHIPS = 2  # distinct townships of one county before a report counts as that county's


@dataclass(frozen=True)
class County:
    name: str
    city: str
    province: str


@lru_cache(maxsize=1)
def townships() -> dict[str, frozenset[County]]:
    """Township name -> the counties that have a township of that name (many names recur)."""
    found: dict[str, set[County]] = {}
    with gzip.open(TABLE, "rt", encoding="utf-8") as f:
        for line in f:
            town, county, city, province = line.rstrip("\n").split("\t")
            c = County(county, city, province)
            for name in _spellings(town):
                found.setdefault(name, set()).add(c)
    return {k: frozenset(v) for k, v in found.items()}


def _spellings(town: str) -> tuple[str, ...]:
    """The official name and the short form reports use (阿尔巴斯苏木乡 is written 阿尔巴斯苏木)."""
    if town.endswith(("苏木乡", "苏木镇")):
        return (town, town[:-1])
    return (town,)


_TOWN_END = re.compile(r"镇|乡|苏木")
_LONGEST = 8  # characters of the longest township name looked for


def townships_in(text: str) -> tuple[str, ...]:
    """Township names written in the text (the longest table name ending at each 镇/乡/苏木), whether
    or not the word segmenter recognised them as places."""
    table = townships()
    found: list[str] = []
    for m in _TOWN_END.finditer(text):
        end = m.end()
        for start in range(max(0, end - _LONGEST), end - 2):
            if text[start:end] in table:
                found.append(text[start:end])
                break
    return tuple(dict.fromkeys(found))


def counties_named(places: Iterable[str]) -> tuple[str, ...]:
    """The county, and its city, whose townships these places name: at least MIN_TOWNSHIPS distinct
    townships of one county, and no other county with as many; else nothing (names recur widely)."""
    table = townships()
    votes: Counter[County] = Counter()
    for name in set(places):
        votes.update(table.get(name, ()))
    ranked = votes.most_common(2)
    if not ranked or ranked[0][1] < MIN_TOWNSHIPS or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return ()
    best = ranked[0][0]
    city = "" if "直辖" in best.city or best.city in {"市辖区", "县"} else best.city  # not a name
    return tuple(dict.fromkeys(x for x in (best.name, city) if x))


def build(source: Path, out: Path = TABLE) -> int:
    """Write `township<TAB>county<TAB>city<TAB>province` rows from JioNLP's tab-indented location tree."""
    raw = source.read_bytes()
    if zipfile.is_zipfile(io.BytesIO(raw)):
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            raw = z.read(next(n for n in z.namelist() if n.endswith(".txt")))
    path = ["", "", "", ""]
    rows: set[str] = set()
    for line in raw.decode("utf-8").splitlines():
        name = line.strip().split("\t")[0] if line.strip() else ""
        depth = len(line) - len(line.lstrip("\t"))
        if not name or depth > 3:
            continue
        path[depth] = name
        if depth == 3:  # province / city / county / township
            rows.add("\t".join([name, path[2], path[1], path[0]]))
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(out, "wb", mtime=0) as f:  # mtime 0: the same source gives the same bytes
        f.write("".join(r + "\n" for r in sorted(rows)).encode("utf-8"))
    return len(rows)


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    print(f"{build(Path(sys.argv[1]))} township rows written to {TABLE}")
