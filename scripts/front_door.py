"""A front door for browser tests: the app on another origin, with one response changed, and a record of
what reached the network."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Seen:
    """One request that reached the front door (so went over the network), and what went back."""

    method: str
    path: str
    status: int
    content_type: str
    content_encoding: str
    wire_bytes: int  # the body as sent (compressed, if it was)
    body_bytes: int  # the body decompressed


class FrontDoor:
    """A pass-through HTTP proxy in front of an app, on its own port (so its own origin), that can change answers.

    Some things a browser does cannot be intercepted from Playwright or CDP once a service worker controls the
    page: the worker's own update check (``registration.update()`` fetching ``/sw.js``) and, by default, the
    page's requests through the worker. A front door changes them where a deploy or a real refusal would: on
    the wire. Every request is forwarded unchanged (Host included, so the app's origin checks see the front
    door's origin, as the browser does) unless a change was asked for.

    Every request is recorded in :attr:`seen`: what a browser fetched over the network rather than from its
    caches or its service worker.
    """

    _HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                   "proxy-authorization", "proxy-authenticate", "content-length"}

    def __init__(self, upstream: str) -> None:
        from http.server import ThreadingHTTPServer
        from urllib.parse import urlsplit

        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._changes: dict[str, Callable[[bytes], bytes]] = {}
        self._refusals: list[tuple[str, str, int, bytes]] = []
        self._lock = threading.Lock()
        self.seen: list[Seen] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _front_door_handler(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def change(self, path: str, transform: Callable[[bytes], bytes]) -> None:
        """From now on, answer GET ``path`` with the app's answer, its body passed through ``transform``."""
        with self._lock:
            self._changes[path] = transform

    def refuse_once(self, method: str, path: str, status: int, body: object) -> None:
        """Answer the next ``method`` ``path`` with ``status`` and ``body`` as JSON, without asking the app."""
        import json

        with self._lock:
            self._refusals.append((method, path, status, json.dumps(body).encode()))

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def requests(self) -> list[Seen]:
        """Everything seen so far (a copy)."""
        with self._lock:
            return list(self.seen)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _refusal(self, method: str, path: str) -> tuple[int, bytes] | None:
        with self._lock:
            for index, (m, p, status, body) in enumerate(self._refusals):
                if m == method and p == path:
                    del self._refusals[index]
                    return status, body
        return None

    def _change_for(self, method: str, path: str) -> Callable[[bytes], bytes] | None:
        with self._lock:
            return self._changes.get(path) if method == "GET" else None


def _front_door_handler(door: FrontDoor) -> type:
    import gzip
    import http.client
    from http.server import BaseHTTPRequestHandler

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 30

        def _forward(self) -> None:
            path = self.path.split("?", 1)[0]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            refusal = door._refusal(self.command, path)
            if refusal is not None:
                status, data = refusal
                door.record(Seen(self.command, self.path, status, "application/json", "", len(data), len(data)))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            connection = http.client.HTTPConnection(*door.upstream, timeout=30)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in FrontDoor._HOP_BY_HOP}
                connection.request(self.command, self.path, body=body or None, headers=headers)
                response = connection.getresponse()
                data = response.read()
                encoding = response.getheader("Content-Encoding", "")
                plain = gzip.decompress(data) if encoding == "gzip" else data
                change = door._change_for(self.command, path)
                dropped = {"content-encoding"} if change is not None and response.status == 200 else set()
                if dropped:
                    data = plain = change(plain)  # sent on uncompressed: the change was made to the plain body
                    encoding = ""
                door.record(Seen(self.command, self.path, response.status, response.getheader("Content-Type", ""),
                                 encoding, len(data), len(plain)))
                self.send_response(response.status, response.reason)
                for name, value in response.getheaders():
                    if name.lower() not in FrontDoor._HOP_BY_HOP | dropped:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
            finally:
                connection.close()

        do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = _forward

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    return Handler
