"""Fetch one web page for the library: http(s) only, within size and time limits, never into private space.

Every hop (the request and each redirect) resolves its host and checks every address the name
resolves to; the connection then goes to a checked address itself, so a second lookup cannot swap
in another one (DNS rebinding). Loopback, private, link-local, shared and reserved addresses are
refused unless the deployment allows them (BOT_FETCH_ALLOW_PRIVATE: tests, intranets).
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urljoin, urlsplit

from .. import __version__
from .corpus import MAX_FILE_BYTES
from .errors import BotError

TIMEOUT = 20.0  # seconds for the whole fetch, redirects included
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
# What a page may be, and the file type it is read as (the corpus loader's own formats).
TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)

Resolver = Callable[[str, int], list[str]]


class FetchError(BotError):
    """The page cannot be fetched or is not one the library takes; the message says why."""


@dataclass(frozen=True)
class Page:
    url: str  # after redirects
    content_type: str
    suffix: str  # how the corpus loader reads it: .html, .txt or .md
    data: bytes  # UTF-8


def address_refusal(ip: str) -> str | None:
    """Why an address may not be fetched from (not a public address), or None."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return f"'{ip}' is not an address"
    mapped = getattr(addr, "ipv4_mapped", None)
    if mapped is not None:
        addr = mapped
    if addr.is_loopback:
        return "a loopback address"
    if addr.is_private or addr.is_link_local or addr.is_unspecified or addr.is_reserved or addr.is_multicast:
        return "a private or reserved address"
    if not addr.is_global:
        return "not a public address"
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError(f"the address {host} does not resolve") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # ASCII (IDNA)
    port: int
    path: str


def _target(url: str) -> _Target:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise FetchError("that is not a web address") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError("only http and https addresses can be fetched")
    if not parts.hostname:
        raise FetchError("the address has no host name")
    if parts.username or parts.password:
        raise FetchError("addresses with a user name or password are not fetched")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise FetchError("the address's host name is not valid") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def _connect(target: _Target, addresses: list[str], timeout: float) -> http.client.HTTPConnection:
    last: OSError | None = None
    for ip in addresses:
        try:
            sock = socket.create_connection((ip, target.port), timeout=timeout)
        except OSError as exc:
            last = exc
            continue
        if target.scheme == "https":
            try:
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=target.host)
            except (ssl.SSLError, OSError) as exc:
                sock.close()
                raise FetchError(f"the secure connection to {target.host} failed ({type(exc).__name__})") from None
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(target.host, target.port, timeout=timeout)
        else:
            conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
        conn.sock = sock  # connected to the address that was checked, not to a second lookup
        return conn
    reason = "timed out" if isinstance(last, TimeoutError) else "was refused or unreachable"
    raise FetchError(f"the connection to {target.host} {reason}")


def _decode(data: bytes, charset: str | None, suffix: str) -> bytes:
    """The page as UTF-8: its declared charset (header, or an HTML meta tag), else UTF-8."""
    if charset is None and suffix == ".html":
        m = _META_CHARSET.search(data[:4096])
        charset = m.group(1).decode("ascii") if m else None
    charset = charset or "utf-8"
    try:
        text = data.decode(charset)
    except LookupError:
        raise FetchError(f"the page's character set '{charset[:40]}' is unknown") from None
    except UnicodeDecodeError:
        raise FetchError(f"the page is not valid {charset[:40]} text") from None
    return text.encode("utf-8")


def fetch(
    url: str,
    *,
    allow_private: bool = False,
    max_bytes: int = MAX_FILE_BYTES,
    timeout: float = TIMEOUT,
    resolver: Resolver = resolve,
    refusal: Callable[[str], str | None] = address_refusal,
) -> Page:
    """Fetch ``url`` (following at most MAX_REDIRECTS redirects, each checked like the first)."""
    deadline = time.monotonic() + timeout

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"the page took longer than {timeout:.0f} s")
        return remaining

    for _ in range(MAX_REDIRECTS + 1):
        target = _target(url)
        addresses = resolver(target.host, target.port)
        if not addresses:
            raise FetchError(f"the address {target.host} does not resolve")
        if not allow_private:
            for ip in addresses:
                why = refusal(ip)
                if why is not None:
                    raise FetchError(f"{target.host} is {why}; the bot fetches only public addresses")
        conn = _connect(target, addresses, left())
        sock = conn.sock  # kept: http.client lets go of it once a response says the connection will close
        try:
            conn.request(
                "GET",
                target.path,
                headers={
                    "User-Agent": f"intimacy-library-bot/{__version__}",
                    "Accept-Encoding": "identity",
                    "Accept": "text/html, application/xhtml+xml, text/plain, text/markdown;q=0.9",
                },
            )
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchError(f"the page redirected (HTTP {response.status}) without saying where")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchError(f"the page answered HTTP {response.status}")
            kind = response.headers.get_content_type()
            suffix = TYPES.get(kind)
            if suffix is None:
                raise FetchError(f"the page is {kind}; the library takes HTML, plain text or Markdown")
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(
                    f"the page is too large ({int(length) // 1024} KiB; the limit is {max_bytes // 1024} KiB)"
                )
            body = bytearray()
            while True:
                if sock.fileno() != -1:  # closed once a response that ends the connection is read
                    sock.settimeout(left())
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f"the page is larger than the limit of {max_bytes // 1024} KiB")
            return Page(url, kind, suffix, _decode(bytes(body), response.headers.get_content_charset(), suffix))
        except (TimeoutError, socket.timeout):
            raise FetchError(f"the page took longer than {timeout:.0f} s") from None
        except (http.client.HTTPException, OSError) as exc:
            raise FetchError(f"the page could not be read ({type(exc).__name__})") from None
        finally:
            conn.close()
    raise FetchError(f"the page redirected more than {MAX_REDIRECTS} times")
