"""PynamoDB base models: the two tables and how a process connects to them.

Teamline keeps operational data in one *main* table (single-table design: a ``kind`` discriminator
tells PynamoDB which class an item is) so a request can fetch a session, a team and a conversation
in one BatchGetItem. Audit events live in their own *audit* table: they have a different retention,
an IG lead can export or lock them down with IAM without touching operational data, and they are
still written in the same TransactWriteItems call as the change they record.

Table names, region and endpoint come from ``chalicelib.settings`` and nothing else.
"""

from __future__ import annotations

import importlib
from typing import Any

from pynamodb.attributes import (
    DiscriminatorAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.settings import get_settings

_settings = get_settings()


class _Meta:
    region = _settings.region
    host = _settings.dynamodb_endpoint
    # A Lambda request has a budget of seconds, not minutes: fail fast and let the client retry. With the
    # request deadline (models.db.deadline) no attempt starts after it, so the worst case is the deadline
    # plus one attempt (connect + read), inside the API function's timeout.
    connect_timeout_seconds = 1
    read_timeout_seconds = _settings.dynamodb_read_timeout_seconds
    max_retry_attempts = 2
    billing_mode = "PAY_PER_REQUEST"


class Gsi1(GlobalSecondaryIndex["MainItem"]):
    """Lists: Trusts, teams and staff of a Trust, a team's inbox, an actor's sessions."""

    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class Gsi2(GlobalSecondaryIndex["MainItem"]):
    """Sparse: conversations waiting for a reply, ordered by reply-by (the overdue view)."""

    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class Gsi3(GlobalSecondaryIndex["MainItem"]):
    """A team's patient list by name: joined, invited and discharged alike."""

    class Meta:
        index_name = "gsi3"
        projection = AllProjection()

    gsi3pk = UnicodeAttribute(hash_key=True)
    gsi3sk = UnicodeAttribute(range_key=True)


class Gsi4(GlobalSecondaryIndex["MainItem"]):
    """Sparse: conversations assigned to one clinician (their "Mine" view, and their cover's)."""

    class Meta:
        index_name = "gsi4"
        projection = AllProjection()

    gsi4pk = UnicodeAttribute(hash_key=True)
    gsi4sk = UnicodeAttribute(range_key=True)


class Gsi5(GlobalSecondaryIndex["MainItem"]):
    """A team's conversations by workflow status (new, assigned, awaiting patient, closed), in inbox order."""

    class Meta:
        index_name = "gsi5"
        projection = AllProjection()

    gsi5pk = UnicodeAttribute(hash_key=True)
    gsi5sk = UnicodeAttribute(range_key=True)


class Gsi6(GlobalSecondaryIndex["MainItem"]):
    """Sparse: conversations escalated to one clinician ("Escalated to me"), in inbox order."""

    class Meta:
        index_name = "gsi6"
        projection = AllProjection()

    gsi6pk = UnicodeAttribute(hash_key=True)
    gsi6sk = UnicodeAttribute(range_key=True)


class Gsi7(GlobalSecondaryIndex["MainItem"]):
    """A team's patient list, newest activity first: joined, invited and discharged alike."""

    class Meta:
        index_name = "gsi7"
        projection = AllProjection()

    gsi7pk = UnicodeAttribute(hash_key=True)
    gsi7sk = UnicodeAttribute(range_key=True)


class Gsi8(GlobalSecondaryIndex["MainItem"]):
    """A team's patient list by date of birth (finding a patient by their birthday)."""

    class Meta:
        index_name = "gsi8"
        projection = AllProjection()

    gsi8pk = UnicodeAttribute(hash_key=True)
    gsi8sk = UnicodeAttribute(range_key=True)
class Gsi9(GlobalSecondaryIndex["MainItem"]):
    """Sparse: a team's conversations with messages not yet filed to the record, oldest first; exports to make."""

    class Meta:
        index_name = "gsi9"
        projection = AllProjection()

    gsi9pk = UnicodeAttribute(hash_key=True)
    gsi9sk = UnicodeAttribute(range_key=True)


class Gsi10(GlobalSecondaryIndex["MainItem"]):
    """Sparse: a team's conversations that may hold data past retention, by last activity (the retention job)."""

    class Meta:
        index_name = "gsi10"
        projection = AllProjection()

    gsi10pk = UnicodeAttribute(hash_key=True)
    gsi10sk = UnicodeAttribute(range_key=True)


#: Each kind of main-table item and the module of ``chalicelib.models`` that defines its class.
KIND_MODULES: dict[str, str] = {
    "canned_replies": "canned",
    "client_message": "conversation",
    "conversation": "conversation",
    "message": "conversation",
    "presence": "inbox",
    "view_count": "inbox",
    "invite": "invite",
    "note": "notes",
    "team_invitee": "patient_list",
    "nhs_number": "people",
    "patient": "people",
    "staff": "people",
    "staff_email": "people",
    "username": "people",
    "push_claim": "push",
    "push_ref": "push",
    "push_retry": "push",
    "push_subscription": "push",
    "known_device": "ratelimit",
    "rate_counter": "ratelimit",
    "job_checkpoint": "records",
    "record_export": "records",
    "rota_month": "rota",
    "rota_notice": "rota",
    "agreement_version": "safety",
    "safety_step": "safety",
    "team_intake": "safety",
    "session": "session",
    "team_day": "stats",
    "team": "team",
    "team_member": "team",
    "trust": "team",
}


class KindAttribute(DiscriminatorAttribute):
    """The ``kind`` discriminator, which imports a kind's module the first time a read meets that kind.

    A read through ``MainItem`` (a BatchGetItem of a session, a team and a conversation; a partition's
    Query; a stream image) can meet any kind, and PynamoDB can only build classes it has seen defined.
    Importing every model module up front would put all of them on every cold start; this imports the
    ones a request's items need, when it first needs them. ``tests/unit/test_lazy_modules.py`` checks
    the table against every class.
    """

    def deserialize(self, value: Any) -> type:
        try:
            return super().deserialize(value)  # type: ignore[no-any-return]
        except ValueError:
            if value not in KIND_MODULES:
                raise
        importlib.import_module(f"chalicelib.models.{KIND_MODULES[value]}")
        return super().deserialize(value)  # type: ignore[no-any-return]


class MainItem(Model):
    """Every item in the main table: a partition key, a sort key and a kind."""

    class Meta(_Meta):
        table_name = _settings.main_table
        stream_view_type = "NEW_IMAGE"  # drives push delivery (chalicelib/push/dispatch.py)

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = KindAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    gsi4pk = UnicodeAttribute(null=True)
    gsi4sk = UnicodeAttribute(null=True)
    gsi5pk = UnicodeAttribute(null=True)
    gsi5sk = UnicodeAttribute(null=True)
    gsi6pk = UnicodeAttribute(null=True)
    gsi6sk = UnicodeAttribute(null=True)
    gsi7pk = UnicodeAttribute(null=True)
    gsi7sk = UnicodeAttribute(null=True)
    gsi8pk = UnicodeAttribute(null=True)
    gsi8sk = UnicodeAttribute(null=True)
    gsi9pk = UnicodeAttribute(null=True)
    gsi9sk = UnicodeAttribute(null=True)
    gsi10pk = UnicodeAttribute(null=True)
    gsi10sk = UnicodeAttribute(null=True)
    #: DynamoDB TTL deletes items some time after this; code never relies on that and checks it.
    expires_at = TTLAttribute(null=True)

    by_gsi1 = Gsi1()
    by_gsi2 = Gsi2()
    by_gsi3 = Gsi3()
    by_gsi4 = Gsi4()
    by_gsi5 = Gsi5()
    by_gsi6 = Gsi6()
    by_gsi7 = Gsi7()
    by_gsi8 = Gsi8()
    by_gsi9 = Gsi9()
    by_gsi10 = Gsi10()

    @property
    def key(self) -> tuple[str, str]:
        return self.pk, self.sk


class AuditGsiSubject(GlobalSecondaryIndex["AuditItem"]):
    """Everything that happened to one patient's data, newest first (IG: who looked at my record?)."""

    class Meta:
        index_name = "by_subject"
        projection = AllProjection()

    subject = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class AuditGsiActor(GlobalSecondaryIndex["AuditItem"]):
    """Everything one person did, newest first."""

    class Meta:
        index_name = "by_actor"
        projection = AllProjection()

    actor = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class AuditItem(Model):
    """An audit event: partitioned by UTC day, sorted by time."""

    class Meta(_Meta):
        table_name = _settings.audit_table

    pk = UnicodeAttribute(hash_key=True)  # DAY#2026-11-25
    sk = UnicodeAttribute(range_key=True)  # 2026-11-25T10:00:00.000000Z#<id>
    subject = UnicodeAttribute(null=True)  # PATIENT#<id>
    actor = UnicodeAttribute(null=True)  # STAFF#<id> / PATIENT#<id> / SYSTEM
    expires_at = TTLAttribute(null=True)
    version = NumberAttribute(default=1)

    by_subject = AuditGsiSubject()
    by_actor = AuditGsiActor()


def all_models() -> list[type[Model]]:
    """The table-owning models, in creation order."""
    return [MainItem, AuditItem]


def create_tables(wait: bool = True) -> None:
    """Create both tables (with TTL and a stream on the main table) if they do not exist.

    Used by the local runner and the tests; in AWS the tables come from infra/teamline.json.
    """
    for model in all_models():
        if not model.exists():
            # PynamoDB also switches TTL on for the model's TTLAttribute.
            model.create_table(wait=wait, billing_mode="PAY_PER_REQUEST")
