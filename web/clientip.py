"""Which address a request comes from: the peer, or X-Forwarded-For only behind a trusted proxy.

Any client can send `X-Forwarded-For`, so it is believed only when the direct peer is one of
POLICYQA_TRUSTED_PROXIES (default: none). Then the header is read right to left and the first
address that is not itself a trusted proxy is the client. Rate limits and the admin action log
both use this address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def parse_networks(spec: str | None) -> tuple[Network, ...]:
    """`"10.0.0.1, 192.168.0.0/16"` -> networks; entries that do not parse are ignored."""
    out: list[Network] = []
    for part in (spec or "").split(","):
        try:
            out.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError:
            continue
    return tuple(out)


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(scope: Scope, trusted: Sequence[Network] = ()) -> str:
    """The client's address for rate limiting and logs."""
    peer = str((scope.get("client") or ("unknown", 0))[0])
    if not trusted or not _trusted(peer, trusted):
        return peer
    forwarded: list[str] = []
    for name, value in scope.get("headers") or ():
        if name.lower() == b"x-forwarded-for":
            forwarded += [a.strip() for a in value.decode("latin-1").split(",") if a.strip()]
    for address in reversed(forwarded):
        if not _trusted(address, trusted):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return peer  # garbage in the header: fall back to the proxy itself
    return peer
