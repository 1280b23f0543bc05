"""``chalice local``, compressing responses as API Gateway does in AWS.

In AWS, API Gateway gzips a response when the client accepts it and the body is at least
``minimum_compression_size`` bytes (``.chalice/config.json``); the Lambda function itself returns plain
``str`` bodies. ``chalice local`` has no such step, so locally every page, stylesheet and script went
over the wire uncompressed, and anything measured locally (``make bench``'s shell size, Lighthouse) would
measure a phone's download as three to five times what it really is. This runs chalice's own ``local``
command with its request handler compressing exactly where API Gateway would: outside the app, on the
way out. ``scripts/local_stack.py`` starts it instead of the ``chalice`` script; arguments are the same.

Only text is compressed (PNGs are compressed already). Chalice 1.34's local server is patched by
subclassing its handler and server; chalice is pinned in requirements-dev.txt.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

from chalice import local

ROOT = Path(__file__).resolve().parent.parent
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "application/manifest+json",
                "image/svg+xml")
#: gzip's default level; API Gateway does not say which it uses.
LEVEL = 6


def minimum_compression_size(root: Path = ROOT) -> int | None:
    """The smallest body API Gateway compresses, from the Chalice config (None: it compresses nothing)."""
    config = json.loads((root / ".chalice" / "config.json").read_text())
    size = config.get("minimum_compression_size")
    return int(size) if size is not None else None


def accepts_gzip(accept_encoding: str) -> bool:
    """True when an Accept-Encoding header allows gzip (``gzip;q=0`` refuses it)."""
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and float(q[2:] or 0) == 0)
    return False


def compress(body: bytes, headers: dict[str, Any], accept_encoding: str, minimum: int | None) -> bytes:
    """The body as API Gateway would send it, adjusting ``headers`` to match."""
    names = {name.lower(): name for name in headers}
    content_type = str(headers.get(names.get("content-type", ""), ""))
    if (minimum is None or len(body) < minimum or "content-encoding" in names
            or not content_type.startswith(COMPRESSIBLE) or not accepts_gzip(accept_encoding)):
        return body
    headers["Content-Encoding"] = "gzip"
    vary = str(headers.pop(names["vary"], "")) if "vary" in names else ""
    headers["Vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
    return gzip.compress(body, LEVEL, mtime=0)


class CompressingHandler(local.ChaliceRequestHandler):
    """Chalice's local request handler, compressing on the way out."""

    minimum = minimum_compression_size()

    def _send_http_response_with_body(self, code: int, headers: Any, body: str | bytes) -> None:
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        if self.command != "HEAD":
            data = compress(data, headers, str(self.headers.get("Accept-Encoding", "")), self.minimum)
        super()._send_http_response_with_body(code, headers, data)


class CompressingServer(local.LocalDevServer):
    """Chalice's local server with the compressing handler."""

    def __init__(self, app_object: Any, config: Any, host: str, port: int,
                 handler_cls: Any = CompressingHandler, server_cls: Any = local.ThreadedHTTPServer) -> None:
        super().__init__(app_object, config, host, port, handler_cls, server_cls)


def main(args: list[str]) -> int:
    from chalice.cli import cli

    # chalice.local.create_local_server looks LocalDevServer up when it is called.
    local.LocalDevServer = CompressingServer  # type: ignore[misc]
    # With autoreload, chalice re-runs sys.argv as a child process: make that this module, not a bare .py file
    # (which cannot be executed, hence chalice's PermissionError when run from a script).
    sys.argv = [sys.executable, "-m", "scripts.local_gateway", *args]
    return int(cli.main(args=args, prog_name="chalice", obj={}, standalone_mode=False) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
