"""How much does building a push cost compared with just POSTing it?

``measure_fanout`` sends ``n`` notifications through ``PushSender`` to a local ``FakePushService`` and,
for comparison, POSTs one already-encrypted body with the same headers ``n`` times with raw urllib3 to
the same service. The service verifies the JWT and decrypts every request in both runs, so its cost
is shared; the ratio is what encryption and signing leave of the raw rate on loopback, where the
network costs nothing (against a real push service, round trips dwarf both). Each run is repeated
``rounds`` times and the best kept, as usual for micro-benchmarks on a shared machine.

Run it with ``.venv/bin/python -m scripts.bench_push [n]``.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable

import urllib3

from chalicelib.push.payload import build_payload
from chalicelib.push.sender import PushSender, Subscription
from chalicelib.push.vapid import VapidKeys, generate_keypair
from scripts.push_service import FakePushService


def measure_fanout(n: int = 1000, *, rounds: int = 3) -> dict[str, float]:
    """Return fan-out and raw POST rates (per second), their ratio and the median encryption time (ms)."""
    private, public = generate_keypair()
    keys = VapidKeys(private=private, public=public, subject="mailto:bench@example.nhs.uk")
    payload = build_payload("staff", "bench-message-0001")
    with FakePushService() as service:
        endpoint, p256dh, auth, _ = service.new_subscription(application_server_key=public)
        subscription = Subscription(endpoint, p256dh, auth)
        sender = PushSender(keys, http=urllib3.PoolManager(maxsize=1), sleep=_no_sleep)
        raw_http = urllib3.PoolManager(maxsize=1)
        body, headers = sender.encrypt(subscription, payload, ttl=3600, urgency="normal")
        for _ in range(20):  # warm up: lazy imports, JWT cache, pooled connections
            sender.send(subscription, payload)
            raw_http.request("POST", endpoint, body=body, headers=headers, retries=False)

        def fanout() -> None:
            for _ in range(n):
                result = sender.send(subscription, payload)
                if result.outcome != "delivered":
                    raise RuntimeError(f"bench push not delivered: {result}")

        def raw() -> None:
            for _ in range(n):
                response = raw_http.request("POST", endpoint, body=body, headers=headers, retries=False)
                if response.status != 201:
                    raise RuntimeError(f"raw POST answered {response.status}")

        fanout_s, raw_s = [], []
        for _ in range(rounds):  # interleaved, so drift on a shared machine hits both alike
            raw_s.append(_timed(raw))
            fanout_s.append(_timed(fanout))

        encrypt_ms = []
        for _ in range(n):
            started = time.perf_counter()
            sender.encrypt(subscription, payload, ttl=3600, urgency="normal")
            encrypt_ms.append((time.perf_counter() - started) * 1000)

    fanout_rate, raw_rate = n / min(fanout_s), n / min(raw_s)
    return {
        "push.fanout_per_s": round(fanout_rate, 1),
        "push.raw_post_per_s": round(raw_rate, 1),
        "push.fanout_ratio": round(fanout_rate / raw_rate, 3),
        "push.encrypt_ms": round(statistics.median(encrypt_ms), 4),
    }


def _timed(run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _no_sleep(_: float) -> None:
    raise RuntimeError("the bench should never need a retry")


if __name__ == "__main__":
    print(json.dumps(measure_fanout(int(sys.argv[1]) if len(sys.argv) > 1 else 1000), indent=2))
