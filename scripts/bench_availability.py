"""A micro-benchmark for ``reply_by``: availability runs on every inbound message, so it must stay cheap.

The policy carries a realistic year's worth of closures (~250 over 2026-2027, some spanning several days) because
closure lookups are where a naive implementation would slow down.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from datetime import time as wall

from chalicelib.domain.availability import AvailabilityPolicy, Closure, ReplyTarget, Window, reply_by

_SPAN_START = datetime(2026, 1, 1, tzinfo=UTC)
_SPAN_SECONDS = int((datetime(2028, 1, 1, tzinfo=UTC) - _SPAN_START).total_seconds())


def busy_policy(seed: int = 2026, closures: int = 250) -> AvailabilityPolicy:
    """Return a weekday policy with a lunch gap, a Saturday clinic and ``closures`` closures spread over 2026-2027."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable spread of test data, not a secret
    windows = [Window(day, wall(9, 0), wall(12, 30)) for day in range(5)]
    windows += [Window(day, wall(13, 30), wall(17, 0)) for day in range(5)]
    windows.append(Window(5, wall(10, 0), wall(13, 0)))
    items = []
    for index in range(closures):
        start = _SPAN_START + timedelta(minutes=rng.randrange(_SPAN_SECONDS // 60))
        # Mostly a few hours (training, short staffing); every tenth is a multi-day closure.
        length = timedelta(days=rng.randint(1, 5)) if index % 10 == 0 else timedelta(minutes=rng.randint(30, 480))
        items.append(Closure(start, start + length, f"Team training {index}"))
    return AvailabilityPolicy(
        windows=tuple(windows), closures=tuple(items), reply_target=ReplyTarget("working_days", 1)
    )


def median_reply_by_us(iterations: int = 2000, *, seed: int = 7) -> float:
    """Return the median microseconds of one ``reply_by`` over varied instants in 2026-2027, caches warm."""
    policy = busy_policy()
    rng = random.Random(seed)  # noqa: S311 - a repeatable spread of test data, not a secret
    instants = [_SPAN_START + timedelta(seconds=rng.randrange(_SPAN_SECONDS)) for _ in range(iterations)]
    reply_by(policy, instants[0])  # compile the policy and load the holiday tables once, as a warm Lambda would
    samples = []
    for received_at in instants:
        began = time.perf_counter_ns()
        reply_by(policy, received_at)
        samples.append(time.perf_counter_ns() - began)
    return statistics.median(samples) / 1000


if __name__ == "__main__":
    print(f"median reply_by: {median_reply_by_us():.1f} µs")
