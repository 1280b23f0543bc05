"""The outbox's retry delays (static/js/backoff.js), run in Node: 5 s doubling to a 5-minute cap, jittered
within the upper half of each window. The browser tier checks the first window on a real page."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = """
import { retryDelay, RETRY_BASE_MS, RETRY_CAP_MS } from %s;
const attempts = [0, 1, 2, 3, 4, 5, 6, 7, 20, 1000];
console.log(JSON.stringify({
  base: RETRY_BASE_MS, cap: RETRY_CAP_MS,
  low: attempts.map((a) => retryDelay(a, () => 0)),
  high: attempts.map((a) => retryDelay(a, () => 0.9999999)),
}));
"""


def run_backoff() -> dict[str, list[int] | int]:
    node = shutil.which("node")
    assert node, "Node.js is needed (make test installs the npm packages with it)"
    source = json.dumps((ROOT / "static" / "js" / "backoff.js").as_uri())
    result = subprocess.run([node, "--experimental-detect-module", "--no-warnings", "--input-type=module", "-e",
                             PROGRAM % source], capture_output=True, text=True, check=True, timeout=30)
    return dict(json.loads(result.stdout))


def test_retries_double_from_five_seconds_to_a_five_minute_cap_with_jitter_in_the_upper_half() -> None:
    found = run_backoff()
    assert (found["base"], found["cap"]) == (5_000, 300_000)
    assert found["high"] == [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000, 300_000]
    assert found["low"] == [2_500, 5_000, 10_000, 20_000, 40_000, 80_000, 150_000, 150_000, 150_000, 150_000]
