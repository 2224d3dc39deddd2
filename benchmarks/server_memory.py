"""Memory of a server's process tree (the `policyqa serve` parent and its workers), from /proc.

RSS counts every page a process maps, so summing it over workers counts shared pages (forked model
weights, memory-mapped index files) once per worker; PSS divides each shared page among the processes
that map it, so the sum of PSS is what the tree really costs; USS is what each process alone holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class TreeMemory:
    processes: int
    workers: int
    rss_mb: float
    pss_mb: float
    uss_mb: float

    def peak(self, other: TreeMemory | None) -> TreeMemory:
        """The larger of two samples by PSS (the figure reported as total)."""
        return self if other is None or self.pss_mb >= other.pss_mb else other


def children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo += children(p)
    return pids


def _rollup(pid: int) -> tuple[int, int, int]:
    """(Rss, Pss, Private) in kB of one process; zeros if it is gone."""
    fields: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(":")
            if rest.strip().endswith("kB"):
                fields[key] = int(rest.split()[0])
    except OSError:
        return 0, 0, 0
    return (
        fields.get("Rss", 0),
        fields.get("Pss", 0),
        fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0),
    )


def _is_helper(pid: int) -> bool:
    """multiprocessing's resource tracker (spawned workers) is in the tree but serves nothing."""
    try:
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True


def measure(root: int) -> TreeMemory:
    pids = tree(root)
    rss = pss = uss = 0
    for p in pids:
        r, ps, u = _rollup(p)
        rss, pss, uss = rss + r, pss + ps, uss + u
    workers = [p for p in children(root) if not _is_helper(p)]
    return TreeMemory(len(pids), len(workers) or 1, rss / 1024, pss / 1024, uss / 1024)
