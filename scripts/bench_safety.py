"""``red_flag_check.us``: the red-flag check runs on every message a young person sends (and as they type), inside
the send request, so it must stay cheap: the median microseconds to check one message of 2,000 characters.

The matcher is a team's heaviest realistic one: the crisis list, every condition preset and a dozen phrases of its
own. Messages are varied on purpose (fixture phrases, ordinary sentences and made-up words, shuffled), so the
per-word memo a warm container builds up helps only as much as real, repetitive text would let it.
"""

from __future__ import annotations

import json
import random
import statistics
import string
import time
from pathlib import Path

from chalicelib.domain.red_flags import shipped, team_matcher

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "red_flags.json"
OWN_PHRASES = ["port site ... red|swollen|leaking", "picc line ... red|swollen|leaking", "pump ... not working",
               "rash ... spreading", "cant wee", "headache ... wont go", "neck ... stiff", "fits ... again",
               "line ... fell out", "hickman ... leaking", "mouth ulcers ... cant eat", "cant swallow"]
LENGTH = 2000


def _messages(count: int, seed: int) -> list[str]:
    data = json.loads(FIXTURES.read_text(encoding="utf-8"))
    sentences = [t for t, _ in data["must_match"]] + data["must_not_match"]
    rng = random.Random(seed)  # noqa: S311 - repeatable test data, not a secret
    made = []
    for _ in range(count):
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < LENGTH:
            if rng.random() < 0.3:
                parts.append("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 10))))
            else:
                parts.append(rng.choice(sentences))
        made.append(" ".join(parts)[:LENGTH])
    return made


def median_check_us(count: int = 2000, *, seed: int = 10) -> float:
    """The median microseconds of one check of a 2,000-character message, with a warm matcher."""
    matcher = team_matcher(list(shipped().presets), OWN_PHRASES)
    messages = _messages(count, seed)
    for text in _messages(50, seed + 1):  # a warm container has seen messages before
        matcher.categories(text)
    samples = []
    for text in messages:
        began = time.perf_counter_ns()
        matcher.categories(text)
        samples.append(time.perf_counter_ns() - began)
    return statistics.median(samples) / 1000


def measure() -> dict[str, float]:
    return {"red_flag_check.us": round(median_check_us(), 1)}


if __name__ == "__main__":
    print(measure())
