"""The client's address, for throttling and logs: the one place that reads X-Forwarded-For.

``TRUSTED_PROXIES`` lists the addresses or networks of the reverse proxies in front of the
portal. A request that comes from anywhere else is taken as it is: ``REMOTE_ADDR`` is the
client, and whatever X-Forwarded-For it carries is ignored (anyone can write anything there).
A request from a trusted proxy is read from the right of X-Forwarded-For, where each proxy
appends the address it got the request from: the first address that is not a trusted proxy
is the client's. django-axes, the rate limits, the payment gateway and gunicorn's access log
(`portal.access_log`) all use it, so they agree on who the client is.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_trusted_proxies(entries: Iterable[str]) -> tuple[Network, ...]:
    """Networks from entries such as "10.0.0.5", "172.16.0.0/12" or "::1" (ValueError if bad)."""
    networks = []
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"TRUSTED_PROXIES: {entry!r} is not an IP address or network."
            ) from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_trusted_proxies(entries)


def _parse(value: str) -> Address | None:
    """An address as proxies write it: "203.0.113.7", "2001:db8::1", "[2001:db8::1]:443"."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:  # IPv4 with a port
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def address_from(meta: Mapping[str, Any], networks: tuple[Network, ...]) -> str:
    """The client's address from a WSGI environ (or ``request.META``) behind `networks`."""
    remote = str(meta.get("REMOTE_ADDR") or "")
    if not networks:
        return remote
    peer = _parse(remote)
    if peer is None or not _is_trusted(peer, networks):
        return remote
    client = peer
    for hop in reversed(str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")):
        address = _parse(hop)
        if address is None:
            # Not an address where a trusted proxy should have written one: stop at the last
            # proxy that is known to be right.
            break
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)


def client_address_from(meta: Mapping[str, Any]) -> str:
    """`address_from` behind ``settings.TRUSTED_PROXIES``, remembered for the clients seen last
    (parsing the addresses costs more than the rest of a rate-limit check)."""
    return _resolve(
        str(meta.get("REMOTE_ADDR") or ""),
        str(meta.get("HTTP_X_FORWARDED_FOR") or ""),
        tuple(settings.TRUSTED_PROXIES),
    )


@lru_cache(maxsize=4096)
def _resolve(remote: str, forwarded: str, entries: tuple[str, ...]) -> str:
    meta = {"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded}
    return address_from(meta, _networks(entries))


def client_address(request: HttpRequest) -> str:
    """The address of the person (or program) behind `request` (also AXES_CLIENT_IP_CALLABLE)."""
    return client_address_from(request.META)
