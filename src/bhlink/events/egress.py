"""SSRF guard for webhook URLs: validate, resolve once, refuse internal targets, pin the vetted IP.

Webhook URLs are chosen by API clients, so a delivery worker that fetched them blindly could be
pointed at the cloud metadata service, the database or anything else inside our network
(Standard Webhooks 1.0, "Server side request forgery (SSRF)"). This module decides whether a URL
may be called and returns the exact address to connect to. The delivery client then connects to
that address while sending the original ``Host`` header and TLS SNI (httpx's documented
``sni_hostname`` request extension, https://www.python-httpx.org/advanced/extensions/), so a
DNS answer that changes between the check and the connection (DNS rebinding) cannot redirect
the request.

Refusals raise :class:`EgressRefused` carrying a :class:`RefusalReason` code only: URLs often
carry tokens in their path or query, so neither the URL nor the host name appears in messages.

Address categories (IANA IPv4/IPv6 Special-Purpose Address Registries, RFC 6890):
private 10/8, 172.16/12, 192.168/16 (RFC 1918) and fc00::/7 (RFC 4193); loopback 127/8 and ::1;
link-local 169.254/16 (RFC 3927) and fe80::/10; shared CGNAT space 100.64/10 (RFC 6598);
multicast 224/4 and ff00::/8; unspecified 0.0.0.0/8 and ::; reserved 240/4 and the IPv6
reserved blocks; anything else the registry marks not globally reachable (documentation,
benchmarking, Teredo, ...). IPv6 forms that embed an IPv4 address (IPv4-mapped ::ffff:0:0/96,
NAT64 64:ff9b::/96 per RFC 6052, 6to4 2002::/16 per RFC 3056) are judged by the embedded IPv4
address, so ``[::ffff:127.0.0.1]`` is loopback.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# A resolver maps (ASCII host, port) to the addresses a connection could use, best first.
Resolver = Callable[[str, int], Sequence[str]]

DEFAULT_PORTS = {"https": 443, "http": 80}


class RefusalReason(StrEnum):
    """Why a webhook URL may not be called. Values are stable codes for logs and API errors."""

    INVALID_URL = "invalid_url"
    SCHEME_NOT_ALLOWED = "scheme_not_allowed"
    USERINFO_NOT_ALLOWED = "userinfo_not_allowed"
    HOST_MISSING = "host_missing"
    INVALID_HOST = "invalid_host"
    AMBIGUOUS_IP_LITERAL = "ambiguous_ip_literal"
    PORT_NOT_ALLOWED = "port_not_allowed"
    DNS_RESOLUTION_FAILED = "dns_resolution_failed"
    METADATA_ADDRESS = "metadata_address"
    LOOPBACK_ADDRESS = "loopback_address"
    PRIVATE_ADDRESS = "private_address"
    LINK_LOCAL_ADDRESS = "link_local_address"
    SHARED_ADDRESS = "shared_address"
    MULTICAST_ADDRESS = "multicast_address"
    UNSPECIFIED_ADDRESS = "unspecified_address"
    RESERVED_ADDRESS = "reserved_address"
    NON_GLOBAL_ADDRESS = "non_global_address"


class EgressRefused(Exception):
    """A webhook target was refused; ``reason`` says why, without echoing the URL."""

    def __init__(self, reason: RefusalReason) -> None:
        super().__init__(f"webhook target refused: {reason.value}")
        self.reason = reason


# Cloud instance-metadata endpoints hand out credentials; they are refused even when an
# allow-list entry would otherwise cover them. 169.254.169.254 serves AWS, GCP, Azure and
# others; fd00:ec2::254 is AWS IMDS over IPv6; 169.254.170.2 is the AWS ECS task-credentials
# endpoint; 100.100.100.200 is Alibaba Cloud's metadata service.
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(text)
    for text in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
# Names that reach the GCE metadata server without DNS leaving the VM.
METADATA_HOSTS: frozenset[str] = frozenset({"metadata.google.internal", "metadata"})

_PRIVATE_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(text)
    for text in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_SHARED_NETWORK = ipaddress.ip_network("100.64.0.0/10")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_NAT64_NETWORK = ipaddress.ip_network("64:ff9b::/96")

# Ports: 443 and 80 plus the unprivileged range. Below 1024 sit SSH, SMTP and friends; letting a
# webhook talk to them on a public host would make us a relay, and no receiver needs them.
_UNPRIVILEGED_PORTS = range(1024, 65536)

_HOST_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
# WHATWG URL "ends in a number checker": a host whose last label is decimal digits or 0x-hex is
# parsed as IPv4 by browsers and by inet_aton (which getaddrinfo uses), e.g. 2130706433 or
# 0x7f.1 both mean 127.0.0.1. Only the canonical dotted quad is accepted as an IPv4 literal.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")


@dataclass(frozen=True)
class EgressPolicy:
    """Which targets deliveries may reach.

    ``development_mode`` permits loopback targets, and plain ``http`` only when every resolved
    address is loopback (so a developer can point a webhook at a local receiver).
    ``allowed_networks`` / ``allowed_hosts`` explicitly permit otherwise-refused addresses (an
    on-premises EHR on 10.x, say); they relax the address check only, never the scheme, port or
    metadata rules. ``allowed_ports`` replaces the default port rule (443, 80 and 1024-65535).
    """

    development_mode: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    allowed_hosts: frozenset[str] = frozenset()
    allowed_ports: frozenset[int] | None = None

    @classmethod
    def from_allow_list(
        cls,
        entries: Iterable[str],
        *,
        development_mode: bool = False,
        allowed_ports: Iterable[int] | None = None,
    ) -> EgressPolicy:
        """Build a policy from setting strings: each entry is a CIDR, an IP or a host name.

        Raises ``ValueError`` naming the index of the first malformed entry.
        """
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for index, entry in enumerate(entries):
            text = entry.strip().lower() if isinstance(entry, str) else ""
            try:
                networks.append(ipaddress.ip_network(text, strict=True))
                continue
            except ValueError:
                pass
            host = _normalise_host_name(text)
            if host is None:
                raise ValueError(
                    f"egress allow-list entry [{index}] is not a CIDR, an IP address or a host name"
                )
            hosts.add(host)
        ports = None if allowed_ports is None else frozenset(allowed_ports)
        if ports is not None and any(not 1 <= port <= 65535 for port in ports):
            raise ValueError("allowed_ports must contain TCP ports between 1 and 65535")
        return cls(
            development_mode=development_mode,
            allowed_networks=tuple(networks),
            allowed_hosts=frozenset(hosts),
            allowed_ports=ports,
        )

    def port_allowed(self, port: int) -> bool:
        """True when deliveries may use TCP ``port``."""
        if self.allowed_ports is not None:
            return port in self.allowed_ports
        return port in (80, 443) or port in _UNPRIVILEGED_PORTS


@dataclass(frozen=True)
class CheckedUrl:
    """A webhook URL that passed the checks that need no DNS (:func:`check_url`)."""

    scheme: str
    host: str
    port: int
    ip_literal: IPAddress | None
    target: str = field(repr=False)  # path and query: may carry the receiver's secrets

    @property
    def host_header(self) -> str:
        """The ``Host`` header value for the original URL."""
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return shown if DEFAULT_PORTS[self.scheme] == self.port else f"{shown}:{self.port}"


@dataclass(frozen=True)
class VettedTarget:
    """A webhook URL with the one address it may be delivered to.

    Connect to :attr:`connect_url` (the vetted IP) and send :attr:`host_header` as ``Host`` and,
    for https, :attr:`sni_hostname` as TLS SNI so certificates are checked against the real name.
    """

    url: CheckedUrl
    address: IPAddress
    resolved: tuple[IPAddress, ...]

    @property
    def host_header(self) -> str:
        """The ``Host`` header value for the original URL."""
        return self.url.host_header

    @property
    def sni_hostname(self) -> str | None:
        """The name to present and verify in TLS, or ``None`` for http or an IP-literal URL."""
        if self.url.scheme != "https" or self.url.ip_literal is not None:
            return None
        return self.url.host

    @property
    def connect_url(self) -> str:
        """The original URL with its host replaced by the vetted address."""
        shown = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return f"{self.url.scheme}://{shown}:{self.url.port}{self.url.target}"


def _normalise_host_name(host: str) -> str | None:
    """Lower-case a DNS name and drop one trailing dot; ``None`` if it is not LDH labels."""
    name = host.lower()
    if name.endswith("."):
        name = name[:-1]
    if not name or len(name) > 253:
        return None
    if not all(_HOST_LABEL.fullmatch(label) for label in name.split(".")):
        return None
    return name


def _parse_ip_literal(host: str) -> IPAddress | None:
    """Return the address when ``host`` is an IP literal; raise on ambiguous numeric forms."""
    if ":" in host:
        if "%" in host:  # an IPv6 zone id names a local interface: never a webhook target
            raise EgressRefused(RefusalReason.INVALID_HOST)
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise EgressRefused(RefusalReason.INVALID_HOST) from None
    labels = host.lower().removesuffix(".").split(".")
    if not _NUMERIC_LABEL.fullmatch(labels[-1]):
        return None
    try:
        return ipaddress.IPv4Address(".".join(labels))
    except ValueError:
        raise EgressRefused(RefusalReason.AMBIGUOUS_IP_LITERAL) from None


def check_url(url: str, policy: EgressPolicy) -> CheckedUrl:
    """Apply every check that needs no DNS: scheme, userinfo, host syntax, literal IP, port.

    The API layer can call this when an endpoint is created to reject bad URLs early; the
    delivery path always calls :func:`vet_url`, which repeats it and adds resolution.
    """
    if not isinstance(url, str) or not url:
        raise EgressRefused(RefusalReason.INVALID_URL)
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise EgressRefused(RefusalReason.INVALID_URL) from None
    scheme = parsed.scheme
    if not scheme:
        raise EgressRefused(RefusalReason.INVALID_URL)
    if scheme not in DEFAULT_PORTS or (scheme == "http" and not policy.development_mode):
        raise EgressRefused(RefusalReason.SCHEME_NOT_ALLOWED)
    if parsed.userinfo:
        raise EgressRefused(RefusalReason.USERINFO_NOT_ALLOWED)
    raw_host = parsed.raw_host.decode("ascii", errors="replace")
    if not raw_host:
        raise EgressRefused(RefusalReason.HOST_MISSING)

    ip_literal = _parse_ip_literal(raw_host)
    if ip_literal is not None:
        host = str(ip_literal)
    else:
        normalised = _normalise_host_name(raw_host)
        if normalised is None:
            raise EgressRefused(RefusalReason.INVALID_HOST)
        host = normalised
        if host in METADATA_HOSTS:
            raise EgressRefused(RefusalReason.METADATA_ADDRESS)
        # RFC 6761 §6.3: "localhost" and names under it are loopback by definition.
        is_localhost = host == "localhost" or host.endswith(".localhost")
        if is_localhost and not policy.development_mode:
            raise EgressRefused(RefusalReason.LOOPBACK_ADDRESS)

    port = parsed.port if parsed.port is not None else DEFAULT_PORTS[scheme]
    if not 1 <= port <= 65535 or not policy.port_allowed(port):
        raise EgressRefused(RefusalReason.PORT_NOT_ALLOWED)
    target = parsed.raw_path.decode("ascii")
    return CheckedUrl(scheme=scheme, host=host, port=port, ip_literal=ip_literal, target=target)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64_NETWORK:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def classify_address(address: IPAddress) -> RefusalReason | None:
    """Return why ``address`` is not a public unicast address, or ``None`` if it is one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None:
            # A zone suffix ("%eth0") must not make a metadata address compare unequal.
            address = ipaddress.IPv6Address(str(address).split("%", 1)[0])
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return classify_address(embedded)
    if address in METADATA_ADDRESSES:
        return RefusalReason.METADATA_ADDRESS
    if address.is_unspecified or address in _THIS_NETWORK:
        return RefusalReason.UNSPECIFIED_ADDRESS
    if address.is_loopback:
        return RefusalReason.LOOPBACK_ADDRESS
    if address.is_link_local:
        return RefusalReason.LINK_LOCAL_ADDRESS
    if address.is_multicast:
        return RefusalReason.MULTICAST_ADDRESS
    if address in _SHARED_NETWORK:
        return RefusalReason.SHARED_ADDRESS
    if any(address in network for network in _PRIVATE_NETWORKS):
        return RefusalReason.PRIVATE_ADDRESS
    if address.is_reserved or (
        isinstance(address, ipaddress.IPv6Address) and address.is_site_local
    ):
        return RefusalReason.RESERVED_ADDRESS
    if not address.is_global:
        return RefusalReason.NON_GLOBAL_ADDRESS
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with ``socket.getaddrinfo`` (TCP; only families this machine has configured)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_ADDRCONFIG)
    return [str(info[4][0]) for info in infos]


def _resolve(checked: CheckedUrl, resolver: Resolver) -> tuple[IPAddress, ...]:
    if checked.ip_literal is not None:
        return (checked.ip_literal,)
    try:
        answers = resolver(checked.host, checked.port)
    except (OSError, UnicodeError):
        raise EgressRefused(RefusalReason.DNS_RESOLUTION_FAILED) from None
    addresses: list[IPAddress] = []
    for answer in answers:
        try:
            address = ipaddress.ip_address(answer)
        except ValueError:
            raise EgressRefused(RefusalReason.DNS_RESOLUTION_FAILED) from None
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise EgressRefused(RefusalReason.DNS_RESOLUTION_FAILED)
    return tuple(addresses)


def _explicitly_allowed(checked: CheckedUrl, address: IPAddress, policy: EgressPolicy) -> bool:
    if checked.host in policy.allowed_hosts:
        return True
    return any(
        address.version == network.version and address in network
        for network in policy.allowed_networks
    )


def vet_url(url: str, policy: EgressPolicy, resolver: Resolver | None = None) -> VettedTarget:
    """Check ``url``, resolve its host once and return the address deliveries must use.

    Every resolved address must pass, not just the first: a name answering with one public and
    one private address is refused, since any of them could be the one used. The first answer is
    pinned. Raises :class:`EgressRefused`; ``DNS_RESOLUTION_FAILED`` is the only transient code.
    """
    checked = check_url(url, policy)
    addresses = _resolve(checked, resolver or system_resolver)
    for address in addresses:
        reason = classify_address(address)
        if reason is None:
            continue
        if reason is RefusalReason.METADATA_ADDRESS:
            raise EgressRefused(reason)
        if reason is RefusalReason.LOOPBACK_ADDRESS and policy.development_mode:
            continue
        if _explicitly_allowed(checked, address, policy):
            continue
        raise EgressRefused(reason)
    all_loopback = all(classify_address(a) is RefusalReason.LOOPBACK_ADDRESS for a in addresses)
    if checked.scheme == "http" and not all_loopback:
        # Development mode relaxes https only for a receiver on this machine.
        raise EgressRefused(RefusalReason.SCHEME_NOT_ALLOWED)
    return VettedTarget(url=checked, address=addresses[0], resolved=addresses)
