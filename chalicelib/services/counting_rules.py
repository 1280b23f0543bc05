"""What counts on the workload dashboard: one registry of pure rules, from a stored item to what it adds.

Each rule looks at one newly stored item (as its PynamoDB class, built from the stream record's new
image) and the team's policy, and returns a ``Tally``: the counters it adds to, the samples it records
(a reply time) and the labels it sets (how a clinician is named), on the local day of ``Tally.at``.
Rules do no I/O; ``services.counting`` runs them over every stream batch (and the backfill over
every stored message) and keeps the team's day counters, so a new figure is one rule added here.

A rule registered before the work that feeds it has landed returns nothing, with ``recording=False``: the
dashboard shows its panel as "not recorded yet" rather than as zeros (every rule records today).
Counter names live in ``chalicelib.domain.workload``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import NamedTuple

from chalicelib.domain import workload as w
from chalicelib.domain.availability import status_at
from chalicelib.domain.policy import TeamPolicy
from chalicelib.models.base import MainItem
from chalicelib.models.conversation import MessageItem
from chalicelib.models.notes import NoteItem
from chalicelib.models.safety import SafetyStepItem


class Tally(NamedTuple):
    """What one stored item adds to its team's day (the local day of ``at`` in the team's timezone)."""

    team_id: str
    at: datetime
    counts: Mapping[str, int]
    samples: Mapping[str, list[int]] = {}
    labels: Mapping[str, str] = {}


class Rule(NamedTuple):
    """A named rule, the item classes it looks at, and whether it records anything yet."""

    name: str
    kinds: tuple[type[MainItem], ...]
    measure: Callable[[MainItem, TeamPolicy], Tally | None]
    recording: bool = True


def _message(item: MainItem, sender: str) -> MessageItem | None:
    return item if isinstance(item, MessageItem) and item.sender_kind == sender else None


def patient_messages(item: MainItem, policy: TeamPolicy) -> Tally | None:
    """A patient's message: one in, and one "arrived while closed" if the team was not open at that moment.

    Closed means anything but open at the message's time by the team's current policy: out of hours, a bank
    holiday, a closure or a pause (the backfill uses the policy of the day it runs).
    """
    message = _message(item, "patient")
    if message is None:
        return None
    closed = not status_at(policy.availability, message.sent_at).open
    return Tally(message.team_id, message.sent_at, {w.MESSAGES_IN: 1, w.MESSAGES_IN_CLOSED: int(closed)})


def staff_replies(item: MainItem, policy: TeamPolicy) -> Tally | None:
    """A clinician's reply: one out, one for that clinician, and how the clinician is named."""
    message = _message(item, "staff")
    if message is None or not message.sender_id:
        return None
    return Tally(message.team_id, message.sent_at, {w.MESSAGES_OUT: 1, w.REPLIED_PREFIX + message.sender_id: 1},
                 labels={w.NAME_PREFIX + message.sender_id: message.sender_label or "A colleague"})


def reply_times(item: MainItem, policy: TeamPolicy) -> Tally | None:
    """A reply that answered a waiting conversation: its reply time, and whether it met the reply-by.

    ``answers_since`` (set by ``services.sending`` when a reply answers) is when the oldest unanswered
    patient message arrived; ``reply_by`` on the reply is the reply-by it answered.
    """
    message = _message(item, "staff")
    if message is None or message.answers_since is None:
        return None
    seconds = max(0, int(round((message.sent_at - message.answers_since).total_seconds())))
    in_target = message.reply_by is not None and message.sent_at <= message.reply_by
    return Tally(message.team_id, message.sent_at, {w.ANSWERED: 1, w.ANSWERED_IN_TARGET: int(in_target)},
                 samples={w.REPLY_SECONDS: [seconds]})


def auto_replies(item: MainItem, policy: TeamPolicy) -> Tally | None:
    """An automatic reply, by kind (out of hours, bank holiday, closure, paused, named clinician away)."""
    message = _message(item, "auto")
    if message is None or not message.auto_kind:
        return None
    return Tally(message.team_id, message.sent_at, {w.AUTO_PREFIX + message.auto_kind: 1})


def claims_and_escalations(item: MainItem, policy: TeamPolicy) -> Tally | None:
    """Each clinician's load from the inbox workflow: a conversation that became theirs (they claimed it, a
    colleague assigned it, or the rota routed it to them) adds ``claimed:<staff id>``; one escalated to them
    adds ``escalated:<staff id>``. The workflow's staff-only event note carries who it went to."""
    if not isinstance(item, NoteItem) or not item.subject_id or item.step not in _STEP_COUNTERS:
        return None
    label = {w.NAME_PREFIX + item.subject_id: item.subject_label} if item.subject_label else {}
    return Tally(item.team_id, item.at, {_STEP_COUNTERS[item.step] + item.subject_id: 1}, labels=label)


_STEP_COUNTERS = {"assigned": w.CLAIMED_PREFIX, "escalated": w.ESCALATED_PREFIX}


def red_flags_answered(item: MainItem, policy: TeamPolicy) -> Tally | None:
    """Red-flag messages and how fast they were answered.

    A patient's message that matched a red flag (``red_flags``, set at send) counts ``red_flag``; the clinician's
    reply that answered it (``answers_red_flag_since``: when the oldest unanswered red-flag message arrived)
    records its reply time in ``red_flag_reply`` seconds.
    """
    if not isinstance(item, MessageItem):
        return None
    if item.sender_kind == "patient" and item.red_flags:
        return Tally(item.team_id, item.sent_at, {w.RED_FLAGS: 1})
    if item.sender_kind == "staff" and item.answers_red_flag_since is not None:
        seconds = max(0, int(round((item.sent_at - item.answers_red_flag_since).total_seconds())))
        return Tally(item.team_id, item.sent_at, {}, samples={w.RED_FLAG_REPLY_SECONDS: [seconds]})
    return None


def misuse_steps(item: MainItem, policy: TeamPolicy) -> Tally | None:
    """Steps of the misuse ladder taken that day: an agreed plan, a cap, a pause (``misuse_plan``,
    ``misuse_capped``, ``misuse_paused``). Reminders and endings are not counted."""
    if not isinstance(item, SafetyStepItem) or item.step not in _LADDER_COUNTERS:
        return None
    return Tally(item.team_id, item.at, {_LADDER_COUNTERS[item.step]: 1})


_LADDER_COUNTERS = {"plan": w.MISUSE_PLAN, "cap": w.MISUSE_CAPPED, "pause": w.MISUSE_PAUSED}


_MESSAGES: tuple[type[MainItem], ...] = (MessageItem,)

#: Every rule, in the order they run. A later piece of work adds or fills its rule here, and nowhere else.
RULES: list[Rule] = [
    Rule("patient_messages", _MESSAGES, patient_messages),
    Rule("staff_replies", _MESSAGES, staff_replies),
    Rule("reply_times", _MESSAGES, reply_times),
    Rule("auto_replies", _MESSAGES, auto_replies),
    Rule("claims_and_escalations", (NoteItem,), claims_and_escalations),
    Rule("red_flags_answered", _MESSAGES, red_flags_answered),
    Rule("misuse_steps", (SafetyStepItem,), misuse_steps),
]


def watched(item: MainItem) -> bool:
    """True when some rule looks at items of this kind (the others are not even loaded a team for)."""
    return any(isinstance(item, rule.kinds) for rule in RULES) and bool(getattr(item, "team_id", None))


def tallies(item: MainItem, policy: TeamPolicy) -> list[Tally]:
    """What every rule makes of one stored item."""
    found = [rule.measure(item, policy) for rule in RULES if isinstance(item, rule.kinds)]
    return [tally for tally in found if tally is not None]


def recording(name: str) -> bool:
    """Whether the named rule records anything yet (a dashboard panel without data says so)."""
    return any(rule.name == name and rule.recording for rule in RULES)
