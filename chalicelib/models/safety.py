"""Safety's own items: misuse-ladder steps, published agreement versions, a team's daily intake counter; and the
team's parsed safety settings, cached per policy version like the rest of its policy.

* A **step** (``STEP#<at>#<id>`` in the conversation's partition) records each rung of the misuse ladder: who, when,
  why, until when. The conversation holds what is in force (``ConversationItem.misuse``), so a send reads it with
  the conversation; the steps are the history the young person and the team see, and a stream consumer can count
  them (the workload dashboard).
* An **agreement version** (``AGREEMENT#<version>`` in the team's partition) keeps every published text, so what a
  patient agreed to can always be read back. The team item holds the current one.
* The **intake counter** (``INTAKE#<local day>`` in the team's partition) counts new conversations a day for the
  team's cap; the send transaction adds one under a ``count < cap`` condition, so the cap holds however many
  patients write at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.domain.agreement import Agreement
from chalicelib.domain.team_safety import SafetyPolicy, build_safety
from chalicelib.ids import new_id
from chalicelib.models import keys
from chalicelib.models.base import MainItem
from chalicelib.models.db import get, storage
from chalicelib.models.team import TeamItem, per_policy_version

STEPS_SHOWN = 50
INTAKE_KEPT = timedelta(days=3)


class SafetyStepItem(MainItem, discriminator="safety_step"):
    """One rung of the misuse ladder, or its ending, for one young person in one team."""

    step_id = UnicodeAttribute()
    team_id = UnicodeAttribute()
    patient_id = UnicodeAttribute()
    step = UnicodeAttribute()  # reminder | plan | cap | pause | plan_ended | cap_lifted | pause_lifted
    reason = UnicodeAttribute(default="")
    review_at = UTCDateTimeAttribute(null=True)
    #: What was agreed: {"text", "limit", "period"} as the step has them.
    detail = JSONAttribute(null=True)
    by_id = UnicodeAttribute()
    by_name = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    #: The line posted in the conversation for this step (the young person sees every step).
    message_id = UnicodeAttribute(null=True)


class AgreementVersionItem(MainItem, discriminator="agreement_version"):
    """One published version of a team's communication agreement, kept for the record."""

    team_id = UnicodeAttribute()
    version = NumberAttribute()
    texts = JSONAttribute(null=True)
    published_at = UTCDateTimeAttribute()
    published_by = UnicodeAttribute(default="")


class TeamIntakeItem(MainItem, discriminator="team_intake"):
    """How many new conversations a team has taken on one local day (its daily cap)."""

    team_id = UnicodeAttribute(null=True)
    day = UnicodeAttribute(null=True)
    taken = NumberAttribute(default=0)


# --- building ----------------------------------------------------------------------------------------------


def new_step(team_id: str, patient_id: str, *, step: str, at: datetime, by_id: str, by_name: str, reason: str = "",
             review_at: datetime | None = None, detail: dict[str, Any] | None = None,
             message_id: str | None = None) -> SafetyStepItem:
    """A ladder step (not saved): services put it in the transaction that makes the change."""
    step_id = new_id(at)
    return SafetyStepItem(*keys.safety_step(team_id, patient_id, at, step_id), step_id=step_id, team_id=team_id,
                          patient_id=patient_id, step=step, reason=reason, review_at=review_at, detail=detail,
                          by_id=by_id, by_name=by_name, at=at, message_id=message_id)


def new_agreement_version(team_id: str, agreement: Agreement) -> AgreementVersionItem:
    """The record of a published agreement (not saved)."""
    return AgreementVersionItem(*keys.agreement_version(team_id, agreement.version), team_id=team_id,
                                version=agreement.version, texts=agreement.texts or None,
                                published_at=agreement.published_at, published_by=agreement.published_by)


def intake_counter(team_id: str, day: str) -> TeamIntakeItem:
    """The team's counter for one local day, by key (the send transaction updates it)."""
    return TeamIntakeItem(*keys.team_intake(team_id, day))


def intake_actions(team_id: str, day: str, now: datetime) -> list[Any]:
    """Count one more new conversation (the item is created by the first; TTL cleans old days up)."""
    return [TeamIntakeItem.taken.add(1), TeamIntakeItem.team_id.set(team_id), TeamIntakeItem.day.set(day),
            TeamIntakeItem.kind.set(TeamIntakeItem), TeamIntakeItem.expires_at.set(now + INTAKE_KEPT)]


def intake_has_room(limit: int) -> Any:
    """The condition that keeps the count at or under the cap, however many sends race for the last place."""
    return TeamIntakeItem.taken.does_not_exist() | (TeamIntakeItem.taken < limit)


# --- reading ---------------------------------------------------------------------------------------------------


def steps_of(team_id: str, patient_id: str, *, limit: int = STEPS_SHOWN) -> list[SafetyStepItem]:
    """One young person's ladder steps with a team, newest first (one Query in the conversation's partition)."""
    with storage():
        return [s for s in SafetyStepItem.query(keys.conversation_pk(team_id, patient_id),
                                                SafetyStepItem.sk.startswith(keys.SAFETY_STEP_PREFIX),
                                                scan_index_forward=False, limit=limit)
                if isinstance(s, SafetyStepItem)]


def agreement_versions(team_id: str) -> list[AgreementVersionItem]:
    """Every published version of a team's agreement, newest first (one Query in the team's partition)."""
    with storage():
        return [a for a in AgreementVersionItem.query(keys.team_pk(team_id),
                                                      AgreementVersionItem.sk.startswith(keys.AGREEMENT_PREFIX),
                                                      scan_index_forward=False)
                if isinstance(a, AgreementVersionItem)]


def intake_today(team_id: str, day: str) -> int:
    """New conversations the team has taken on ``day`` (GetItem)."""
    item: TeamIntakeItem | None = get(keys.team_intake(team_id, day), TeamIntakeItem)
    return int(item.taken or 0) if item else 0


# --- the parsed settings -----------------------------------------------------------------------------------------

_settings: dict[tuple[str, int], SafetyPolicy] = {}


def team_safety(team: TeamItem) -> SafetyPolicy:
    """The team's safety settings, parsed once per (team, policy version) per container (like ``team_policy``)."""
    return per_policy_version(_settings, team, lambda: build_safety(team.safety, team.trust_lines, team.agreement))
