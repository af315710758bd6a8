"""Who a request comes from, for per-client limits and the /metrics guard.

The client is the TCP peer, unless the peer is a configured trusted proxy: then
`X-Forwarded-For` is read from the right (each proxy appends the address it
saw), skipping trusted proxies, and the first hop that is not one is the
client. The header is never believed from any other peer, since anyone can
send it. IPv6 clients are keyed by their /64, the block one host usually holds.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from functools import lru_cache

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_UNKNOWN = "unknown"


@lru_cache(maxsize=16)
def trusted_networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies)


def _parse(text: str) -> IPAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: IPAddress | None, networks: Iterable[IPNetwork]) -> bool:
    return address is not None and any(address in net for net in networks)


def client_address(
    peer: str | None, forwarded_for: str | None, proxies: tuple[str, ...]
) -> IPAddress | None:
    """The client's address, or None when it cannot be told (a non-IP peer or hop)."""
    address = _parse(peer) if peer else None
    networks = trusted_networks(proxies)
    if forwarded_for is None or not _trusted(address, networks):
        return address
    for hop in reversed(forwarded_for.split(",")):
        address = _parse(hop)
        if not _trusted(address, networks):
            return address
    return address  # every hop was a trusted proxy: the leftmost is the client


def client_key(address: IPAddress | None) -> str:
    """The key a client's limits are counted under."""
    if address is None:
        return _UNKNOWN
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def scope_client(scope: Mapping[str, object], proxies: tuple[str, ...]) -> IPAddress | None:
    """The client address of an ASGI HTTP or WebSocket scope."""
    client = scope.get("client")
    peer = client[0] if isinstance(client, tuple | list) and client else None
    forwarded = None
    headers = scope.get("headers")
    if isinstance(headers, list):
        values = [v.decode("latin-1") for k, v in headers if k == b"x-forwarded-for"]
        forwarded = ",".join(values) if values else None
    return client_address(peer, forwarded, proxies)
