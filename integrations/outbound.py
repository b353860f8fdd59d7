"""Requests the platform sends to addresses its users give (sellers' webhooks).

A URL typed by a seller must not become a way into the platform's own network
(server-side request forgery): the cloud's metadata service at 169.254.169.254,
Redis or PostgreSQL on a private address, an admin page on loopback.

``vet_url`` turns the URL into a ``Target``: the host is resolved once and
every address it resolves to must be public; numeric spellings of an address
(``2130706433``, ``0177.0.0.1``, ``0x7f.1``) are read the way the C library
would read them, so they cannot slip past as "names". ``post`` then connects
to that vetted address itself, never to the name: a DNS answer that changes
between the check and the connection (DNS rebinding) cannot move the request
to another host. The name still goes in the ``Host`` header and, for https,
is what the certificate is checked against (and the TLS server name).

The answer is not trusted either: redirects are not followed (a 3xx is an
answer like any other, and the receiver cannot send us elsewhere), and one
deadline covers connecting, sending and reading, so that a receiver dripping
a byte at a time cannot hold a worker; only the status line and headers are
read, at most ``max_bytes`` of them, and the body never is.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import logging
import re
import socket
import ssl
import time
from collections.abc import Buffer
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

from django.conf import settings

from disputes.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

logger = logging.getLogger(__name__)

# One part of an IPv4 address as inet_aton reads it: decimal, 0-octal or 0x-hex.
_NUMERIC_PART = re.compile(r"0[xX][0-9a-fA-F]*|[0-9]+")
# NAT64's well-known prefix carries an IPv4 address in its last 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class UnsafeUrl(InvalidInput):
    """A URL the platform will not send requests to (shown next to the URL field)."""

    code = "unsafe_url"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="url")


class AnswerTooLarge(OSError):
    pass


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as the URL names it (ASCII): the Host header and the TLS server name
    port: int
    path: str  # path and query, as sent in the request line
    address: str  # the vetted address the connection goes to

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def _numeric_part(part: str) -> int:
    if part[:2] in ("0x", "0X"):
        return int(part[2:] or "0", 16)
    if part.startswith("0"):
        return int(part, 8)
    return int(part)


def _numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address a numeric host stands for, read as inet_aton does ("127.1",
    "2130706433", "0x7f.0.0.1"); None for a name. A host made only of numbers
    that is no valid address is refused: no DNS name ends in a number."""
    parts = host.removesuffix(".").split(".")
    if not all(_NUMERIC_PART.fullmatch(part) for part in parts):
        return None
    try:
        values = [_numeric_part(part) for part in parts]
    except ValueError:  # "08": neither octal nor decimal to inet_aton
        values = []
    if not values or len(values) > 4:
        raise UnsafeUrl(f"{host} is not a valid address.")
    *leading, last = values
    if any(value > 255 for value in leading) or last >= 256 ** (5 - len(values)):
        raise UnsafeUrl(f"{host} is not a valid address.")
    number = 0
    for value in leading:
        number = number << 8 | value
    return ipaddress.IPv4Address(number << 8 * (5 - len(values)) | last)


def is_public(address: IPAddress) -> bool:
    """Reachable on the internet: not loopback, private, link-local, shared,
    reserved, multicast or unspecified; an IPv6 address that carries an IPv4
    one (mapped, 6to4, Teredo, NAT64) is judged by the IPv4 one as well."""
    if isinstance(address, ipaddress.IPv6Address):
        carried = address.ipv4_mapped or address.sixtofour
        if address.teredo:
            carried = address.teredo[1]
        if address in _NAT64:
            carried = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if carried is not None and not is_public(carried):
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


_NOT_PUBLIC = (
    "(loopback, private, link-local or reserved): webhooks go to hosts on the internet only."
)


def _not_public(host: str, address: IPAddress | None = None) -> UnsafeUrl:
    """The refusal says only that the host is not public: naming the address a
    name resolves to would let anyone map the platform's internal names to
    internal addresses, one registration at a time. The log has it."""
    if address is None or str(address) == host:
        return UnsafeUrl(f"{host} is a non-public address {_NOT_PUBLIC}")
    logger.info("Webhook URL refused: %s resolves to the non-public address %s", host, address)
    return UnsafeUrl(f"{host} resolves to a non-public address {_NOT_PUBLIC}")


def vet_url(url: str) -> Target:
    """The URL's target, resolved once; refused unless every address is public
    (``WEBHOOK_ALLOW_PRIVATE_HOSTS`` lets tests and the demo use local ones)."""
    if re.search(r"[\x00-\x20\x7f]", url):
        raise UnsafeUrl("Enter an http(s) URL.")
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise UnsafeUrl("The port is not valid.") from None
    if port is not None and not 1 <= port <= 65535:
        # Port 0 is no port to connect to (urlsplit reads it; 0 is not "absent").
        raise UnsafeUrl("The port is not valid.")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeUrl("Enter an http(s) URL.")
    if parts.scheme == "http" and not settings.WEBHOOK_ALLOW_HTTP:
        raise UnsafeUrl("Webhook URLs must use https.")
    if parts.username is not None or parts.password is not None:
        # Parsers disagree on which side of the "@" is the host: none is accepted.
        raise UnsafeUrl("Leave user names and passwords out of the URL.")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise UnsafeUrl("The host name is not valid.") from None
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_HOSTS
    bare = host.removesuffix(".")
    if not allow_private and (bare == "localhost" or bare.endswith(".localhost")):
        raise _not_public(host)  # RFC 6761: always loopback, whatever DNS says
    port = port if port is not None else (443 if parts.scheme == "https" else 80)
    addresses = _resolve(host, port)
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise _not_public(host, address)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, host, port, path, str(addresses[0]))


def _resolve(host: str, port: int) -> list[IPAddress]:
    """Every address of ``host``, in the resolver's order (the first is used).
    Numeric hosts never reach the resolver: they are their own address."""
    literal: IPAddress | None
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = _numeric_ipv4(host)
    if literal is not None:
        return [literal]
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeUrl(f"{host} does not resolve to an address.") from None
    addresses: list[IPAddress] = []
    for *_rest, sockaddr in answers:
        # Scoped IPv6 addresses ("fe80::1%eth0") are link-local anyway.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeUrl(f"{host} does not resolve to an address.")
    return addresses


# --- sending ------------------------------------------------------------------


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("timed out")
    return left


class _PinnedConnection(http.client.HTTPConnection):
    """Sends over a socket already connected to the vetted address; it never
    opens one itself (that would look the name up again)."""

    def __init__(self, target: Target, sock: socket.socket) -> None:
        super().__init__(target.host, target.port)
        self.sock = sock

    def connect(self) -> None:
        raise ConnectionError("the connection to the vetted address was closed")


class _CappedReader(io.RawIOBase):
    """The answer's bytes, within the deadline and at most ``limit`` of them."""

    def __init__(self, sock: socket.socket, deadline: float, limit: int) -> None:
        self.sock, self.deadline, self.left, self.limit = sock, deadline, limit, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Buffer) -> int:
        if self.left <= 0:
            raise AnswerTooLarge(f"the answer's head is larger than {self.limit} bytes")
        # The time left, not a fresh timeout per read: a byte every few seconds
        # would otherwise keep the worker forever.
        self.sock.settimeout(_remaining(self.deadline))
        received = self.sock.recv_into(memoryview(buffer)[: self.left])
        self.left -= received
        return received


class _Answer:
    """What http.client.HTTPResponse reads from: the capped reader."""

    def __init__(self, reader: _CappedReader) -> None:
        self.reader = reader

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(self.reader)


def _connect(target: Target, deadline: float) -> socket.socket:
    sock = socket.create_connection((target.address, target.port), timeout=_remaining(deadline))
    if target.scheme != "https":
        return sock
    try:
        sock.settimeout(_remaining(deadline))
        # The certificate is checked against the name in the URL, not the address.
        return tls_context().wrap_socket(sock, server_hostname=target.host)
    except BaseException:
        sock.close()
        raise


def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def post(
    target: Target, body: bytes, headers: dict[str, str], *, timeout: float, max_bytes: int
) -> int:
    """POST ``body`` to the vetted address; the answer's status (a redirect too).

    Raises OSError (TimeoutError, AnswerTooLarge, a refused connection, a bad
    certificate) or http.client.HTTPException (an answer that is not HTTP)."""
    deadline = time.monotonic() + timeout
    sock = _connect(target, deadline)
    try:
        connection = _PinnedConnection(target, sock)
        sock.settimeout(_remaining(deadline))
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": target.host_header, "Connection": "close"},
        )
        answer = http.client.HTTPResponse(
            cast(socket.socket, _Answer(_CappedReader(sock, deadline, max_bytes))), method="POST"
        )
        answer.begin()
        return answer.status
    finally:
        sock.close()
