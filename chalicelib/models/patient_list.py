"""A team's patient list: the row for an invited patient, and every query that pages or searches the list.

A team's patients are its conversations (a patient who joined, or one the team discharged, kept for
the record) and one ``InviteeItem`` for each patient invited who has not joined yet. Both carry the
same index entries in the partition ``PATIENTS#<team>``: gsi3 by name, gsi7 by last activity and
gsi8 by date of birth (``keys.patient_list_index``). So a page, a name search and a birthday search
are each one Query that reads the rows it shows and one more (to know whether a next page exists),
whatever the size of the team. An NHS number is unique in a Trust (``NhsNumberItem``): that search
reads the number's owner, then that patient's row in this team, if any.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.errors import ValidationError
from chalicelib.models import cursor, keys
from chalicelib.models.base import MainItem
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.db import batch_get, storage
from chalicelib.models.invite import InviteItem
from chalicelib.models.people import patient_id_by_nhs_number

#: Read in place of a patient when an NHS number has no owner, so a search costs the same either way
#: (how long it takes must not say whether the number is registered anywhere in the Trust).
_NOBODY = "0" * 26


class InviteeItem(MainItem, discriminator="team_invitee"):
    """A patient invited to a team who has not joined it: what the clinician typed, and until when the code works.

    Written in the invite's transaction, replaced by a newer invite, deleted in the transaction that
    joins the patient to the team (or records that they declined).
    """

    team_id = UnicodeAttribute()
    patient_id = UnicodeAttribute()  # never shown: the row's id is a digest (keys.invitee_row_id)
    given_name = UnicodeAttribute()
    family_name = UnicodeAttribute()
    date_of_birth = UnicodeAttribute()
    nhs_number = UnicodeAttribute(null=True)
    invited_at = UTCDateTimeAttribute()
    valid_until = UTCDateTimeAttribute()
    invited_by = UnicodeAttribute()

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


Row = ConversationItem | InviteeItem


def new_invitee(team_id: str, patient_id: str, *, given_name: str, family_name: str, date_of_birth: str,
                nhs_number: str | None, now: datetime, valid_until: datetime, invited_by: str) -> InviteeItem:
    """The invited row, listed with the team's patients (newest first, it sorts by when they were invited)."""
    return InviteeItem(*keys.team_invitee(team_id, patient_id), team_id=team_id, patient_id=patient_id,
                       given_name=given_name, family_name=family_name, date_of_birth=date_of_birth,
                       nhs_number=nhs_number, invited_at=now, valid_until=valid_until, invited_by=invited_by,
                       **keys.patient_list_index(team_id, keys.invitee_row_id(team_id, patient_id),
                                                 family=family_name, given=given_name,
                                                 date_of_birth=date_of_birth, activity=now))


def invitee_stub(team_id: str, patient_id: str) -> InviteeItem:
    """The invited row by key only (to delete it)."""
    return InviteeItem(*keys.team_invitee(team_id, patient_id))


class RowPage(NamedTuple):
    """Rows of the list in order, and the cursor for the next page (None on the last)."""

    rows: list[Row]
    next_cursor: str | None


#: index name -> (the index, read forward?)
_INDEXES: dict[str, tuple[Any, bool]] = {
    "gsi3": (MainItem.by_gsi3, True),  # by name, A to Z
    "gsi7": (MainItem.by_gsi7, False),  # newest activity first
    "gsi8": (MainItem.by_gsi8, True),  # by date of birth, then name
}


def _page(team_id: str, index_name: str, *, prefix: str = "", cursor_text: str | None, limit: int) -> RowPage:
    """One Query on a patient-list index: ``limit`` rows (plus one read to know if more follow)."""
    index, forward = _INDEXES[index_name]
    hash_name, range_name = f"{index_name}pk", f"{index_name}sk"
    partition = keys.team_patients(team_id)
    start = cursor.decode(cursor_text, names={"pk", "sk", hash_name, range_name}, partition=(hash_name, partition))
    if start is not None and not start[range_name]["S"].startswith(prefix):
        raise ValidationError("That page link is not valid.", field="cursor")  # a cursor from another search
    condition = getattr(MainItem, range_name).startswith(prefix) if prefix else None
    with storage():
        results = index.query(partition, condition, scan_index_forward=forward, limit=limit + 1,
                              page_size=limit + 1, last_evaluated_key=start)
        rows: list[Row] = [row for row in results if isinstance(row, ConversationItem | InviteeItem)]
    if len(rows) <= limit:
        return RowPage(rows, None)
    last = rows[limit - 1]
    return RowPage(rows[:limit], cursor.encode({name: {"S": getattr(last, name)}
                                                for name in ("pk", "sk", hash_name, range_name)}))


def by_activity(team_id: str, *, cursor_text: str | None, limit: int) -> RowPage:
    """A page of the team's patients, newest activity first (an invited row's activity is its invite)."""
    return _page(team_id, "gsi7", cursor_text=cursor_text, limit=limit)


def by_name(team_id: str, *, family: str = "", given: str | None = None, cursor_text: str | None,
            limit: int) -> RowPage:
    """A page of the team's patients A to Z by last name, or of those whose name starts as searched."""
    prefix = keys.name_prefix(family, given) if family else ""
    return _page(team_id, "gsi3", prefix=prefix, cursor_text=cursor_text, limit=limit)


def by_date_of_birth(team_id: str, date_of_birth: str, *, cursor_text: str | None, limit: int) -> RowPage:
    """A page of the team's patients born on one day, by name."""
    return _page(team_id, "gsi8", prefix=keys.birth_prefix(date_of_birth), cursor_text=cursor_text, limit=limit)


def by_nhs_number(trust_id: str, team_id: str, number: str) -> list[Row]:
    """The team's row for the patient with this NHS number: a GetItem, then one BatchGetItem; [] if not in the team."""
    patient_id = patient_id_by_nhs_number(trust_id, number) or _NOBODY
    found = batch_get([keys.conversation(team_id, patient_id), keys.team_invitee(team_id, patient_id)])
    return [row for row in found.values() if isinstance(row, ConversationItem | InviteeItem)]


def current_patient_ids(team_id: str) -> list[str]:
    """The patients in the team now (joined, not discharged), from the team's patient list by name (gsi3).

    For the push consumer telling a team's patients that the rota changed (never a page): it pages through
    the whole partition, leaving out invited rows and discharged conversations.
    """
    with storage():
        rows = [row for row in MainItem.by_gsi3.query(keys.team_patients(team_id)) if isinstance(row, ConversationItem)]
    return [row.patient_id for row in rows if row.discharged_at is None]


# --- bringing rows written before these indexes up to date (scripts/upgrade_patient_list.py; never on a request) ---


def whole_list(team_id: str) -> list[Row]:
    """Every row of a team's list by name (all of gsi3's partition: for the one-off upgrade, not for pages)."""
    with storage():
        return [row for row in MainItem.by_gsi3.query(keys.team_patients(team_id))
                if isinstance(row, ConversationItem | InviteeItem)]


def listing_actions(conv: ConversationItem, *, family: str, given: str, date_of_birth: str,
                    nhs_number: str | None) -> list[Any]:
    """The update that gives a conversation made before the patient list what a new one has."""
    index = keys.patient_list_index(conv.team_id, conv.patient_id, family=family, given=given,
                                    date_of_birth=date_of_birth, activity=conv.last_activity_at)
    actions = [getattr(ConversationItem, name).set(value) for name, value in index.items()]
    actions.append(ConversationItem.date_of_birth.set(date_of_birth))
    if nhs_number:
        actions.append(ConversationItem.nhs_number.set(nhs_number))
    return actions


def unanswered_invites(now: datetime) -> list[InviteItem]:
    """Invites to join a team whose code still works and was never used: a Scan, since invites have no index.

    Only the one-off upgrade calls it (an operator's command, not the app): invites made before the
    patient list left no row of their own.
    """
    with storage():
        found = InviteItem.scan(InviteItem.used_at.does_not_exist() & (InviteItem.valid_until > now)
                                & InviteItem.purpose.is_in("join", "add_team"))
        return sorted((i for i in found if isinstance(i, InviteItem)), key=lambda i: i.created_at)
