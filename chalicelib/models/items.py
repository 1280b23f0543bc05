"""The kinds of item in the main table, one class per kind.

Each class pins its own ``kind`` so a BatchGetItem over mixed keys returns the right classes.
Keys are built in ``chalicelib.models.keys``; what each item is for is in docs/data-model.md.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from chalicelib.models.base import MainItem


class TrustItem(MainItem, discriminator="trust"):
    """An NHS Trust: the organisation that deploys Teamline."""

    trust_id = UnicodeAttribute()
    name = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class TeamItem(MainItem, discriminator="team"):
    """A specialist clinical team and its policy (availability, auto-replies, who is away)."""

    team_id = UnicodeAttribute()
    trust_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    #: The team's shared Trust number shown to patients; never a clinician's personal number.
    phone = UnicodeAttribute(default="")
    #: Availability policy as JSON (chalicelib.domain.availability.parse_policy reads it).
    policy = JSONAttribute(null=True)
    #: Auto-reply templates by kind, edited by the team lead; absent kinds use the defaults.
    auto_replies = JSONAttribute(null=True)
    #: Staff away periods: {staff_id: {"start", "end", "cover_id"}}.
    away = JSONAttribute(null=True)
    policy_version = NumberAttribute(default=0)
    #: Conversations past their reply-by; raised by the overdue job, lowered by the reply that answers.
    overdue_count = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    active = BooleanAttribute(default=True)


class TeamMemberItem(MainItem, discriminator="team_member"):
    """A staff member's role in a team; lives in the team's partition so the roster is one Query."""

    team_id = UnicodeAttribute()
    staff_id = UnicodeAttribute()
    role = UnicodeAttribute()  # clinician | lead
    display_name = UnicodeAttribute()
    job_title = UnicodeAttribute(default="")


class StaffItem(MainItem, discriminator="staff"):
    """A member of Trust staff who signs in with email and password."""

    staff_id = UnicodeAttribute()
    trust_id = UnicodeAttribute()
    email = UnicodeAttribute()
    given_name = UnicodeAttribute()
    family_name = UnicodeAttribute()
    job_title = UnicodeAttribute(default="")
    password_hash = UnicodeAttribute()
    is_trust_admin = BooleanAttribute(default=False)
    #: {team_id: "clinician" | "lead"}; authoritative for what this person may see.
    team_roles = JSONAttribute(default=dict)
    must_change_password = BooleanAttribute(default=False)
    active = BooleanAttribute(default=True)
    created_at = UTCDateTimeAttribute()

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class StaffEmailItem(MainItem, discriminator="staff_email"):
    """Unique email → staff id (written in the same transaction as the staff record)."""

    staff_id = UnicodeAttribute()


class PatientItem(MainItem, discriminator="patient"):
    """A young person, created by a clinician's invite and activated when they accept it."""

    patient_id = UnicodeAttribute()
    trust_id = UnicodeAttribute()
    given_name = UnicodeAttribute()
    family_name = UnicodeAttribute()
    date_of_birth = UnicodeAttribute()  # YYYY-MM-DD
    nhs_number = UnicodeAttribute(null=True)
    username = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute(null=True)
    #: {team_id: joined-at ISO}; a patient reaches only these teams' conversations.
    teams = JSONAttribute(default=dict)
    status = UnicodeAttribute(default="invited")  # invited | active
    agreement_accepted_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class UsernameItem(MainItem, discriminator="username"):
    """Unique patient username → patient id."""

    patient_id = UnicodeAttribute()


class NhsNumberItem(MainItem, discriminator="nhs_number"):
    """Unique NHS number (per Trust) → patient id, so one person is never two patients."""

    patient_id = UnicodeAttribute()


class InviteItem(MainItem, discriminator="invite"):
    """A single-use invite code (stored hashed), valid 7 days."""

    patient_id = UnicodeAttribute()
    team_id = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    valid_until = UTCDateTimeAttribute()
    used_at = UTCDateTimeAttribute(null=True)
    purpose = UnicodeAttribute(default="join")  # join | relink


class SessionItem(MainItem, discriminator="session"):
    """A signed-in device: keyed by the SHA-256 of its bearer token."""

    actor_kind = UnicodeAttribute()  # patient | staff
    actor_id = UnicodeAttribute()
    csrf_token = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    last_seen_at = UTCDateTimeAttribute()
    absolute_expiry = UTCDateTimeAttribute()
    idle_timeout_seconds = NumberAttribute()
    device_label = UnicodeAttribute(default="")


class ConversationItem(MainItem, discriminator="conversation"):
    """One per patient per team: the thread's state, and the patient's membership of the team."""

    team_id = UnicodeAttribute()
    patient_id = UnicodeAttribute()
    patient_name = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    last_activity_at = UTCDateTimeAttribute()
    last_sender = UnicodeAttribute(null=True)  # patient | staff | auto
    last_preview = UnicodeAttribute(default="")
    last_patient_at = UTCDateTimeAttribute(null=True)
    #: Set while the team owes a reply: when the oldest unanswered patient message arrived.
    waiting_since = UTCDateTimeAttribute(null=True)
    reply_by = UTCDateTimeAttribute(null=True)
    overdue = BooleanAttribute(default=False)
    #: Set by a clinician: staff are notified of this conversation even when off shift.
    urgent = BooleanAttribute(default=False)
    assigned_staff_id = UnicodeAttribute(null=True)
    assigned_name = UnicodeAttribute(null=True)  # "Sam (Diabetes specialist nurse)", for the inbox
    team_unread = NumberAttribute(default=0)
    patient_unread = NumberAttribute(default=0)
    team_read_upto = UTCDateTimeAttribute(null=True)
    patient_read_upto = UTCDateTimeAttribute(null=True)
    message_count = NumberAttribute(default=0)
    #: The no-flood key of the last auto-reply (one auto-reply per closed period).
    last_auto_reply_key = UnicodeAttribute(null=True)
    #: Optimistic concurrency: every write checks and bumps it.
    revision = NumberAttribute(default=0)

    @property
    def conversation_id(self) -> str:
        return f"{self.team_id}.{self.patient_id}"


class MessageItem(MainItem, discriminator="message"):
    """A message in a conversation, sorted by the time the server stored it."""

    message_id = UnicodeAttribute()
    team_id = UnicodeAttribute()
    patient_id = UnicodeAttribute()
    client_id = UnicodeAttribute(null=True)
    sender_kind = UnicodeAttribute()  # patient | staff | auto
    sender_id = UnicodeAttribute(null=True)
    sender_label = UnicodeAttribute(default="")  # e.g. "Sam (Specialist nurse)"; never a phone number
    body = UnicodeAttribute()
    sent_at = UTCDateTimeAttribute()
    reply_by = UTCDateTimeAttribute(null=True)
    auto_kind = UnicodeAttribute(null=True)
    #: For a patient message that triggered an auto-reply: that reply's sort key.
    auto_reply_sk = UnicodeAttribute(null=True)


class ClientMessageItem(MainItem, discriminator="client_message"):
    """Idempotency guard: one per client message id, pointing at the stored message."""

    message_sk = UnicodeAttribute()
    body_sha256 = UnicodeAttribute()
    auto_reply_sk = UnicodeAttribute(null=True)


class RateCounterItem(MainItem, discriminator="rate_counter"):
    """Attempts in one fixed window for one subject (an account or a network address)."""

    attempts = NumberAttribute(default=0)


class PushSubscriptionItem(MainItem, discriminator="push_subscription"):
    """One device's Web Push subscription; a device re-subscribing replaces its own item."""

    actor_kind = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    device_id = UnicodeAttribute()
    endpoint = UnicodeAttribute()  # a capability URL: never logged
    p256dh = UnicodeAttribute()
    auth = UnicodeAttribute()
    label = UnicodeAttribute(default="")
    created_at = UTCDateTimeAttribute()
    last_success_at = UTCDateTimeAttribute(null=True)
    last_failure_at = UTCDateTimeAttribute(null=True)
    failures = NumberAttribute(default=0)


class PushClaimItem(MainItem, discriminator="push_claim"):
    """At most one push per message per device: claimed before sending, so a repeated stream event sends nothing."""

    outcome = UnicodeAttribute(default="claimed")


class PushRefItem(MainItem, discriminator="push_ref"):
    """What an opaque notification id points at; read only by a signed-in click, never sent to the push service."""

    team_id = UnicodeAttribute()
    patient_id = UnicodeAttribute()
    audience = UnicodeAttribute()  # patient | staff
