"""The misuse ladder: a reminder, an agreed plan, a cap on messages, a pause. Pure rules taking ``now``.

LYNC: "establish a system for dealing with any misuse" and "have a strategy for dealing with individuals", while
clinical teams found misuse rare and dealt with it at clinic level. So the ladder is graduated and open: every step
has a reason the young person sees and a review date, each is recorded and audited, and the young person can always
see what has been agreed. Each restriction ends on its review date unless the team sets it again: a forgotten pause
must not silently cut a young person off for good. Whatever the step, a message with a red flag always gets through
(``chalicelib.domain.send_gate``).

Who may do what: any clinician of the team sends a reminder, or sets a plan, cap or pause where none is in force;
changing or ending one that is in force needs the team lead (:func:`needs_lead`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from chalicelib.domain import team_safety
from chalicelib.errors import ValidationError

Kind = Literal["plan", "cap", "pause"]
KINDS: tuple[Kind, ...] = ("plan", "cap", "pause")
STEPS = ("reminder", "plan", "cap", "pause", "plan_ended", "cap_lifted", "pause_lifted")
ENDED: dict[str, str] = {"plan": "plan_ended", "cap": "cap_lifted", "pause": "pause_lifted"}
MAX_REVIEW_DAYS: dict[str, int] = {"plan": 183, "cap": 92, "pause": 92}
MAX_TEXT = 300
MAX_CAP = 20
PERIODS = ("day", "week")
DEFAULT_INSTEAD = "Ring the team's phone number for anything you need before then, or use the urgent numbers below."
DEFAULT_REMINDER = ("A quick reminder about messaging: it is for questions about your care between appointments. "
                    "Other things are best kept for your next appointment. If something is urgent, use the numbers "
                    "shown under the message box.")


class Restriction(NamedTuple):
    """A plan, cap or pause in force from ``start`` until its ``review_at`` (exclusive)."""

    kind: str
    reason: str
    start: datetime
    review_at: datetime
    set_by: str
    text: str = ""  # plan: what was agreed; pause: what to do instead
    limit: int = 0  # cap: messages per period
    period: str = "day"

    def active(self, now: datetime) -> bool:
        return self.start <= now < self.review_at

    def to_stored(self) -> dict[str, Any]:
        return {"kind": self.kind, "reason": self.reason, "start": self.start.isoformat(),
                "review_at": self.review_at.isoformat(), "set_by": self.set_by, "text": self.text,
                "limit": self.limit, "period": self.period}


def _restriction(raw: Mapping[str, Any]) -> Restriction:
    return Restriction(str(raw["kind"]), str(raw["reason"]), datetime.fromisoformat(raw["start"]),
                       datetime.fromisoformat(raw["review_at"]), str(raw.get("set_by") or ""), str(raw.get("text") or ""),
                       int(raw.get("limit") or 0), str(raw.get("period") or "day"))


class Ladder(NamedTuple):
    """Where one young person is on the ladder with one team: at most one plan, one cap and one pause."""

    plan: Restriction | None = None
    cap: Restriction | None = None
    pause: Restriction | None = None

    @classmethod
    def from_stored(cls, raw: Mapping[str, Any] | None) -> Ladder:
        raw = raw or {}
        return cls(*(_restriction(raw[k]) if raw.get(k) else None for k in KINDS))

    def to_stored(self) -> dict[str, Any] | None:
        stored: dict[str, Any] = {k: r.to_stored() for k, r in zip(KINDS, self, strict=True) if r is not None}
        return stored or None

    def get(self, kind: str) -> Restriction | None:
        return self._asdict().get(kind)

    def active(self, kind: str, now: datetime) -> Restriction | None:
        """The restriction of this kind if it is in force at ``now``."""
        found = self.get(kind)
        return found if found is not None and found.active(now) else None

    def with_kind(self, kind: str, restriction: Restriction | None) -> Ladder:
        return self._replace(**{kind: restriction})

    def in_force(self, now: datetime) -> list[Restriction]:
        return [r for r in self if r is not None and r.active(now)]


def needs_lead(step: str, ladder: Ladder, now: datetime) -> bool:
    """Changing or ending a plan, cap or pause that is in force is the team lead's decision."""
    if step == "reminder":
        return False
    kind = next((k for k, ended in ENDED.items() if ended == step), step)
    return step in ENDED.values() or ladder.active(kind, now) is not None


# --- caps -----------------------------------------------------------------------------------------------------


def window_key(period: str, now: datetime, tz: str) -> str:
    """Which day or week ``now`` falls in, in the team's timezone: "day:2026-11-25", "week:2026-W48"."""
    local = now.astimezone(ZoneInfo(tz))
    if period == "week":
        year, week, _ = local.isocalendar()
        return f"week:{year}-W{week:02d}"
    return f"day:{local.date().isoformat()}"


def window_ends(period: str, now: datetime, tz: str) -> datetime:
    """When the next day (local midnight) or week (Monday, local midnight) starts: a cap counts from zero again."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone).date()
    days = 7 - local.weekday() if period == "week" else 1
    following = local + timedelta(days=days)
    return datetime(following.year, following.month, following.day, tzinfo=zone)


class CapCheck(NamedTuple):
    """Whether one more message fits in the cap, the window it counts in, and the count after it."""

    allowed: bool
    window: str
    count_after: int
    remaining: int
    resets_at: datetime
    limit: int


def check_cap(cap: Restriction, stored_window: str | None, stored_count: int, now: datetime, tz: str) -> CapCheck:
    """Count one more message against ``cap`` (what is stored belongs to another window once the window moves on)."""
    window = window_key(cap.period, now, tz)
    used = stored_count if stored_window == window else 0
    allowed = used < cap.limit
    after = used + 1 if allowed else used
    return CapCheck(allowed, window, after, max(0, cap.limit - after), window_ends(cap.period, now, tz), cap.limit)


def remaining(cap: Restriction, stored_window: str | None, stored_count: int, now: datetime, tz: str) -> int:
    """How many messages are left in the current window (for the page)."""
    used = stored_count if stored_window == window_key(cap.period, now, tz) else 0
    return max(0, cap.limit - used)


# --- checking what a clinician typed ----------------------------------------------------------------------------


def clean_text(value: object, field: str, what: str, *, required: bool = True) -> str:
    """A reason, plan or note the young person will read (up to 300 characters)."""
    return team_safety.clean_text(value, MAX_TEXT, field, what, required=required,
                                  seen_by="The young person sees it.")


def clean_review(review_at: datetime, now: datetime, kind: str) -> datetime:
    """A review date in the future and no further than the kind allows (so nothing lasts for ever unseen)."""
    if review_at <= now:
        raise ValidationError("Choose a review date in the future.", field="review_at")
    most = MAX_REVIEW_DAYS[kind]
    if review_at - now > timedelta(days=most):
        raise ValidationError(f"Choose a review date within {most} days. You can set it again then.",
                              field="review_at")
    return review_at


def clean_cap(limit: object, period: object) -> tuple[int, str]:
    """Messages per day or week: a whole number from 1 to 20."""
    text = str(limit or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_CAP:
        raise ValidationError(f"Write a whole number of messages from 1 to {MAX_CAP}.", field="limit")
    if period not in PERIODS:
        raise ValidationError("Choose per day or per week.", field="period")
    return int(text), str(period)


# --- what the young person is told ------------------------------------------------------------------------------


def step_notice(restriction: Restriction, review_text: str) -> str:
    """The line Teamline posts in the conversation when a plan, cap or pause is set: open, with reason and review."""
    if restriction.kind == "plan":
        return (f"Your team has agreed a plan with you for messaging: {restriction.text}. Why: {restriction.reason}. "
                f"The team will look at this again by {review_text}.")
    if restriction.kind == "cap":
        return (f"For now you can send up to {restriction.limit} message{'s' if restriction.limit != 1 else ''} a "
                f"{restriction.period}. Why: {restriction.reason}. The team will look at this again by {review_text}. "
                "If something is urgent, use the numbers under the message box.")
    return (f"Messaging with your team is paused until {review_text}. Why: {restriction.reason}. "
            f"What to do instead: {restriction.text or DEFAULT_INSTEAD} If you need help now, use the numbers under "
            "the message box.")


def end_notice(kind: str) -> str:
    """The line Teamline posts when the lead ends a plan, cap or pause."""
    return {"plan": "Your messaging plan with the team has ended.",
            "cap": "The limit on how many messages you can send has been lifted.",
            "pause": "Messaging with your team is no longer paused. You can send messages again."}[kind]
