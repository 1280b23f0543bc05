"""Deliver one Web Push message to one subscription, and say what happened.

Delivery is one call per subscription, as in Mastodon's push worker: the outcome tells the caller
what to do next (``gone``: delete the subscription; ``refused``: an endpoint Teamline will not POST
to, delete it; ``too_large``: log a bug; ``vapid_rejected``: the push service refused Teamline's
VAPID credentials (403), a configuration fault to report, not the subscription's; ``retry_exhausted``:
a transient failure that outlasted this call's budget, requeue after ``retry_after`` if the push
service gave one). Transient failures (408, 429, 5xx, timeouts, connection errors) are retried here
with exponential backoff and jitter, honouring ``Retry-After``, within a small budget.

Why not use ``webpush`` (or pywebpush) for everything: ``webpush`` builds the RFC 8291 aes128gcm body
well, but its VAPID ``aud`` drops non-default ports, its per-call options stick to the instance, it
ignores ``ttl=0``, it never checks the size and it does not send. So this module keeps ``webpush`` for
the encryption only (a fresh instance per message, imported lazily: it costs ~300 ms of cold start),
signs the RFC 8292 JWT itself with ``cryptography`` (cached per push-service origin for most of its
lifetime: signing costs nearly as much as encrypting), sets every header itself and POSTs the ciphertext
with urllib3. A fresh ephemeral ECDH key and salt are still made for every message, as
RFC 8291 requires.

Nothing here logs payloads, keys or full endpoints (an endpoint is a capability URL); logs name only
the push service origin.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, get_args
from urllib.parse import urlsplit

from chalicelib.errors import ConfigurationError
from chalicelib.push.jwt import Signer
from chalicelib.push.payload import MAX_PLAINTEXT, PayloadTooLargeError, check_size
from chalicelib.push.vapid import VapidKeys

if TYPE_CHECKING:
    import urllib3

log = logging.getLogger(__name__)

Outcome = Literal["delivered", "gone", "too_large", "failed", "retry_exhausted", "vapid_rejected", "refused"]
Urgency = Literal["very-low", "low", "normal", "high"]
URGENCIES: Final = frozenset(get_args(Urgency))


_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


@dataclass(frozen=True, repr=False)
class Subscription:
    """A browser's push subscription: endpoint URL and base64url ``p256dh`` and ``auth`` keys."""

    endpoint: str
    p256dh: str
    auth: str

    def __repr__(self) -> str:
        # The endpoint is a capability and auth a shared secret: show only where it goes.
        return f"Subscription(origin={_origin_or_none(self.endpoint)!r})"


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one push: the outcome, the last HTTP status, tries made and any Retry-After."""

    outcome: Outcome
    status: int | None
    attempts: int
    retry_after: float | None = None  # seconds, from the last Retry-After the push service sent
    detail: str | None = None  # a short reason for anything not delivered; never payload or keys


def audience_for(endpoint: str) -> str:
    """Return the VAPID ``aud`` for ``endpoint``: its origin, with the port when it is not the default."""
    parts = urlsplit(endpoint)
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        raise ValueError("a push endpoint must be an absolute http(s) URL")
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    port = parts.port  # raises ValueError for a malformed port
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def _origin_or_none(endpoint: str) -> str | None:
    try:
        return audience_for(endpoint)
    except ValueError:
        return None


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Return the seconds a ``Retry-After`` header asks for (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime  # rarely needed; ~10 ms to import

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP-date is always GMT; parsedate gives naive for "-0000"
        return None
    return max(0.0, when.timestamp() - now)


class PushSender:
    """Encrypts and POSTs Web Push messages, retrying transient failures; safe to share across threads."""

    def __init__(
        self,
        keys: VapidKeys | Callable[[], VapidKeys],
        *,
        http: urllib3.PoolManager | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 4,
        base_delay: float = 0.5,
        max_delay: float = 30.0,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
        endpoint_check: Callable[[str], str] | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._keys = keys
        self._http = http
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._timeout = timeout
        # Wall-clock time on purpose, not chalicelib.clock: a JWT's exp is checked against the push
        # service's real clock, so a pinned demo clock must not leak in here.
        self._clock = clock
        self._rng = rng
        self._endpoint_check = endpoint_check
        self._signer: Signer | None = None
        self._lock = threading.Lock()

    def encrypt(
        self, subscription: Subscription, payload: bytes, *, ttl: int, urgency: str
    ) -> tuple[bytes, dict[str, str]]:
        """Return the aes128gcm body and the headers to POST it with; raise PayloadTooLargeError first."""
        check_size(payload)
        if not isinstance(ttl, int) or ttl < 0:
            raise ValueError("ttl must be a non-negative number of seconds")
        if urgency not in URGENCIES:
            raise ValueError(f"urgency must be one of {sorted(URGENCIES)}")
        signer = self._current_signer()
        authorization = signer.authorization(audience_for(subscription.endpoint), self._clock())

        from webpush import WebPush
        from webpush.types import WebPushKeys, WebPushSubscription

        # A fresh instance per message: webpush keeps per-call options on the instance and is not
        # thread-safe. Only its RFC 8291 encryption is used: its public get() also signs a JWT (with
        # the wrong aud for non-default ports) that would be thrown away, which more than doubles the
        # cost of building a push. _encrypt is private, so webpush stays pinned at 1.0.x and the
        # functional tests decrypt every push.
        pusher = WebPush(private_key=signer.private_pem, public_key=signer.public_pem)
        encrypted = pusher._encrypt(
            payload,
            WebPushSubscription(
                endpoint=subscription.endpoint,  # pydantic parses the str (and would add a trailing "/")
                keys=WebPushKeys(auth=subscription.auth, p256dh=subscription.p256dh),
            ),
        )
        headers = {
            "Authorization": authorization,
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(ttl),  # set here: webpush ignores ttl=0, which means "deliver now or never"
            "Urgency": urgency,
        }
        return encrypted, headers

    def send(
        self,
        subscription: Subscription,
        payload: bytes,
        *,
        ttl: int = 3600,
        urgency: Urgency = "normal",
    ) -> DeliveryResult:
        """Deliver ``payload`` to ``subscription``, retrying transient failures; never raises for HTTP."""
        prepared = self._prepare(subscription, payload, ttl=ttl, urgency=urgency)
        if isinstance(prepared, DeliveryResult):
            return prepared
        return self._attempts(subscription.endpoint, *prepared)

    def _prepare(self, subscription: Subscription, payload: bytes, *, ttl: int,
                 urgency: str) -> tuple[bytes, dict[str, str]] | DeliveryResult:
        """The body and headers to POST, or the result for a push that cannot be sent at all."""
        origin = _origin_or_none(subscription.endpoint)
        if self._endpoint_check is not None:
            try:
                self._endpoint_check(subscription.endpoint)
            except ValueError:
                log.warning("push not sent to %s: endpoint refused", origin)
                return DeliveryResult("refused", None, 0, None, "endpoint refused")
        try:
            return self.encrypt(subscription, payload, ttl=ttl, urgency=urgency)
        except PayloadTooLargeError as exc:
            log.error("push not sent: plaintext of %d bytes is over %d (a bug)", exc.size, MAX_PLAINTEXT)
            return DeliveryResult("too_large", None, 0, None, str(exc))
        except ConfigurationError:
            raise  # a deployment fault, not this subscription's: fail loudly
        except (ValueError, TypeError) as exc:  # a malformed endpoint or key from a browser: nothing to retry
            log.warning("push not sent to %s: subscription unusable (%s)", origin, type(exc).__name__)
            return DeliveryResult("failed", None, 0, None, f"unusable subscription: {type(exc).__name__}")

    def _attempts(self, endpoint: str, body: bytes, headers: dict[str, str]) -> DeliveryResult:
        """POST until delivered, refused for good, or this call's budget of attempts is spent."""
        origin = _origin_or_none(endpoint)
        retry_after: float | None = None
        status: int | None = None
        detail: str | None = None
        for attempt in range(1, self._max_attempts + 1):
            status, retry_after_header, detail, retryable = self._post(endpoint, body, headers)
            asked = parse_retry_after(retry_after_header, now=self._clock())
            if asked is not None:
                retry_after = asked
            if not retryable:
                outcome = _outcome_for(status)
                # One line per delivered push would be most of the CloudWatch bill: debug only.
                log_level = {"delivered": logging.DEBUG, "gone": logging.INFO}.get(outcome, logging.WARNING)
                log.log(log_level, "push %s to %s: status %s after %d attempt(s)", outcome, origin, status, attempt)
                return DeliveryResult(outcome, status, attempt, retry_after, None if outcome == "delivered" else detail)
            if attempt == self._max_attempts:
                break
            delay = self._backoff(attempt)
            if asked is not None:
                if asked > self._max_delay:
                    # Waiting less than asked would only earn another 429: hand it back to the caller's queue.
                    log.warning("push to %s deferred: Retry-After %.0fs is over max_delay", origin, asked)
                    return DeliveryResult("retry_exhausted", status, attempt, asked, "Retry-After over max_delay")
                delay = max(delay, asked)
            log.debug("push to %s: %s, retrying in %.2fs", origin, detail, delay)
            self._sleep(delay)
        log.warning("push to %s gave up after %d attempts: %s", origin, self._max_attempts, detail)
        return DeliveryResult("retry_exhausted", status, self._max_attempts, retry_after, detail)

    def _post(self, endpoint: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None, str, bool]:
        """POST once; return (status, Retry-After header, detail, retryable)."""
        import urllib3

        try:
            response = self._pool().request(
                "POST",
                endpoint,  # the original string: pydantic's normalised URL gains a trailing slash
                body=body,
                headers=headers,
                timeout=urllib3.Timeout(total=self._timeout),
                retries=False,  # retries and backoff are ours
                redirect=False,  # a push service never redirects; following one would be an SSRF hop
            )
        except urllib3.exceptions.LocationValueError:
            return None, None, "endpoint is not a valid URL", False
        except urllib3.exceptions.HTTPError as exc:  # timeouts, refused or reset connections, TLS failures
            return None, None, f"no response: {type(exc).__name__}", True
        status = response.status
        retryable = status in (408, 429) or status >= 500
        detail = f"HTTP {status}"
        if not 200 <= status < 300:
            # Push services explain refusals in the body (e.g. FCM's reason); it holds nothing of ours.
            text = (response.data or b"")[:200].decode("utf-8", "replace").strip()
            if text:
                detail = f"{detail}: {text}"
        return status, response.headers.get("Retry-After"), detail, retryable

    def _backoff(self, attempt: int) -> float:
        # "Equal jitter": at least half the exponential step, so retries spread out but never stampede.
        step = min(self._max_delay, self._base_delay * 2 ** (attempt - 1))
        return step / 2 + self._rng() * step / 2

    def _pool(self) -> urllib3.PoolManager:
        if self._http is None:
            import urllib3

            with self._lock:
                if self._http is None:
                    self._http = urllib3.PoolManager(num_pools=16, maxsize=8)
        return self._http

    def _current_signer(self) -> Signer:
        keys = self._keys() if callable(self._keys) else self._keys
        signer = self._signer
        if signer is None or signer.keys != keys:  # rebuilt only when the keys change (rotation)
            with self._lock:
                signer = self._signer
                if signer is None or signer.keys != keys:
                    signer = self._signer = Signer(keys)
        return signer


def _outcome_for(status: int | None) -> Outcome:
    if status is not None and 200 <= status < 300:
        return "delivered"
    if status in (404, 410):
        return "gone"
    if status == 413:
        return "too_large"
    if status == 403:  # e.g. Apple's BadJwtToken: the VAPID key or subject, not this subscription
        return "vapid_rejected"
    return "failed"
