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


def iso(at: datetime) -> str:
    """Render an aware instant as a fixed-width UTC ISO string that sorts lexically."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def trust(trust_id: str) -> tuple[str, str]:
    return f"TRUST#{trust_id}", META


def team(team_id: str) -> tuple[str, str]:
    return f"TEAM#{team_id}", META


def team_member(team_id: str, staff_id: str) -> tuple[str, str]:
    return f"TEAM#{team_id}", f"STAFF#{staff_id}"


def team_members_prefix() -> str:
    return "STAFF#"


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


def push_ref(ref: str) -> tuple[str, str]:
    return f"PUSHREF#{ref}", META


def rate_counter(scope: str, subject: str, window: str) -> tuple[str, str]:
    return f"RATE#{scope}#{subject}", window


# --- secondary index partitions -------------------------------------------------------------

ALL_TRUSTS = "TRUSTS"  # gsi1 partition listing every Trust (for jobs that walk all teams)


def assigned(staff_id: str) -> str:
    return f"ASSIGNED#{staff_id}"


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
