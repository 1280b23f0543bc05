"""Bring a table written before the patient list's indexes up to date: run once after upgrading.

Before the patient list (issue 15) a conversation was listed by name only (gsi3) and carried no date
of birth or NHS number, and an invite left no row for a patient who had not joined. Without this, such
a conversation is missing from the newest-first list until its next message and from every birthday
search, and such an invite is not shown at all. ``do_upgrade`` fills in, and can be run again safely:

* each conversation without a date of birth gets its patient's date of birth and NHS number and its
  gsi7/gsi8 entries (one conditional update each: a conversation that gained them meanwhile is left);
* each live, unused invite to join gets an invited row, unless the patient has joined that team. Its
  name and birthday come from the patient record the invite made, which holds what the clinician
  typed; an invite for someone already registered elsewhere ("add_team") is skipped, because the
  clinician's typing was never stored and the registered record must not be shown in its place.

It is an operator's command (``python -m scripts.upgrade_patient_list``), not a request path: it reads
every team's whole list and scans the table once for invites. Nobody's data is disclosed or changed
(copies for the indexes only), so it writes no audit rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from pynamodb.exceptions import PynamoDBException

from chalicelib.models import db, keys
from chalicelib.models import patient_list as store
from chalicelib.models import team as team_store
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.people import PatientItem


class UpgradeResult(NamedTuple):
    """How many rows the upgrade completed or added."""

    conversations: int
    invited: int


def do_upgrade(now: datetime) -> UpgradeResult:
    """Complete every team's older conversations and add rows for older invites (idempotent)."""
    conversations = sum(_complete_team(team.team_id) for trust in team_store.all_trusts()
                        for team in team_store.trust_teams(trust.trust_id))
    return UpgradeResult(conversations, _list_older_invites(now))


def _complete_team(team_id: str) -> int:
    older = [row for row in store.whole_list(team_id) if isinstance(row, ConversationItem) and not row.date_of_birth]
    patients = db.batch_get([keys.patient(conv.patient_id) for conv in older])  # PynamoDB asks 100 at a time
    done = 0
    for conv in older:
        patient = patients.get(keys.patient(conv.patient_id))
        if not isinstance(patient, PatientItem):
            continue
        actions = store.listing_actions(conv, family=patient.family_name, given=patient.given_name,
                                        date_of_birth=patient.date_of_birth, nhs_number=patient.nhs_number)
        try:
            conv.update(actions=actions, condition=ConversationItem.date_of_birth.does_not_exist())
            done += 1
        except PynamoDBException:
            continue  # it gained them meanwhile, or the write failed: running the upgrade again retries it
    return done


def _list_older_invites(now: datetime) -> int:
    invites = [i for i in store.unanswered_invites(now) if i.purpose == "join"]
    found = db.batch_get([k for i in invites for k in (keys.patient(i.patient_id),
                                                        keys.team_invitee(i.team_id, i.patient_id))])
    rows: dict[tuple[str, str], store.InviteeItem] = {}  # one per (team, patient): the latest invite wins
    for invite in invites:
        patient = found.get(keys.patient(invite.patient_id))
        if (not isinstance(patient, PatientItem) or invite.team_id in (patient.teams or {})
                or keys.team_invitee(invite.team_id, invite.patient_id) in found):
            continue
        rows[(invite.team_id, invite.patient_id)] = store.new_invitee(
            invite.team_id, invite.patient_id, given_name=patient.given_name, family_name=patient.family_name,
            date_of_birth=invite.date_of_birth or patient.date_of_birth, nhs_number=patient.nhs_number,
            now=invite.created_at, valid_until=invite.valid_until, invited_by=invite.created_by)
    with db.storage():
        for row in rows.values():
            row.save()
    return len(rows)
