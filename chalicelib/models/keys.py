"""Key builders for the main table: every partition and sort key Teamline uses is spelled here once.

See docs/data-model.md for the access pattern each key serves.
"""

from __future__ import annotations

from datetime import UTC, datetime

META = "META"  # sort key of a partition's own record (trust, team, staff, patient, session...)
#: The conversation record sorts *after* its messages (``~`` > ``M``), so one descending Query on
#: the conversation partition returns the conversation and then its newest messages.
CONVERSATION_SK = "~CONV"
MESSAGE_PREFIX = "MSG#"
CLIENT_ID_PREFIX = "CMID#"
TEAM_MEMBER_PREFIX = "STAFF#"
#: Exports of a conversation to the clinical record; they sort before the messages (``E`` < ``M``).
EXPORT_PREFIX = "EXPORT#"


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


# --- secondary index partitions -------------------------------------------------------------

ALL_TRUSTS = "TRUSTS"  # gsi1 partition listing every Trust (for jobs that walk all teams)
PUSH_DUE = "PUSHDUE"  # gsi2 partition of push retries waiting to be sent again


def assigned(team_id: str, staff_id: str) -> str:
    """gsi4 partition: the conversations one clinician holds in one team (never read across teams)."""
    return f"ASSIGNED#{team_id}#{staff_id}"


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


def team_unfiled(team_id: str) -> str:
    """gsi9 partition: a team's conversations holding messages not yet filed to the record."""
    return f"UNFILED#{team_id}"


#: gsi9 partition of exports whose transcript and bundle are still to be made (large ones are made by a job).
EXPORTS_PENDING = "EXPORTS#PENDING"


def team_retention(team_id: str) -> str:
    """gsi10 partition: a team's conversations that may hold data past retention, by last activity."""
    return f"RETAIN#{team_id}"


# --- secondary index sort keys ---------------------------------------------------------------------


def inbox_sk(waiting: bool, last_activity: datetime, patient_id: str) -> str:
    """gsi1 (inbox) and gsi4 (assigned) order: waiting conversations first, then newest activity first.

    Read with a descending Query, "1#..." (waiting) sorts before "0#..." (answered).
    """
    return f"{1 if waiting else 0}#{iso(last_activity)}#{patient_id}"


def due_sk(reply_by: datetime, patient_id: str) -> str:
    """gsi2 (due) order: by reply-by, earliest first."""
    return f"{iso(reply_by)}#{patient_id}"


def due_upto(now: datetime) -> str:
    """The gsi2 sort key bound that takes in every reply-by at or before ``now`` ("~" sorts after "#<id>")."""
    return f"{iso(now)}~"


def unfiled_sk(unfiled_since: datetime, patient_id: str) -> str:
    """gsi9 (unfiled) order: by when the oldest unfiled message was stamped, oldest first."""
    return f"{iso(unfiled_since)}#{patient_id}"


def retention_sk(last_activity: datetime, patient_id: str) -> str:
    """gsi10 (retention) order: by last activity, oldest first."""
    return f"{iso(last_activity)}#{patient_id}"


def pending_export_sk(filed_at: datetime, export_id: str) -> str:
    """gsi9 order of exports still to be made: oldest first."""
    return f"{iso(filed_at)}#{export_id}"


def by_name_sk(family: str, given: str, item_id: str) -> str:
    """Alphabetical order of people (a team's patients on gsi3, a Trust's staff on gsi1)."""
    return f"{family.lower()}#{given.lower()}#{item_id}"


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
