"""A local Web Push service for tests: the receiving side of RFC 8030, 8291 and 8292.

Real push services cannot be reached from tests, and a mock would not check what matters: that the
body decrypts with the subscription's keys and that the VAPID JWT is one a push service accepts (ES256
signature, ``aud`` = this origin with its port, ``exp`` within 24 h, ``sub``). It runs on loopback
over real HTTP/1.1 with keep-alive, records every request, and can be scripted per endpoint to
answer 404/410/413/429/5xx or to stall, so retry behaviour is tested against sockets, not fakes.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class ReceivedPush:
    """One request as the service saw it; ``status`` None means it stalled and never answered."""

    endpoint: str
    headers: dict[str, str]  # lower-case names
    plaintext: bytes | None
    status: int | None
    reason: str | None = None  # why it was rejected, when it was
    claims: dict[str, Any] | None = None  # the verified VAPID JWT claims


@dataclass(frozen=True)
class Stall:
    """A scripted response: hold the request ``seconds`` and close without answering."""

    seconds: float


class _Reject(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass
class _Sub:
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    application_server_key: str | None
    responses: deque[int | Stall] = field(default_factory=deque)
    retry_after: str | None = None


class FakePushService:
    """A push service on 127.0.0.1:<free port>; use as a context manager."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.block_on_close = False  # idle keep-alive threads must not hold up stop()
        self._server.service = self  # type: ignore[attr-defined]
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._subs: dict[str, _Sub] = {}
        self._received: list[ReceivedPush] = []
        self._changed = threading.Condition()
        self._released = threading.Event()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def reset(self) -> None:
        """Forget every subscription, script and recorded request, so one service can serve many tests."""
        with self._changed:
            self._subs.clear()
            self._received.clear()

    def new_subscription(
        self, *, application_server_key: str | None = None
    ) -> tuple[str, str, str, ec.EllipticCurvePrivateKey]:
        """Return (endpoint, p256dh, auth, private key) for a new subscription, as a browser would get."""
        key = ec.generate_private_key(ec.SECP256R1())
        auth = secrets.token_bytes(16)
        endpoint = f"{self.origin}/push/{secrets.token_urlsafe(16)}"
        with self._changed:
            self._subs[endpoint] = _Sub(key, auth, application_server_key)
        point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return endpoint, _b64e(point), _b64e(auth), key

    def script(self, endpoint: str, responses: list[int | Stall], *, retry_after: str | None = None) -> None:
        """Answer the next requests to ``endpoint`` with ``responses`` in order, then 201."""
        with self._changed:
            sub = self._subs[endpoint]
            sub.responses.extend(responses)
            sub.retry_after = retry_after

    @property
    def received(self) -> list[ReceivedPush]:
        """Return a snapshot of every request so far, in arrival order."""
        with self._changed:
            return list(self._received)

    def wait_for(self, n: int, timeout: float = 5.0) -> list[ReceivedPush]:
        """Block until at least ``n`` requests have been recorded; raise TimeoutError otherwise."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._received) >= n, timeout):
                raise TimeoutError(f"{len(self._received)} of {n} pushes arrived within {timeout}s")
            return list(self._received)

    def _receive(self, path: str, headers: Message, body: bytes) -> tuple[int | Stall, dict[str, str]]:
        endpoint = self.origin + path
        plaintext: bytes | None = None
        claims: dict[str, Any] | None = None
        extra: dict[str, str] = {}
        with self._changed:
            sub = self._subs.get(endpoint)
        try:
            if sub is None:
                raise _Reject(404, "no such subscription")
            claims = self._check_vapid(headers.get("Authorization"), sub)
            ttl = headers.get("TTL", "")
            if not ttl.isdigit():
                raise _Reject(400, "TTL header missing or not a non-negative integer")
            if headers.get("Content-Encoding") != "aes128gcm":
                raise _Reject(400, "Content-Encoding must be aes128gcm")
            if headers.get("Urgency", "normal") not in ("very-low", "low", "normal", "high"):
                raise _Reject(400, "bad Urgency")
            if len(body) > 4096:
                raise _Reject(413, "body over 4096 bytes")
            try:
                plaintext = http_ece.decrypt(body, private_key=sub.private_key, auth_secret=sub.auth, version="aes128gcm")
            except Exception as exc:  # noqa: BLE001 - any failure means the sender's encryption is wrong
                raise _Reject(400, f"undecryptable: {exc!r}") from None
            with self._changed:
                response: int | Stall = sub.responses.popleft() if sub.responses else 201
            reason = None
            if isinstance(response, Stall):
                reason = "stalled"
            elif response == 201:
                extra["Location"] = f"{self.origin}/message/{secrets.token_urlsafe(8)}"
            elif sub.retry_after is not None:
                extra["Retry-After"] = sub.retry_after
        except _Reject as rejection:
            response, reason = rejection.status, rejection.reason
        status = None if isinstance(response, Stall) else response
        record = ReceivedPush(endpoint, {k.lower(): v for k, v in headers.items()}, plaintext, status, reason, claims)
        with self._changed:
            self._received.append(record)
            self._changed.notify_all()
        return response, extra

    def _check_vapid(self, authorization: str | None, sub: _Sub) -> dict[str, Any]:
        scheme, _, params = (authorization or "").partition(" ")
        if scheme.lower() != "vapid":
            raise _Reject(401, "Authorization is not vapid")
        values = dict(part.strip().partition("=")[::2] for part in params.split(","))
        token, key = values.get("t", ""), values.get("k", "")
        if sub.application_server_key is not None and key != sub.application_server_key:
            raise _Reject(403, "k is not the key this subscription was made with")
        try:
            head, payload, signature = token.split(".")
            if json.loads(_b64d(head)).get("alg") != "ES256":
                raise _Reject(401, "JWT alg is not ES256")
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _b64d(key))
            raw = _b64d(signature)
            der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
            public.verify(der, f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
            claims: dict[str, Any] = json.loads(_b64d(payload))
        except (ValueError, InvalidSignature) as exc:
            raise _Reject(401, f"JWT does not verify against k: {exc!r}") from None
        if claims.get("aud") != self.origin:
            raise _Reject(403, f"aud {claims.get('aud')!r} is not {self.origin!r}")
        exp = claims.get("exp")
        if not isinstance(exp, int) or not time.time() < exp <= time.time() + 24 * 3600:
            raise _Reject(403, "exp is not in the next 24 hours")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
            raise _Reject(403, "sub is missing")
        return claims


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real push services and urllib3 pools use
    timeout = 10  # an idle keep-alive connection's thread ends on its own

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        service: FakePushService = self.server.service  # type: ignore[attr-defined]
        response, extra = service._receive(self.path, self.headers, body)
        if isinstance(response, Stall):
            service._released.wait(response.seconds)
            self.close_connection = True
            return
        self.send_response(response)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""
