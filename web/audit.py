"""One application log line per admin action: who (client address), what, on which target, result.

Uploads, deletions and re-indexes change what every user is told, so each attempt is logged,
including refused ones (bad token, bad name, too large). The token itself is never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException, Request

from web.clientip import client_address, parse_networks

audit_log = logging.getLogger("policyqa.admin")


def who(request: Request) -> str:
    """The client address as the rate limiter sees it (X-Forwarded-For only from trusted proxies)."""
    settings = getattr(request.app.state, "settings", None)
    trusted = parse_networks(getattr(settings, "trusted_proxies", None))
    return client_address(request.scope, trusted)


def audit_line(action: str, client: str, result: str, target: str = "") -> None:
    audit_log.info("admin action=%s target=%r client=%s result=%s", action, target[:120], client, result)


def record(request: Request, action: str, target: str, result: str) -> None:
    audit_line(action, who(request), result, target)


@contextmanager
def audited(request: Request, action: str, target: str = "") -> Iterator[dict[str, str]]:
    """Log the action's outcome: `result` from the caller's dict, `refused <status>` or `failed`."""
    outcome = {"result": "ok"}
    try:
        yield outcome
    except HTTPException as exc:
        record(request, action, target, f"refused {exc.status_code}")
        raise
    except Exception:
        record(request, action, target, "failed")
        raise
    record(request, action, target, outcome["result"])
