"""Who is told about a stored message. Pure: the caller loads the team's policy, roster and conversation.

"Should we notify?" is a chain of named rules, as in Mastodon's notify service:

* ``is_notifiable``: only new patient and clinician messages; automatic replies never notify.
* A clinician's reply notifies the patient, on every device they subscribed; so does a line Teamline
  itself posts about their account (a recovery), so a recovery nobody asked for is noticed.
* A patient's message notifies the team's clinicians who are on shift (the team is open) and not
  away; an urgent conversation (a red flag, or a clinician said so) notifies them whatever the time
  when the team has someone on call. The sender is never notified: a
  patient's own message only goes to staff, and a clinician's only to the patient.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from chalicelib.domain.availability import status_at
from chalicelib.domain.policy import TeamPolicy


class Recipient(NamedTuple):
    """One person to notify and the wording they get."""

    actor_id: str
    audience: str  # patient | staff


def is_notifiable(sender_kind: str) -> bool:
    """New patient and clinician messages, and Teamline's own notices to the patient, notify; auto-replies never do."""
    return sender_kind in ("patient", "staff", "system")


def needs_team(sender_kind: str) -> bool:
    """Whether deciding needs the team's policy and roster (only a patient's message does)."""
    return sender_kind == "patient"


def on_shift(policy: TeamPolicy, now: datetime) -> bool:
    """Clinicians are on shift while their team is open."""
    return status_at(policy.availability, now).open


def staff_to_notify(policy: TeamPolicy, members: Iterable[str], *, urgent: bool, now: datetime,
                    rota_on_shift: set[str] | None = None, on_call: bool = True) -> list[Recipient]:
    """The team's clinicians to tell about a patient's message: on shift (or urgent, when someone is on call) and
    not away. ``on_call`` is the team's safety setting: without anyone on call, nobody is woken out of hours.

    Where the rota names a contact today (``rota_on_shift`` is not None), only who it puts on shift
    now is on shift: the named contact within their hours, or their cover.
    """
    if not on_shift(policy, now) and not (urgent and on_call):
        return []
    return [Recipient(staff_id, "staff") for staff_id in members if policy.away_now(staff_id, now) is None
            and (urgent or rota_on_shift is None or staff_id in rota_on_shift)]


def patient_to_notify(patient_id: str) -> list[Recipient]:
    """A clinician's reply goes to the patient."""
    return [Recipient(patient_id, "patient")]
