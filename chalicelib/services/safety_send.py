"""Safety inside a young person's send: the gate, the urgent flag, the caps' counters and the reply, in one transaction.

``services.sending`` calls :func:`prepare` on every attempt of a send (so a retry after a lost race decides afresh)
and folds what it returns into the send's own TransactWriteItems. Nothing here reads DynamoDB: the phrase lists and
settings come with the team (cached per policy version), the agreement, ladder and cap counter with the
conversation, all from the send's one BatchGetItem. So a send stays two round trips, red flag or not.

* **Per-patient cap**: the count lives on the conversation, which every send already updates under a revision
  condition; the update also carries ``cap_count < limit`` for the window it counts in. N sends racing at cap − 1:
  one commits, the others lose the revision race, reload and are refused (``tests/functional/test_safety_send.py``).
* **Team cap**: a counter item per local day, updated in the same transaction under ``taken < limit``. The send
  that finds it full fails that one condition; it is retried as "full" (a busy reply, no count), and this container
  remembers the day is full, so later sends plan it straight away and do not pay the failed attempt again.
* **Red flags** are never counted against either cap, and never refused by a pause.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from pynamodb.exceptions import TransactWriteError

from chalicelib.domain import send_gate
from chalicelib.domain.conversation import Change
from chalicelib.domain.intake import Intake
from chalicelib.domain.misuse import Ladder, window_key
from chalicelib.models import db
from chalicelib.models import safety as safety_store
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.safety import team_safety
from chalicelib.models.team import team_policy
from chalicelib.scopes import PatientConversation

INTAKE_LABEL = "team_intake"
_full_days: set[tuple[str, str, int]] = set()


class SafeSend(NamedTuple):
    """What safety adds to one send: the gate's verdict, the reply, and the intake day to count (if any)."""

    gate: send_gate.Gate
    intake: Intake
    intake_day: str | None
    daily_limit: int


def conversation_safety(conv: ConversationItem) -> send_gate.ConversationSafety:
    """The fields of a loaded conversation the gate reads."""
    return send_gate.ConversationSafety(
        None if conv.agreement_version is None else int(conv.agreement_version), Ladder.from_stored(conv.misuse),
        conv.cap_window, int(conv.cap_count or 0), conv.waiting_since is not None)


def prepare(pc: PatientConversation, conv: ConversationItem, text: str, now: Any,
            contact: tuple[str, str] | None = None) -> SafeSend:
    """Check the message (raising the refusal a young person sees) and plan its reply; pure apart from the memo.

    ``contact`` is the rota's named contact (label, when they will see it) for auto-reply wording."""
    policy = team_policy(pc.team)
    safety = team_safety(pc.team)
    gate = send_gate.check(safety, conversation_safety(conv), text, now, policy.timezone)
    limit = safety.daily_new_limit or 0
    day = window_key("day", now, policy.timezone)
    full = gate.opens_conversation and (pc.team.team_id, day, limit) in _full_days
    intake = send_gate.plan_reply(policy, safety, gate, assigned_staff_id=conv.assigned_staff_id,
                                  last_auto_key=conv.last_auto_reply_key, team_full=full, now=now, contact=contact)
    counts = gate.opens_conversation and not full
    return SafeSend(gate, intake, day if counts else None, limit)


def with_safety(change: Change, safe: SafeSend, conv: ConversationItem) -> Change:
    """The conversation's change plus what safety sets: urgent for a red flag, the cap's window and count."""
    extra: dict[str, Any] = {}
    if safe.gate.red_flags:
        extra["urgent"] = True
        if conv.red_flag_since is None:  # the oldest unanswered red flag: the dashboard times the reply from it
            extra["red_flag_since"] = change.set["last_activity_at"]
    if safe.gate.counted is not None:
        extra.update(cap_window=safe.gate.counted.window, cap_count=safe.gate.counted.count_after)
    return change._replace(set={**change.set, **extra}) if extra else change


def condition(base: Any, conv: ConversationItem, safe: SafeSend) -> Any:
    """The conversation update's condition, with the cap's own: never past the limit in this window."""
    counted = safe.gate.counted
    if counted is None:
        return base
    return base & (ConversationItem.cap_window.does_not_exist() | (ConversationItem.cap_window != counted.window)
                   | (ConversationItem.cap_count < counted.limit))


def count_intake(tx: db.Transaction, safe: SafeSend, team_id: str, now: Any) -> None:
    """Add one to the team's new conversations today, under the cap's condition (no-op when it does not count)."""
    if safe.intake_day is None:
        return
    tx.update(safety_store.intake_counter(team_id, safe.intake_day),
              actions=safety_store.intake_actions(team_id, safe.intake_day, now),
              condition=safety_store.intake_has_room(safe.daily_limit), label=INTAKE_LABEL)


@contextmanager
def transaction(team_id: str, safe: SafeSend) -> Iterator[db.Transaction]:
    """The send's transaction; if it fails because the team is full today, remember that so the retry plans a busy
    reply (the send service retries any failed condition after reloading the conversation)."""
    tx = db.transaction()
    try:
        with tx:
            yield tx
    except TransactWriteError as error:
        if safe.intake_day is not None and INTAKE_LABEL in tx.failed_labels(error):
            if len(_full_days) > 1000:
                _full_days.clear()
            _full_days.add((team_id, safe.intake_day, safe.daily_limit))
        raise


def flags(safe: SafeSend) -> list[str] | None:
    """What a message stores as its red flags (None when it has none)."""
    return list(safe.gate.red_flags) or None


def audit_detail(auto_kind: str | None, safe: SafeSend) -> dict[str, Any] | None:
    """Ids and codes for the send's audit row: the auto-reply kind, the red-flag categories (never the text)."""
    detail: dict[str, Any] = {}
    if auto_kind:
        detail["auto_reply"] = auto_kind
    if safe.gate.red_flags:
        detail["red_flags"] = list(safe.gate.red_flags)
    return detail or None
