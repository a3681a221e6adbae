"""Fetching a page for /library add url: only public http(s) addresses, every hop checked, within limits."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.core.fetch import FetchError, address_refusal, fetch

PAGE = "<html><head><title>Caf\u00e9</title></head><body><p>Caf\u00e9 culture and slow mornings.</p></body></html>"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, body: bytes, kind: str = "text/html; charset=utf-8", length: bool = True, **headers):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        if length:
            self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        path = self.path
        if path == "/page":
            self._send(200, PAGE.encode())
        elif path == "/latin":
            self._send(200, PAGE.encode("latin-1"), "text/html; charset=iso-8859-1")
        elif path == "/big":
            self._send(200, b"x" * 5000, "text/plain")
        elif path == "/big-unannounced":
            self.close_connection = True
            self._send(200, b"y" * 5000, "text/plain", length=False)
        elif path == "/slow":
            time.sleep(1.5)
            self._send(200, b"late", "text/plain")
        elif path == "/pdf":
            self._send(200, b"%PDF-1.4", "application/pdf")
        elif path == "/gone":
            self._send(404, b"no", "text/plain")
        elif path == "/to-private":
            self._send(302, b"", Location="http://10.0.0.7/secret")
        elif path == "/loop":
            self._send(302, b"", Location="/loop")
        elif path == "/bad-utf8":
            self._send(200, b"caf\xe9", "text/plain")
        else:
            self._send(302, b"", Location="/page")


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def only_loopback(ip: str) -> str | None:
    """The test server is on loopback: allow it, and nothing else that is not public."""
    return None if ip == "127.0.0.1" else address_refusal(ip)


@pytest.mark.parametrize(
    "ip,why",
    [
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("10.0.0.1", "a private or reserved address"),
        ("192.168.1.1", "a private or reserved address"),
        ("169.254.169.254", "a private or reserved address"),
        ("0.0.0.0", "a private or reserved address"),
        ("100.64.0.1", "not a public address"),
        ("fd00::1", "a private or reserved address"),
        ("224.0.0.1", "a private or reserved address"),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_address_refusal(ip, why):
    assert address_refusal(ip) == why


def test_loopback_is_refused_unless_allowed(server):
    with pytest.raises(FetchError, match="127.0.0.1 is a loopback address; the bot fetches only public addresses"):
        fetch(f"{server}/page")
    page = fetch(f"{server}/page", allow_private=True)
    assert page.suffix == ".html" and "Caf\u00e9 culture" in page.data.decode("utf-8")


def test_a_name_that_resolves_to_any_private_address_is_refused():
    """One private address among public ones is enough (a rebinding name); nothing is connected to."""
    with pytest.raises(FetchError, match="rebind.test is a loopback address"):
        fetch("http://rebind.test/", resolver=lambda host, port: ["93.184.216.34", "127.0.0.1"])


def test_every_redirect_is_checked_like_the_first(server):
    with pytest.raises(FetchError, match="10.0.0.7 is a private or reserved address"):
        fetch(f"{server}/to-private", refusal=only_loopback)
    assert fetch(f"{server}/elsewhere", refusal=only_loopback).url == f"{server}/page"
    with pytest.raises(FetchError, match="redirected more than 5 times"):
        fetch(f"{server}/loop", refusal=only_loopback)


@pytest.mark.parametrize(
    "path,message",
    [
        ("/big", "the page is too large (4 KiB; the limit is 1 KiB)"),
        ("/big-unannounced", "the page is larger than the limit of 1 KiB"),
        ("/pdf", "the page is application/pdf; the library takes HTML, plain text or Markdown"),
        ("/gone", "the page answered HTTP 404"),
        ("/bad-utf8", "the page is not valid utf-8 text"),
    ],
)
def test_limits_and_types(server, path, message):
    with pytest.raises(FetchError) as err:
        fetch(f"{server}{path}", allow_private=True, max_bytes=1024)
    assert str(err.value) == message


def test_time_limit(server):
    started = time.monotonic()
    with pytest.raises(FetchError, match="took longer than"):
        fetch(f"{server}/slow", allow_private=True, timeout=0.5)
    assert time.monotonic() - started < 1.4


def test_declared_charset_is_read_and_stored_as_utf8(server):
    assert fetch(f"{server}/latin", allow_private=True).data.decode("utf-8") == PAGE


@pytest.mark.parametrize(
    "url,message",
    [
        ("ftp://example.org/a.txt", "only http and https addresses can be fetched"),
        ("file:///etc/passwd", "only http and https addresses can be fetched"),
        ("javascript:alert(1)", "only http and https addresses can be fetched"),
        ("https://user:pw@example.org/", "addresses with a user name or password are not fetched"),
        ("http://", "the address has no host name"),
        ("http://example.org:99999/", "that is not a web address"),
    ],
)
def test_only_plain_web_addresses(url, message):
    with pytest.raises(FetchError) as err:
        fetch(url, resolver=lambda host, port: pytest.fail("nothing may be resolved"))
    assert str(err.value) == message
