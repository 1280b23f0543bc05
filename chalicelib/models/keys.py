"""Key builders for the main table: every partition and sort key Teamline uses is spelled here once.

See docs/data-model.md for the access pattern each key serves.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

META = "META"  # sort key of a partition's own record (trust, team, staff, patient, session...)
#: The conversation record sorts *after* its messages (``~`` > ``M``), so one descending Query on
#: the conversation partition returns the conversation and then its newest messages.
CONVERSATION_SK = "~CONV"
MESSAGE_PREFIX = "MSG#"
CLIENT_ID_PREFIX = "CMID#"
TEAM_MEMBER_PREFIX = "STAFF#"


def iso(at: datetime) -> str:
    """Render an aware instant as a fixed-width UTC ISO string that sorts lexically."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def trust(trust_id: str) -> tuple[str, str]:
    return f"TRUST#{trust_id}", META


def team_pk(team_id: str) -> str:
    return f"TEAM#{team_id}"


def team(team_id: str) -> tuple[str, str]:
    return team_pk(team_id), META


def team_member(team_id: str, staff_id: str) -> tuple[str, str]:
    return team_pk(team_id), f"{TEAM_MEMBER_PREFIX}{staff_id}"


def staff(staff_id: str) -> tuple[str, str]:
    return f"STAFF#{staff_id}", META


def staff_email(email: str) -> tuple[str, str]:
    return f"EMAIL#{email.strip().lower()}", META


def patient(patient_id: str) -> tuple[str, str]:
    return f"PATIENT#{patient_id}", META


def patient_username(username: str) -> tuple[str, str]:
    return f"USERNAME#{username.strip().lower()}", META


def nhs_number(trust_id: str, number: str) -> tuple[str, str]:
    return f"NHSNO#{trust_id}#{number}", META


def team_invitee(team_id: str, patient_id: str) -> tuple[str, str]:
    """A patient invited to a team who has not joined it (the patient list's "invited" row)."""
    return f"INVITEE#{team_id}#{invitee_row_id(team_id, patient_id)}", META


def invitee_row_id(team_id: str, patient_id: str) -> str:
    """An invited row's id: a digest, so a page cursor (which carries keys) never names the patient record.

    An invite must not tell a clinician who is already registered (``services.invites``); a patient id
    would, since ids carry the time their record was made.
    """
    return hashlib.sha256(f"{team_id}:{patient_id}".encode()).hexdigest()[:26]


def invite(code_hash: str) -> tuple[str, str]:
    return f"INVITE#{code_hash}", META


def session(token_hash: str) -> tuple[str, str]:
    return f"SESSION#{token_hash}", META


def conversation_pk(team_id: str, patient_id: str) -> str:
    return f"CONV#{team_id}#{patient_id}"


def conversation(team_id: str, patient_id: str) -> tuple[str, str]:
    return conversation_pk(team_id, patient_id), CONVERSATION_SK


def message_sk(sent_at: datetime, message_id: str) -> str:
    return f"{MESSAGE_PREFIX}{iso(sent_at)}#{message_id}"


NOTE_PREFIX = "NOTE#"  # staff-only notes and workflow events: their own range, never inside MSG#
PRESENCE_PREFIX = "SEEN#"  # who has a conversation open or is writing; sorts between NOTE# and ~CONV
COUNT_PREFIX = "COUNT#"
ROTA_PREFIX = "ROTA#"


def note_sk(at: datetime, note_id: str) -> str:
    return f"{NOTE_PREFIX}{iso(at)}#{note_id}"


def presence(team_id: str, patient_id: str, staff_id: str) -> tuple[str, str]:
    return conversation_pk(team_id, patient_id), f"{PRESENCE_PREFIX}{staff_id}"


def view_count(team_id: str, view: str) -> tuple[str, str]:
    """A team's count of one inbox view (``new``, ``mine#<staff>``...): its own item, so adding to it is cheap."""
    return team_pk(team_id), f"{COUNT_PREFIX}{view}"


def canned_replies(team_id: str) -> tuple[str, str]:
    return team_pk(team_id), "CANNED"


def rota_month(team_id: str, month: str) -> tuple[str, str]:
    """A team's rota for one month (``YYYY-MM``)."""
    return team_pk(team_id), f"{ROTA_PREFIX}{month}"


def client_message(team_id: str, patient_id: str, client_id: str) -> tuple[str, str]:
    return conversation_pk(team_id, patient_id), f"{CLIENT_ID_PREFIX}{client_id}"


def push_subscriptions_pk(actor_id: str) -> str:
    return f"SUBS#{actor_id}"


def push_subscription(actor_id: str, device_id: str) -> tuple[str, str]:
    return push_subscriptions_pk(actor_id), f"DEVICE#{device_id}"


def push_claim(message_id: str, device_id: str) -> tuple[str, str]:
    return f"PUSHED#{message_id}", device_id


def push_retry(message_id: str, device_id: str) -> tuple[str, str]:
    return f"PUSHRETRY#{message_id}", device_id


def push_due_sk(due: datetime, message_id: str, device_id: str) -> str:
    """gsi2 order of push retries: by when they are due."""
    return f"{iso(due)}#{message_id}#{device_id}"


def push_ref(ref: str) -> tuple[str, str]:
    return f"PUSHREF#{ref}", META


def rate_counter(scope: str, subject: str, window: str) -> tuple[str, str]:
    return f"RATE#{scope}#{subject}", window


def known_device(device_hash: str) -> tuple[str, str]:
    return f"KNOWNDEV#{device_hash}", META


def team_stats_pk(team_id: str) -> str:
    """A team's workload counters: one partition, sorted by local day, so a month is one Query."""
    return f"STATS#{team_id}"


def team_stats_sk(day_iso: str, part: str) -> str:
    """One local day's counters of one part (``COUNTS`` from the stream, ``OVERDUE`` from the sweep)."""
    return f"DAY#{day_iso}#{part}"


def team_stats_range(first_iso: str, last_iso: str) -> tuple[str, str]:
    """The sort-key bounds (BETWEEN, inclusive) taking in every part of every day from ``first`` to ``last``."""
    return f"DAY#{first_iso}", f"DAY#{last_iso}#~"
# --- safety (models/safety.py) ----------------------------------------------------------------------------

SAFETY_STEP_PREFIX = "STEP#"
AGREEMENT_PREFIX = "AGREEMENT#"


def safety_step(team_id: str, patient_id: str, at: datetime, step_id: str) -> tuple[str, str]:
    """A misuse-ladder step, in the conversation's partition (after the guards, before the messages)."""
    return conversation_pk(team_id, patient_id), f"{SAFETY_STEP_PREFIX}{iso(at)}#{step_id}"


def agreement_version(team_id: str, version: int) -> tuple[str, str]:
    """One published version of a team's agreement, kept for the record."""
    return team_pk(team_id), f"{AGREEMENT_PREFIX}{version:06d}"


def team_intake(team_id: str, day: str) -> tuple[str, str]:
    """The count of new conversations a team took on one local day (its daily cap)."""
    return team_pk(team_id), f"INTAKE#{day}"


# --- secondary index partitions -------------------------------------------------------------

ALL_TRUSTS = "TRUSTS"  # gsi1 partition listing every Trust (for jobs that walk all teams)
PUSH_DUE = "PUSHDUE"  # gsi2 partition of push retries waiting to be sent again


def assigned(team_id: str, staff_id: str) -> str:
    """gsi4 partition: the conversations one clinician holds in one team (never read across teams)."""
    return f"ASSIGNED#{team_id}#{staff_id}"


def team_view(team_id: str, status: str) -> str:
    """gsi5 partition: a team's conversations in one workflow status."""
    return f"VIEW#{team_id}#{status}"


def escalated(team_id: str, staff_id: str) -> str:
    """gsi6 partition: conversations of one team escalated to one clinician."""
    return f"ESCALATED#{team_id}#{staff_id}"


def team_follow_ups(team_id: str) -> str:
    """gsi2 partition (beside ``DUE#``): closed conversations with a follow-up date, by that date."""
    return f"FOLLOWUP#{team_id}"


def trust_teams(trust_id: str) -> str:
    return f"TRUST#{trust_id}#TEAMS"


def trust_staff(trust_id: str) -> str:
    return f"TRUST#{trust_id}#STAFF"


def team_inbox(team_id: str) -> str:
    return f"INBOX#{team_id}"


def actor_sessions(actor_id: str) -> str:
    return f"SESSIONS#{actor_id}"


def team_due(team_id: str) -> str:
    return f"DUE#{team_id}"


def team_patients(team_id: str) -> str:
    return f"PATIENTS#{team_id}"


# --- secondary index sort keys ---------------------------------------------------------------------


def inbox_sk(waiting: bool, last_activity: datetime, patient_id: str, urgent: bool = False) -> str:
    """gsi1 (inbox) and gsi4 (assigned) order: urgent waiting first, then waiting, then newest activity first.

    Read with a descending Query, "2#..." (urgent and waiting) sorts before "1#..." (waiting) before "0#..." (answered).
    """
    return f"{(2 if urgent else 1) if waiting else 0}#{iso(last_activity)}#{patient_id}"


#: gsi4 sort keys of closed conversations start with this, below every open one ("0#", "1#"): "Mine"
#: reads only open ones by key condition, and releasing a leaver's conversations still finds them all.
CLOSED_MARK = "-"
OPEN_FROM = "0"


def closed_sk(last_activity: datetime, patient_id: str) -> str:
    return f"{CLOSED_MARK}#{iso(last_activity)}#{patient_id}"


def due_sk(reply_by: datetime, patient_id: str) -> str:
    """gsi2 (due) order: by reply-by, earliest first."""
    return f"{iso(reply_by)}#{patient_id}"


def due_upto(now: datetime) -> str:
    """The gsi2 sort key bound that takes in every reply-by at or before ``now`` ("~" sorts after "#<id>")."""
    return f"{iso(now)}~"


def by_name_sk(family: str, given: str, item_id: str) -> str:
    """Alphabetical order of people (a team's patients on gsi3, a Trust's staff on gsi1)."""
    return f"{family.lower()}#{given.lower()}#{item_id}"


def by_name_prefix(family: str, given: str = "") -> str:
    """The start of ``by_name_sk`` for everyone with this family name (and a given name starting so)."""
    return f"{family.lower()}#{given.lower()}"
def patient_list_index(team_id: str, row_id: str, *, family: str, given: str, date_of_birth: str | None,
                       activity: datetime) -> dict[str, Any]:
    """A team's patient list: by name (gsi3), newest activity first (gsi7), by date of birth (gsi8; sparse)."""
    index = {"gsi3pk": team_patients(team_id), "gsi3sk": by_name_sk(family, given, row_id),
             "gsi7pk": team_patients(team_id), "gsi7sk": activity_sk(activity, row_id)}
    if date_of_birth:
        index.update(gsi8pk=team_patients(team_id), gsi8sk=f"{date_of_birth}#{by_name_sk(family, given, row_id)}")
    return index


def activity_sk(at: datetime, row_id: str) -> str:
    """gsi7 order of a team's patients: by their conversation's last activity (read descending)."""
    return f"{iso(at)}#{row_id}"


def name_prefix(family: str, given: str | None = None) -> str:
    """The gsi3 sort-key prefix of a name search: a last name's start, or a whole last name and a first name's start."""
    return f"{family.lower()}#{given.lower()}" if given is not None else family.lower()


def birth_prefix(date_of_birth: str) -> str:
    """The gsi8 sort-key prefix of everyone born on one day."""
    return f"{date_of_birth}#"


def team_name_sk(name: str, team_id: str) -> str:
    """A Trust's teams in alphabetical order (gsi1)."""
    return f"{name.lower()}#{team_id}"


# --- audit table ---------------------------------------------------------------------------------------


def audit_day(day_iso: str) -> str:
    """The audit table's partition for one UTC day (``YYYY-MM-DD``)."""
    return f"DAY#{day_iso}"


def audit_sk(at: datetime, event_id: str) -> str:
    return f"{iso(at)}#{event_id}"


def audit_subject(patient_id: str) -> str:
    """``by_subject`` partition: everything that touched one patient's data."""
    return f"PATIENT#{patient_id}"


def audit_actor(kind: str, actor_id: str | None) -> str:
    """``by_actor`` partition: everything one person (or the system) did."""
    return f"{kind.upper()}#{actor_id}" if actor_id else kind.upper()
