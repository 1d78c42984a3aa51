"""Which network addresses a webhook may reach: public ones, and the hosts a setting allows.

A webhook URL is user input that the server follows, so it must not become a way into the
server's own network (DESIGN.md section 3): loopback, private, link-local (the cloud
metadata service at 169.254.169.254), CGNAT, multicast, reserved and unspecified addresses
are refused, in every spelling (``2130706433``, ``0x7f.1``, ``[::1]``,
``[::ffff:127.0.0.1]``, ``0.0.0.0``, ``http://user@127.0.0.1``). What counts is the address
the host *resolves* to, and only when every address it resolves to is public: a name can
point anywhere, and can be pointed elsewhere after it was checked. :func:`check_url` is
therefore called when a webhook is saved and again before each delivery, which then
connects to the address it checked (see :mod:`urutiq_ai.alerts.tasks`). What it raises
is in :mod:`urutiq_ai.alerts.errors`.

``URUTIQ_WEBHOOK_ALLOW_HOSTS`` lists exceptions (tests, on-premise receivers): host names,
which are then trusted whatever they resolve to, and IP addresses or networks
(``10.0.0.0/8``), which let the addresses inside them through.

Everything here is pure apart from the resolver, which callers (and tests) may replace.
"""

import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from urllib.parse import urlsplit

from urutiq_ai.alerts.errors import AddressNotAllowed, HostUnresolved

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network
Resolver = Callable[[str, int], Sequence[str]]

SCHEMES = {"http": 80, "https": 443}
# The cloud metadata services (AWS, GCP, Azure, OpenStack: 169.254.169.254; AWS over
# IPv6: fd00:ec2::254; Alibaba: 100.100.100.200). The general rules refuse them too;
# they are named so that no later loosening of those rules lets them through.
METADATA = frozenset(ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"))
NOT_GLOBAL = tuple(
    ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network": 0.0.0.0 reaches the local host on Linux
        "100.64.0.0/10",  # carrier-grade NAT, shared address space (RFC 6598)
        "192.0.0.0/24",  # IETF protocol assignments
        "198.18.0.0/15",  # benchmarking
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215)
    )
)
NAT64 = ip_network("64:ff9b::/96")  # the well-known prefix: an IPv4 address in its low bits
# inet_aton's forms of an IPv4 address: 1 to 4 decimal, octal (0177) or hex (0x7f) parts (more
# numeric parts: no address, and no name either)
NUMERIC_HOST = re.compile(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*", re.IGNORECASE)

NOT_ALLOWED = (
    "must resolve to public addresses only (loopback, private, link-local, metadata and "
    "other non-public addresses are refused unless the server allows the host)"
)


@dataclass(frozen=True)
class Allowance:
    """The exceptions of ``URUTIQ_WEBHOOK_ALLOW_HOSTS``, parsed."""

    names: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> "Allowance":
        names: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                if "/" not in entry:  # a malformed network matches nothing (fails closed)
                    names.add(_normal_name(entry))
        return cls(frozenset(names), tuple(networks))

    def allows_name(self, host: str) -> bool:
        return _normal_name(host) in self.names

    def allows_address(self, address: IPAddress) -> bool:
        candidates = [address]
        if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        return any(a in n for a in candidates for n in self.networks)


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``addresses``, every one of them allowed)."""

    scheme: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to now (the system resolver), in its order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: IPAddress) -> bool:
    """True when ``address`` is a globally routed unicast address that is not a metadata
    service; an IPv6 address carrying an IPv4 one (mapped, 6to4, Teredo, NAT64) is judged
    by the IPv4 address too."""
    if isinstance(address, IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None and not is_public(embedded):
            return False
        if address.ipv4_mapped is not None:
            return True  # judged by its IPv4 address above
        if address.is_site_local:
            return False
    if address in METADATA or any(address in net for net in NOT_GLOBAL):
        return False
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def check_url(url: str, allow: Iterable[str] = (), *, resolve: Resolver | None = None) -> Target:
    """Check that ``url`` is an http(s) URL whose host resolves, only to addresses a webhook
    may reach (:func:`is_public`, or allowed by ``allow``); return where to connect.

    Raises :class:`~urutiq_ai.alerts.errors.AddressNotAllowed` or
    :class:`~urutiq_ai.alerts.errors.HostUnresolved`. ``resolve`` defaults to
    :func:`resolve_host` (looked up at call time, so tests may replace it).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or not parts.hostname:
        raise AddressNotAllowed("must be an http:// or https:// URL with a host")
    try:
        port = parts.port or SCHEMES[scheme]
    except ValueError:
        raise AddressNotAllowed("the port is not a number from 0 to 65535") from None
    host = parts.hostname  # lower case, without userinfo, brackets or port
    allowance = Allowance.parse(allow)
    literal = literal_address(host)
    if literal is not None:
        addresses = [literal]
    else:
        found = (resolve or resolve_host)(host, port)
        addresses = [a for a in (_parse_resolved(text) for text in found) if a is not None]
        if len(addresses) < len(found):  # something that is not an address: trust none
            raise AddressNotAllowed(NOT_ALLOWED)
    if not addresses:
        raise HostUnresolved("the host does not resolve")
    if not allowance.allows_name(host):
        for address in addresses:
            if not (allowance.allows_address(address) or is_public(address)):
                raise AddressNotAllowed(NOT_ALLOWED)
    return Target(scheme, host, port, tuple(addresses))


def literal_address(host: str) -> IPAddress | None:
    """The address ``host`` spells, in any form the resolver would read as one (dotted,
    IPv6, one decimal number, octal or hex parts, a trailing dot), else None (a name)."""
    text = host[:-1] if host.endswith(".") else host
    try:
        return ip_address(text)
    except ValueError:
        pass
    if NUMERIC_HOST.fullmatch(text):
        try:
            return IPv4Address(socket.inet_aton(text))
        except OSError:
            raise AddressNotAllowed("the host is not a valid IP address") from None
    return None


def _parse_resolved(text: str) -> IPAddress | None:
    try:
        return ip_address(text.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) is dropped
    except ValueError:
        return None


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _normal_name(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()
