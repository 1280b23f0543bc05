"""What safety decides about a young person's message before it is stored. Pure: the send service passes everything in.

In order, for every message (the page's own check is a courtesy; this is the one that counts):

1. **Red flags** (:mod:`chalicelib.domain.red_flags`) against the crisis list and the team's words.
2. **The agreement**: nothing is sent to a team before the current version of its agreement is accepted.
3. **A pause** refuses the message with what to do instead, and **a cap** refuses it once the day's or week's
   messages are used up, each with a kind message and the urgent lines. Neither ever stops a red-flag message:
   the red-flag path is never capped or paused.
4. **The team's daily cap** on new conversations: a message that opens a new conversation past it is still stored,
   but its automatic reply says the team is full today and gives the other routes (red flags are never "full").

The automatic reply a message earns is decided here too (:func:`plan_reply`), on top of the usual out-of-hours and
away replies (``chalicelib.domain.intake``): a red-flag message always gets one, leading with the line to ring now.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from chalicelib.domain import auto_reply
from chalicelib.domain.availability import humanise, reply_by, status_at
from chalicelib.domain.intake import Intake, plan_intake
from chalicelib.domain.misuse import CapCheck, Ladder, check_cap, window_ends
from chalicelib.domain.policy import TeamPolicy, when_text
from chalicelib.domain.red_flags import is_crisis
from chalicelib.domain.team_safety import SafetyPolicy
from chalicelib.errors import Conflict

RED_FLAG = "red_flag"
BUSY = "busy"


class AgreementNeeded(Conflict):
    """The young person has not accepted the team's current agreement (409: nothing was stored)."""

    code = "agreement_needed"
    default_message = "Please read and agree to how messaging works with this team before you send a message."


class MessagingPaused(Conflict):
    """The team has paused messaging with this young person (409: nothing was stored)."""

    code = "messaging_paused"


class MessageLimitReached(Conflict):
    """The young person has used the messages their cap allows for now (409: nothing was stored)."""

    code = "message_limit"


class ConversationSafety(NamedTuple):
    """What the gate reads off the conversation: the accepted agreement, the ladder, the cap's count, waiting or not."""

    agreement_version: int | None
    ladder: Ladder
    cap_window: str | None
    cap_count: int
    waiting: bool


class Gate(NamedTuple):
    """A message the gate let through: its red flags, its count against a cap, and whether it opens a conversation."""

    red_flags: tuple[str, ...]
    counted: CapCheck | None
    opens_conversation: bool


def _routes_detail(safety: SafetyPolicy) -> dict[str, Any]:
    return {"routes": [{"label": r.label, "detail": r.detail, "href": r.href} for r in safety.routes]}


def _urgent_sentence(safety: SafetyPolicy) -> str:
    line = safety.first_line
    if line is None:
        return "If something is urgent, call NHS 111, or 999 if you are in danger."
    return f"If something is urgent, ring the {line.name} on {line.phone}, or call 999 if you are in danger."


def check(safety: SafetyPolicy, conv: ConversationSafety, text: str, now: datetime, tz: str) -> Gate:
    """Let a message through (saying how it counts) or raise the refusal a young person should see."""
    flags = safety.matcher.categories(text)
    if conv.agreement_version is None or conv.agreement_version < safety.agreement.version:
        raise AgreementNeeded(version=safety.agreement.version, **_routes_detail(safety))
    if flags:
        return Gate(flags, None, False)
    pause = conv.ladder.active("pause", now)
    if pause is not None:
        raise MessagingPaused(
            f"Messaging with the team is paused until {when_text_tz(pause.review_at, now, tz)}, so this message was "
            f"not sent. {pause.text or 'Ring the team for anything you need before then.'} {_urgent_sentence(safety)}",
            field="body", **_routes_detail(safety))
    counted = None
    cap = conv.ladder.active("cap", now)
    if cap is not None:
        counted = check_cap(cap, conv.cap_window, conv.cap_count, now, tz)
        if not counted.allowed:
            raise MessageLimitReached(
                f"You have sent the {cap.limit} message{'s' if cap.limit != 1 else ''} you agreed with your team for "
                f"this {cap.period}, so this one was not sent. You can send more "
                f"{'from tomorrow' if cap.period == 'day' else 'from Monday'}. {_urgent_sentence(safety)}",
                field="body", **_routes_detail(safety))
    return Gate((), counted, not conv.waiting and safety.daily_new_limit is not None)


def when_text_tz(when: datetime, now: datetime, tz: str) -> str:
    """A time in the team's timezone as a young person reads it ("tomorrow at midnight")."""
    return humanise(when, now, tz)


# --- the automatic reply a message earns ---------------------------------------------------------------------------


def red_flag_lead(safety: SafetyPolicy, flags: tuple[str, ...], *, open_now: bool) -> str:
    """How a red-flag reply starts: the line to ring now, before anything else."""
    if any(is_crisis(f) for f in flags):
        own = safety.first_line
        also = f" You can also ring the {own.name} on {own.phone}." if own else ""
        first = ("It sounds like things are really hard right now. If you might act on these thoughts, or you are not "
                 "safe, call 999 or go to A&E now. You can talk to someone any time: text SHOUT to 85258, call "
                 f"Samaritans on 116 123, or Childline on 0800 1111 (under 19).{also}")
    else:
        condition = next(f for f in flags if not is_crisis(f))
        line = safety.first_line
        ring = (f"Ring the {line.name} now on {line.phone}." if line
                else "Call NHS 111 now, or 999 if you are very unwell.")
        first = f"{safety.advice_for(condition)} {ring} If you are very unwell or in danger, call 999."
    seen = ("The team is open and will see it soon, but do not wait for a reply if you need help now." if open_now
            else "The team is closed now, so do not wait for a reply: use the numbers above.")
    return f"{first} Your message has been marked as urgent for the team. {seen}"


def busy_text(team_name: str) -> str:
    return (f"Thanks for your message. The {team_name} team has had more new messages today than it can safely "
            "answer, so yours will be looked at with tomorrow's messages. Your message is safe. If it cannot wait, "
            "use the numbers below.")


def next_day_start(now: datetime, tz: str) -> datetime:
    """Local midnight tonight: a message past the team's daily cap counts with tomorrow's."""
    return window_ends("day", now, tz)


def plan_reply(policy: TeamPolicy, safety: SafetyPolicy, gate: Gate, *, assigned_staff_id: str | None,
               last_auto_key: str | None, team_full: bool, now: datetime,
               contact: tuple[str, str] | None = None) -> Intake:
    """The reply-by and automatic reply for a message the gate let through (``contact``: the rota's named
    contact, as ``domain.intake.plan_intake`` takes it)."""
    routes = safety.routes
    if gate.red_flags:
        base = plan_intake(policy, assigned_staff_id=assigned_staff_id, last_auto_key=last_auto_key, now=now,
                           contact=contact, routes=routes)
        rest = base.auto_text or auto_reply.safety_footer(when_text(policy, base.reply_by, now), routes)
        lead = red_flag_lead(safety, gate.red_flags, open_now=base.status.open)
        return Intake(base.status, base.reply_by, RED_FLAG, base.auto_key, f"{lead}\n\n{rest}")
    if team_full and gate.opens_conversation:
        status = status_at(policy.availability, now)
        due = reply_by(policy.availability, next_day_start(now, policy.timezone))
        due_text = when_text(policy, due, now)
        key = f"{BUSY}:{next_day_start(now, policy.timezone).date().isoformat()}"
        if key == last_auto_key:
            return Intake(status, due, None, None, None)
        text = f"{busy_text(policy.team_name)}\n\n{auto_reply.safety_footer(due_text, routes)}"
        return Intake(status, due, BUSY, key, text)
    return plan_intake(policy, assigned_staff_id=assigned_staff_id, last_auto_key=last_auto_key, now=now,
                       contact=contact, routes=routes)
