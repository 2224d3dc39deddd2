"""`python -m evals ...`; `main` is re-exported for callers that import it from here."""

from __future__ import annotations

from evals.cli import main, run_from_cli

__all__ = ["main", "run_from_cli"]

if __name__ == "__main__":
    raise SystemExit(main())
