"""The only reader of the clock.

Everything time-dependent takes ``now`` as an argument; request handlers get it from here. In the
local and test stages ``TEAMLINE_CLOCK_OVERRIDE`` pins the clock (for demos and browser tests of
out-of-hours behaviour); ``chalicelib.settings`` refuses to start a deployed stage with it set.

An override may be a fixed instant (``2026-11-28T10:00:00+00:00``) or an instant that then runs on
(``2026-11-28T10:00:00+00:00~running``), so a demo can start on a Saturday morning and still see time pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from chalicelib.errors import ConfigurationError
from chalicelib.settings import NON_DEPLOYED_STAGES, get_settings

UTC = UTC


class Clock(Protocol):
    """Anything that can say what time it is (always timezone-aware, UTC)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock pinned to one instant, optionally running on from it; for tests and demos."""

    def __init__(self, at: datetime, *, running: bool = False, monotonic: Callable[[], float] = time.monotonic) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(UTC)
        self._running = running
        self._monotonic = monotonic
        self._started = monotonic()

    def now(self) -> datetime:
        if not self._running:
            return self._at
        from datetime import timedelta

        return self._at + timedelta(seconds=self._monotonic() - self._started)

    def set(self, at: datetime) -> None:
        """Move the pinned instant (tests only)."""
        self._at = at.astimezone(UTC)
        self._started = self._monotonic()


def parse_override(value: str) -> FixedClock:
    """Parse ``TEAMLINE_CLOCK_OVERRIDE``: an ISO 8601 instant with offset, optionally ``~running``."""
    running = value.endswith("~running")
    text = value.removesuffix("~running")
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ConfigurationError(f"TEAMLINE_CLOCK_OVERRIDE is not an ISO 8601 instant: {value!r}") from exc
    if at.tzinfo is None:
        raise ConfigurationError("TEAMLINE_CLOCK_OVERRIDE needs a UTC offset, e.g. 2026-11-28T10:00:00+00:00")
    return FixedClock(at, running=running)


_clock: Clock | None = None


def get_clock() -> Clock:
    """Return the process clock: the system clock, or the override in local/test stages."""
    global _clock
    if _clock is None:
        settings = get_settings()
        if settings.clock_override:
            if settings.stage not in NON_DEPLOYED_STAGES:  # settings already refuses this; belt and braces
                raise ConfigurationError("A clock override cannot be used in a deployed stage")
            _clock = parse_override(settings.clock_override)
        else:
            _clock = SystemClock()
    return _clock


def now() -> datetime:
    """Return the current instant (UTC, timezone-aware)."""
    return get_clock().now()


def use_clock(clock: Clock | None) -> None:
    """Install a clock for this process (tests); ``None`` goes back to reading settings."""
    global _clock
    _clock = clock
