"""Invite codes: single-use, stored as the SHA-256 of the code, valid for a few days."""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.models import keys
from chalicelib.models.base import MainItem
from chalicelib.models.db import get


class InviteItem(MainItem, discriminator="invite"):
    """A single-use invite code (stored hashed), valid 7 days."""

    patient_id = UnicodeAttribute()
    team_id = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    valid_until = UTCDateTimeAttribute()
    used_at = UTCDateTimeAttribute(null=True)
    #: join: a new account; add_team: an existing patient joins another team (they sign in as themselves);
    #: recover: a forgotten password, reset with the patient's date of birth (see services.recovery).
    purpose = UnicodeAttribute(default="join")
    #: The date of birth the clinician typed: the young person must give the same one.
    date_of_birth = UnicodeAttribute(null=True)


def new_invite(code_hash: str, *, patient_id: str, team_id: str, created_by: str, now: datetime,
               valid_until: datetime, purpose: str, date_of_birth: str) -> InviteItem:
    """An invite (kept a day past its validity, then removed by TTL)."""
    return InviteItem(*keys.invite(code_hash), patient_id=patient_id, team_id=team_id, created_by=created_by,
                      created_at=now, valid_until=valid_until, purpose=purpose, date_of_birth=date_of_birth,
                      expires_at=valid_until + timedelta(days=1))


def invite_key(code_hash: str) -> tuple[str, str]:
    return keys.invite(code_hash)


def get_invite(code_hash: str) -> InviteItem | None:
    """The invite whose code hashes to ``code_hash``, or None."""
    invite: InviteItem | None = get(keys.invite(code_hash), InviteItem)
    return invite
