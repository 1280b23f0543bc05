"""Cold starts: fresh Python processes timed from spawn until their response is ready.

A Lambda's cold start is its init (importing the app) plus its first invocation; the process then
stays alive for the next request and is never torn down while anyone waits. So a fresh process is timed
from spawn until it has built its response, which it reports by writing ``READY <cpu seconds>`` to
stdout. The time to its exit is kept beside that (``process_ms``), but is not what a patient waits
for: an interpreter's exit runs full garbage-collection passes over everything loaded, tens of
milliseconds that say more about how the heap was handled at import than about the cold start.

Each variant runs ``runs`` times after one unmeasured run (which writes bytecode), interleaved so that
drift in the machine's load hits every variant alike; the figures are medians.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent

#: Appended to every variant's code: report that the response is built, and the CPU spent until then.
READY = "\nimport sys as _sys, time as _time\n_sys.stdout.write(f'READY {_time.process_time()}\\n')\n_sys.stdout.flush()\n"


class ColdStart(NamedTuple):
    """One variant's medians, in milliseconds."""

    ready_ms: float  # spawn until the response is built (what a cold start costs whoever waits for it)
    cpu_ms: float  # the process's CPU time until then: the same comparison with the machine's other load taken out
    process_ms: float  # spawn until the process has exited


def _run_once(code: str, env: dict[str, str]) -> tuple[float, float, float]:
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code + READY], cwd=ROOT, env=env,  # noqa: S603
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    cpu = None
    for line in child.stdout:
        if line.startswith("READY "):
            ready = time.perf_counter()
            cpu = float(line.split()[1])
            break
    child.stdout.read()
    if child.wait() != 0 or cpu is None:
        raise RuntimeError(f"cold-start variant failed (exit {child.returncode})")
    return (ready - started) * 1000, cpu * 1000, (time.perf_counter() - started) * 1000


def measure(variants: dict[str, str], env: dict[str, str], runs: int = 9) -> dict[str, ColdStart]:
    """Time each variant's code in ``runs`` fresh processes (bytecode cached); return its medians."""
    samples: dict[str, list[tuple[float, float, float]]] = {label: [] for label in variants}
    for run in range(runs + 1):
        for label, code in variants.items():
            sample = _run_once(code, env)
            if run:  # the first run of each writes bytecode; not measured
                samples[label].append(sample)
    return {label: ColdStart(*(statistics.median(s[i] for s in values) for i in range(3)))
            for label, values in samples.items()}


def figures(app: ColdStart, bare: ColdStart, *, app_ms: str, bare_ms: str, ratio: str) -> dict[str, float]:
    """The figures ``make bench`` keeps: both medians, their ratio, and its CPU and whole-process versions."""
    stem = ratio.removesuffix("ratio")
    return {app_ms: round(app.ready_ms, 1), bare_ms: round(bare.ready_ms, 1),
            ratio: round(app.ready_ms / bare.ready_ms, 3),
            f"{stem}cpu_ratio": round(app.cpu_ms / bare.cpu_ms, 3),
            f"{stem}process_ratio": round(app.process_ms / bare.process_ms, 3)}
