"""What is stored, read the way a test asks about it: by what it is, never by how its key is spelled.

Tests assert on the database as well as on responses ("the message is stored once", "nothing was
created", "the token is not kept"). They ask here, and only this module knows the key layout, through
``chalicelib.models``' own readers and key builders, so a change of layout changes one place.

Three kinds of reader:

* items by what they are: :func:`conversation`, :func:`messages`, :func:`guard`, :func:`team`,
  :func:`member`, :func:`staff`, :func:`patient`, :func:`session`, :func:`subscription`,
  :func:`invite`, :func:`invited_row`... (``None`` when absent) and lists: :func:`sessions_of`,
  :func:`subscriptions`, :func:`invites`, :func:`rate_counters`, :func:`patient_list_rows`;
* counts and owners, for "nothing was created": :func:`items_in_conversation`, :func:`items_in_team`,
  :func:`username_owner`, :func:`nhs_number_owner`; and :func:`everything_stored`, for "this secret
  appears nowhere";
* audit rows: :func:`audit_by_staff`, :func:`audit_by_patient` (what they did) and
  :func:`audit_about_patient` (what touched their data);
* another DynamoDB than the one PynamoDB is bound to, read with plain botocore: :func:`raw_keys`,
  :func:`raw_item`.

Import it only after the environment names the DynamoDB to use: it imports ``chalicelib``.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.ids import normalise_invite_code, token_hash
from chalicelib.models import conversation as conversation_store
from chalicelib.models import db, keys
from chalicelib.models import safety as safety_store
from chalicelib.models.audit import AuditEvent
from chalicelib.models.base import AuditItem, MainItem
from chalicelib.models.conversation import ClientMessageItem, ConversationItem, MessageItem
from chalicelib.models.invite import InviteItem, get_invite
from chalicelib.models.patient_list import InviteeItem
from chalicelib.models.people import (
    PatientItem,
    StaffItem,
    UsernameItem,
    get_patient,
    get_staff,
    patient_id_by_nhs_number,
)
from chalicelib.models.push import PushSubscriptionItem, subscriptions_of
from chalicelib.models.ratelimit import RateCounterItem
from chalicelib.models.safety import AgreementVersionItem, SafetyStepItem
from chalicelib.models.session import SessionItem
from chalicelib.models.session import sessions_of as actor_sessions
from chalicelib.models.team import TeamItem, TeamMemberItem, get_team, trust_teams

# --- conversations ---------------------------------------------------------------------------------------


def conversation(team_id: str, patient_id: str) -> ConversationItem | None:
    """The conversation between a team and a patient, read consistently."""
    return conversation_store.load(team_id, patient_id)


def messages(team_id: str, patient_id: str) -> list[MessageItem]:
    """Every message of the conversation, oldest first (auto-replies included)."""
    found = MessageItem.query(keys.conversation_pk(team_id, patient_id), MessageItem.sk.startswith(keys.MESSAGE_PREFIX))
    return [m for m in found if isinstance(m, MessageItem)]


def notes(team_id: str, patient_id: str) -> list[Any]:
    """Every staff-only note and workflow event of the conversation, oldest first."""
    from chalicelib.models.notes import notes_between

    return notes_between(team_id, patient_id, None, None)


def view_count(team_id: str, view: str) -> int:
    """A team's stored count of one inbox view (``new``, ``mine#<staff>``...): 0 when none is stored."""
    from chalicelib.models.inbox import ViewCountItem

    item = db.get(keys.view_count(team_id, view), ViewCountItem, consistent=True)
    return int(item.n) if item else 0


def rota_month(team_id: str, month: str) -> Any:
    """A team's rota item for ``YYYY-MM`` (draft and published), or None."""
    from chalicelib.models.rota import RotaMonthItem

    return db.get(keys.rota_month(team_id, month), RotaMonthItem, consistent=True)


def rota_notice(team_id: str, month: str, version: int) -> Any:
    """The push notice a publication of ``YYYY-MM`` (its ``version``) left for the stream, or None."""
    from chalicelib.models.rota import RotaNoticeItem

    return db.get(keys.rota_notice(team_id, month, version), RotaNoticeItem, consistent=True)


def guard(team_id: str, patient_id: str, client_id: str) -> ClientMessageItem | None:
    """The idempotency guard stored for one client message id."""
    found: ClientMessageItem | None = db.get(keys.client_message(team_id, patient_id, client_id), ClientMessageItem)
    return found


def items_in_conversation(team_id: str, patient_id: str) -> int:
    """How many items the conversation's partition holds: its record, its messages and their guards."""
    return MainItem.count(keys.conversation_pk(team_id, patient_id))


# --- safety (issue 10) ------------------------------------------------------------------------------------


def safety_steps(team_id: str, patient_id: str) -> list[SafetyStepItem]:
    """One young person's misuse-ladder steps with a team, newest first."""
    return safety_store.steps_of(team_id, patient_id)


def agreement_versions(team_id: str) -> list[AgreementVersionItem]:
    """Every published version of a team's agreement, newest first."""
    return safety_store.agreement_versions(team_id)


def teams_of_trust(trust_id: str) -> list[TeamItem]:
    """Every team of a Trust, by name."""
    return trust_teams(trust_id)


def intake_taken(team_id: str, day: str) -> int:
    """New conversations a team took on one local day (``YYYY-MM-DD``) under its daily cap."""
    return safety_store.intake_today(team_id, f"day:{day}")


# --- teams and people ------------------------------------------------------------------------------------


def team(team_id: str) -> TeamItem | None:
    """A team's record (its policy, away periods, overdue count...)."""
    return get_team(team_id)


def items_in_team(team_id: str) -> int:
    """How many items the team's partition holds: its record and its roster."""
    return MainItem.count(keys.team_pk(team_id))


def member(team_id: str, staff_id: str) -> TeamMemberItem | None:
    """A staff member's entry in a team's roster."""
    found: TeamMemberItem | None = db.get(keys.team_member(team_id, staff_id), TeamMemberItem)
    return found


def staff(staff_id: str) -> StaffItem | None:
    """A staff member's record."""
    return get_staff(staff_id)


def patient(patient_id: str) -> PatientItem | None:
    """A patient's record."""
    return get_patient(patient_id)


def nhs_number_owner(trust_id: str, number: str) -> str | None:
    """The id of the patient an NHS number belongs to in a Trust, or None if it is nobody's."""
    return patient_id_by_nhs_number(trust_id, number)


def username_owner(username: str) -> str | None:
    """The id of the patient a username is reserved for, or None if nobody holds it."""
    link = db.get(keys.patient_username(username), UsernameItem)
    return link.patient_id if isinstance(link, UsernameItem) else None


def invited_row(team_id: str, patient_id: str) -> InviteeItem | None:
    """The patient list's row for a patient invited to a team who has not joined it."""
    found: InviteeItem | None = db.get(keys.team_invitee(team_id, patient_id), InviteeItem)
    return found


def patient_list_rows(team_id: str) -> list[ConversationItem | InviteeItem]:
    """Every row of a team's patient list (joined, invited, discharged), by name: the whole index, for tests."""
    return [row for row in MainItem.by_gsi3.query(keys.team_patients(team_id))
            if isinstance(row, ConversationItem | InviteeItem)]


# --- sign-in, invites, devices ---------------------------------------------------------------------------


def session(hashed_token: str) -> SessionItem | None:
    """The session stored under the SHA-256 of its token."""
    found: SessionItem | None = db.get(keys.session(hashed_token), SessionItem)
    return found


def sessions_of(actor_id: str) -> list[SessionItem]:
    """Every session one person has (one per signed-in device)."""
    return actor_sessions(actor_id)


def rate_counters(scope: str, subject: str) -> list[RateCounterItem]:
    """One subject's counters for one limit (one per window it was counted in)."""
    pk, _ = keys.rate_counter(scope, subject, "")
    return [c for c in RateCounterItem.query(pk) if isinstance(c, RateCounterItem)]


def invite(code: str) -> InviteItem | None:
    """The invite a code (as typed or shown) opens: stored under the hash of the normalised code."""
    return get_invite(token_hash(normalise_invite_code(code)))


def invites() -> list[InviteItem]:
    """Every invite in the table (a Scan: test tables are small)."""
    return [i for i in InviteItem.scan() if isinstance(i, InviteItem)]


def subscription(actor_id: str, device_id: str) -> PushSubscriptionItem | None:
    """One device's push subscription."""
    found: PushSubscriptionItem | None = db.get(keys.push_subscription(actor_id, device_id), PushSubscriptionItem)
    return found


def subscriptions(actor_id: str) -> list[PushSubscriptionItem]:
    """Every device one person subscribed for notifications."""
    return subscriptions_of(actor_id)


# --- audit -----------------------------------------------------------------------------------------------


def audit_by_staff(staff_id: str) -> list[AuditEvent]:
    """Everything a staff member did (every page of it), oldest first."""
    return list(AuditEvent.by_actor.query(keys.audit_actor("staff", staff_id)))


def audit_by_patient(patient_id: str) -> list[AuditEvent]:
    """Everything a patient did themselves (signing in and out...), oldest first."""
    return list(AuditEvent.by_actor.query(keys.audit_actor("patient", patient_id)))


def audit_about_patient(patient_id: str) -> list[AuditEvent]:
    """Everything that touched a patient's data, whoever did it, oldest first."""
    return list(AuditEvent.by_subject.query(keys.audit_subject(patient_id)))


# --- everything ------------------------------------------------------------------------------------------


def everything_stored() -> str:
    """Every item of both tables as JSON text: to show a secret is stored nowhere (a Scan of each table)."""
    return json.dumps([item.serialize() for item in MainItem.scan()]) + json.dumps(
        [item.serialize() for item in AuditItem.scan()])


# --- another DynamoDB, read with plain botocore ------------------------------------------------------------


class RawKeys(frozenset[tuple[str, str]]):
    """Every (pk, sk) of a main table, as a set, with questions about what is among them."""

    def has_trust(self, trust_id: str) -> bool:
        """The Trust's record is among them."""
        return keys.trust(trust_id) in self

    def has_rate_counter(self, scope: str, subject: str) -> bool:
        """Some attempt by ``subject`` was counted against the limit called ``scope``."""
        partition, _ = keys.rate_counter(scope, subject, "")
        return any(pk.startswith(partition) for pk, _ in self)


def _client(endpoint: str) -> Any:
    """A plain botocore DynamoDB client for ``endpoint``: independent of PynamoDB's cached connection."""
    import botocore.session

    return botocore.session.get_session().create_client(
        "dynamodb", endpoint_url=endpoint, region_name="eu-west-2",
        aws_access_key_id="testing", aws_secret_access_key="testing")


def _main_table() -> str:
    from chalicelib.settings import get_settings

    return get_settings().main_table


def raw_keys(endpoint: str) -> RawKeys:
    """Every (pk, sk) in the main table of the DynamoDB at ``endpoint`` (following Scan pages)."""
    client = _client(endpoint)
    found: set[tuple[str, str]] = set()
    kwargs: dict[str, Any] = {"TableName": _main_table(), "ProjectionExpression": "pk, sk"}
    while True:
        page = client.scan(**kwargs)
        found |= {(item["pk"]["S"], item["sk"]["S"]) for item in page["Items"]}
        if "LastEvaluatedKey" not in page:
            return RawKeys(found)
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def raw_item(endpoint: str, key: tuple[str, str]) -> dict[str, Any]:
    """One main-table item, in DynamoDB's own attribute-value form, from the DynamoDB at ``endpoint``."""
    pk, sk = key
    return dict(_client(endpoint).get_item(TableName=_main_table(), Key={"pk": {"S": pk}, "sk": {"S": sk}})["Item"])


def team_conversations(team_id: str) -> list[ConversationItem]:
    """Every conversation of a team (by patient name; the list's invited rows left out)."""
    from chalicelib.models.patient_list import whole_list

    return [row for row in whole_list(team_id) if isinstance(row, ConversationItem)]


# --- workload counters -----------------------------------------------------------------------------------


def team_days(team_id: str, first: Any, last: Any) -> list[Any]:
    """A team's workload counters for each day from ``first`` to ``last`` that has any (``DayFigures``)."""
    from chalicelib.models.stats import team_days as read

    return read(team_id, first, last)
