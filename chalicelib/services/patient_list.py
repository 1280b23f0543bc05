"""The team's patient list: one page of it, or one search, shaped once for the page and its JSON twin.

It also keeps the list's "invited" rows up to date for the invite service (``note_*``, each called
inside the transaction of the invite, join or decline it records), so the list shows a patient
from the moment they are invited, not only once they join.

Every view is the access loader's BatchGetItem plus one Query on an index built for it, reading
only the rows it shows (an NHS number search: a GetItem and a BatchGetItem), whatever the size of
the team. See ``models.patient_list`` for the indexes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain import patient_list as rules
from chalicelib.domain.policy import TeamPolicy, when_text
from chalicelib.errors import ValidationError
from chalicelib.models import db, keys
from chalicelib.models import patient_list as store
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.team import team_policy
from chalicelib.scopes import StaffTeam
from chalicelib.services.present import iso

PAGE_SIZE = 20
ORDERS = (("recent", "Recent activity"), ("name", "Name (A to Z)"))


def patient_list(st: StaffTeam, now: datetime, *, order: str | None = None, search: str | None = None,
                 cursor: str | None = None) -> dict[str, Any]:
    """One page of the team's patients (newest activity first, or by name), or of a search's results."""
    order = order or "recent"
    if order not in dict(ORDERS):
        raise ValidationError("Sort the list by recent activity or by name.", field="order")
    query = rules.parse_search(search, today=now.date())
    team_id = st.team.team_id
    if query is None:
        page = (store.by_activity(team_id, cursor_text=cursor, limit=PAGE_SIZE) if order == "recent"
                else store.by_name(team_id, cursor_text=cursor, limit=PAGE_SIZE))
    elif query.kind == "name":
        page = store.by_name(team_id, family=query.family, given=query.given, cursor_text=cursor, limit=PAGE_SIZE)
    elif query.kind == "date_of_birth":
        page = store.by_date_of_birth(team_id, query.value, cursor_text=cursor, limit=PAGE_SIZE)
    else:
        page = store.RowPage(store.by_nhs_number(st.team.trust_id, team_id, query.value), None)
    policy = team_policy(st.team)
    return {
        **empty_view(st),
        "order": order,
        "search": _search(query),
        "patients": [row(item, now, policy) for item in page.rows],
        "next_cursor": page.next_cursor,
        "first_page": not cursor,
    }


def _search(query: rules.Search | None) -> dict[str, Any] | None:
    """The search as typed, and as the page says it back (a date or an NHS number written out in full)."""
    if query is None:
        return None
    shown = query.text
    if query.kind == "date_of_birth":
        shown = rules.date_of_birth_text(query.value) or shown
    elif query.kind == "nhs_number":
        shown = rules.nhs_number_text(query.value) or shown
    return {"kind": query.kind, "text": query.text, "shown": shown}


def empty_view(st: StaffTeam) -> dict[str, Any]:
    """What the page shows around the list (also when a search could not be read)."""
    return {"team": {"team_id": st.team.team_id, "name": st.team.name}, "role": st.role, "orders": ORDERS,
            "order": "recent", "search": None, "patients": [], "next_cursor": None, "first_page": True}


def row(item: store.Row, now: datetime, policy: TeamPolicy) -> dict[str, Any]:
    """One row of the list: who the patient is, where they stand with the team, and their last message."""
    def when(at: datetime | None) -> str | None:
        return when_text(policy, at, now) if at else None

    if isinstance(item, store.InviteeItem):
        status = rules.row_status(now, invited=True, discharged_at=None, invite_until=item.valid_until)
        patient_id, name, last = None, item.display_name, None
        discharged_at = None
    else:
        status = rules.row_status(now, invited=False, discharged_at=item.discharged_at,
                                  invite_until=item.invited_again_until)
        patient_id, name, discharged_at = item.patient_id, item.patient_name, item.discharged_at
        last = _last_message(item, when)
    return {
        "patient_id": patient_id,
        "name": name,
        "date_of_birth": item.date_of_birth,
        "date_of_birth_text": rules.date_of_birth_text(item.date_of_birth),
        "nhs_number": item.nhs_number,
        "nhs_number_text": rules.nhs_number_text(item.nhs_number),
        "status": status.kind,
        "status_text": status.label,
        "discharged_at": iso(discharged_at),
        "discharged_text": when(discharged_at),
        "invite_until": iso(status.invite_until),
        "invite_until_text": when(status.invite_until),
        "invite_live": status.invite_live,
        "last_message": last,
    }


def _last_message(conv: ConversationItem, when: Any) -> dict[str, Any] | None:
    if not conv.message_count:
        return None
    return {"preview": conv.last_preview, "sender": conv.last_sender, "at": iso(conv.last_activity_at),
            "at_text": when(conv.last_activity_at)}


# --- what the invite service tells the list ----------------------------------------------------------


def note_invite(tx: db.Transaction, now: datetime, st: StaffTeam, patient_id: str, *, given_name: str,
                family_name: str, date_of_birth: str, nhs_number: str | None, valid_until: datetime,
                registered: bool) -> None:
    """Show an invited patient in the team's list, in the invite's own transaction.

    The row holds what the clinician typed, never the registered patient's details: an invite must
    not tell a clinician who is registered elsewhere (``services.invites``). A patient this team
    discharged (``registered``: the invite found them by NHS number) is marked invited again on
    the conversation kept for them, so they stay one row; that costs one GetItem, only then.
    """
    if registered:
        kept = db.get(keys.conversation(st.team.team_id, patient_id), ConversationItem)
        if kept is not None:
            tx.update(kept, actions=[ConversationItem.invited_again_until.set(valid_until)])
            return
    tx.save(store.new_invitee(st.team.team_id, patient_id, given_name=given_name, family_name=family_name,
                              date_of_birth=date_of_birth, nhs_number=nhs_number, now=now,
                              valid_until=valid_until, invited_by=st.actor.id))


def note_joined(tx: db.Transaction, team_id: str, patient_id: str) -> None:
    """The patient joined the team: their invited row goes (their conversation is the row from now on)."""
    tx.delete(store.invitee_stub(team_id, patient_id))


def note_declined(tx: db.Transaction, team_id: str, patient_id: str) -> None:
    """The patient declined the team's invitation: it leaves the list (the audit log keeps the answer)."""
    kept = db.get(keys.conversation(team_id, patient_id), ConversationItem)
    if kept is not None and kept.invited_again_until is not None:
        tx.update(kept, actions=[ConversationItem.invited_again_until.remove()])
    else:
        tx.delete(store.invitee_stub(team_id, patient_id))
