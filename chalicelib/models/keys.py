"""Key builders for the main table: every partition and sort key Teamline uses is spelled here once.

See docs/data-model.md for the access pattern each key serves.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from chalicelib.models.index_keys import (
    ALL_TRUSTS as ALL_TRUSTS,
)
from chalicelib.models.index_keys import (
    CLOSED_MARK as CLOSED_MARK,
)
from chalicelib.models.index_keys import (
    EXPORTS_PENDING as EXPORTS_PENDING,
)
from chalicelib.models.index_keys import (
    OPEN_FROM as OPEN_FROM,
)
from chalicelib.models.index_keys import (
    PUSH_DUE as PUSH_DUE,
)
from chalicelib.models.index_keys import (  # re-exported: every key is keys.<name>
    activity_sk as activity_sk,
)
from chalicelib.models.index_keys import (
    actor_sessions as actor_sessions,
)
from chalicelib.models.index_keys import (
    assigned as assigned,
)
from chalicelib.models.index_keys import (
    birth_prefix as birth_prefix,
)
from chalicelib.models.index_keys import (
    by_name_prefix as by_name_prefix,
)
from chalicelib.models.index_keys import (
    by_name_sk as by_name_sk,
)
from chalicelib.models.index_keys import (
    closed_sk as closed_sk,
)
from chalicelib.models.index_keys import (
    due_sk as due_sk,
)
from chalicelib.models.index_keys import (
    due_upto as due_upto,
)
from chalicelib.models.index_keys import (
    escalated as escalated,
)
from chalicelib.models.index_keys import (
    inbox_sk as inbox_sk,
)
from chalicelib.models.index_keys import (
    iso as iso,
)
from chalicelib.models.index_keys import (
    name_prefix as name_prefix,
)
from chalicelib.models.index_keys import (
    patient_list_index as patient_list_index,
)
from chalicelib.models.index_keys import (
    pending_export_sk as pending_export_sk,
)
from chalicelib.models.index_keys import (
    retention_sk as retention_sk,
)
from chalicelib.models.index_keys import (
    team_due as team_due,
)
from chalicelib.models.index_keys import (
    team_follow_ups as team_follow_ups,
)
from chalicelib.models.index_keys import (
    team_inbox as team_inbox,
)
from chalicelib.models.index_keys import (
    team_name_sk as team_name_sk,
)
from chalicelib.models.index_keys import (
    team_patients as team_patients,
)
from chalicelib.models.index_keys import (
    team_retention as team_retention,
)
from chalicelib.models.index_keys import (
    team_unfiled as team_unfiled,
)
from chalicelib.models.index_keys import (
    team_view as team_view,
)
from chalicelib.models.index_keys import (
    trust_staff as trust_staff,
)
from chalicelib.models.index_keys import (
    trust_teams as trust_teams,
)
from chalicelib.models.index_keys import (
    unfiled_sk as unfiled_sk,
)

META = "META"  # sort key of a partition's own record (trust, team, staff, patient, session...)
#: The conversation record sorts *after* its messages (``~`` > ``M``), so one descending Query on
#: the conversation partition returns the conversation and then its newest messages.
CONVERSATION_SK = "~CONV"
MESSAGE_PREFIX = "MSG#"
CLIENT_ID_PREFIX = "CMID#"
TEAM_MEMBER_PREFIX = "STAFF#"
#: Exports of a conversation to the clinical record; they sort before the messages (``E`` < ``M``).
EXPORT_PREFIX = "EXPORT#"


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


def rota_notice(team_id: str, month: str, version: int) -> tuple[str, str]:
    """A re-publication of a month that patients are told about by push (read only from the table's stream)."""
    return team_pk(team_id), f"ROTACHANGED#{month}#{version:04d}"


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


def export(team_id: str, patient_id: str, filed_at: datetime, export_id: str) -> tuple[str, str]:
    """An export of a conversation to the clinical record, in the conversation's partition, oldest first."""
    return conversation_pk(team_id, patient_id), f"{EXPORT_PREFIX}{iso(filed_at)}#{export_id}"


def message_upto(at: datetime) -> str:
    """The message sort key bound that takes in every message stamped at or before ``at``."""
    return f"{MESSAGE_PREFIX}{iso(at)}#~"


def message_from(at: datetime) -> str:
    """The message sort key bound that takes in every message stamped at or after ``at``."""
    return f"{MESSAGE_PREFIX}{iso(at)}#"


def job_checkpoint(name: str) -> tuple[str, str]:
    """Where a resumable scheduled job keeps its place between runs."""
    return f"JOB#{name}", META


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
