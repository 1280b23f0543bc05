"""Reading a conversation: the view a patient or a clinician gets, shared by the page and the JSON API.

Each read is one Query for the page of messages (after the access loader's BatchGetItem). Reading
marks what was read: a patient's read is a write only when something from the team was unread; a
clinician's read is always audited (an IG lead can see who opened which conversation).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.auth.actor import Actor
from chalicelib.models import conversation as store
from chalicelib.models import db
from chalicelib.models import inbox as inbox_store
from chalicelib.models import notes as note_store
from chalicelib.models import rota as rota_store
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.conversation import ConversationItem, MessageItem
from chalicelib.models.team import team_policy
from chalicelib.scopes import PatientConversation, StaffConversation
from chalicelib.services import present, rota
from chalicelib.services.common import staff_label, touch_session


def patient_thread(pc: PatientConversation, now: datetime, before: str | None = None, *,
                   mark_read: bool = False) -> dict[str, Any]:
    """A page of the patient's conversation with one team (marking the team's messages read if asked).

    ``first_unread`` is the first message from the team the patient had not read before this look
    (the page marks it with "New messages"), so it is found before the read is marked.
    """
    page = store.message_page(pc.team.team_id, pc.actor.id, before=store.check_message_cursor(before))
    first_unread = first_unread_id(page.messages, pc.conversation)
    if mark_read:
        do_patient_read(pc, now)
    policy = team_policy(pc.team)
    status = present.patient_status(pc.team, pc.conversation, now)
    return {
        "team": {"team_id": pc.team.team_id, "name": pc.team.name, "phone": pc.team.phone, "status": status,
                 "contact": rota.today_contact(pc.items, pc.team, now)},
        "status": status,
        "messages": [present.message(m, pc.conversation, viewer="patient", policy=policy, now=now)
                     for m in page.messages],
        "older_cursor": page.older_cursor,
        "first_unread": first_unread,
    }


def first_unread_id(messages: list[MessageItem], conv: ConversationItem) -> str | None:
    """The first of ``messages`` from the team (or Teamline) that the patient has not read yet."""
    if not conv.patient_unread:
        return None
    for m in messages:
        if m.sender_kind in ("staff", "system") and (conv.patient_read_upto is None or m.sent_at > conv.patient_read_upto):
            return m.message_id
    return None


def _first_unread(messages: list[Any], from_kind: str, read_upto: datetime | None, unread: float | None) -> str | None:
    """The first message from the other side the reader had not read when the page loaded (the marker goes there)."""
    if not unread:
        return None
    return next((m.sk for m in messages if m.sender_kind == from_kind and (read_upto is None or m.sent_at > read_upto)),
                None)


def staff_thread(sc: StaffConversation, now: datetime, before: str | None = None, *,
                 mark_read: bool = False) -> dict[str, Any]:
    """A page of a conversation for a clinician of the team: always audited as viewed; marked read if asked."""
    page = store.message_page(sc.team.team_id, sc.conversation.patient_id, before=store.check_message_cursor(before))
    do_staff_view(sc, now, mark_read=mark_read)
    policy = team_policy(sc.team)
    messages = [present.message(m, sc.conversation, viewer="staff", policy=policy, now=now, viewer_id=sc.actor.id)
                for m in page.messages]
    notes = _notes(sc, page, before)
    return {
        "team": {"team_id": sc.team.team_id, "name": sc.team.name},
        "me": sc.actor.id,
        "conversation": present.conversation_summary(sc.conversation, now, policy),
        "messages": messages,
        "notes": [present.note(n, policy, now) for n in notes],
        "entries": present.interleave(messages, [present.note(n, policy, now) for n in notes]),
        "older_cursor": page.older_cursor,
        "seen_upto": messages[-1]["cursor"] if messages else "",
        "first_unread": _first_unread(page.messages, "patient", sc.conversation.team_read_upto,
                                      sc.conversation.team_unread),
    }


def _notes(sc: StaffConversation, page: store.MessagePage, before: str | None) -> list[Any]:
    """The staff-only notes in the page's time span: one more Query, only when the conversation has any."""
    if not sc.conversation.note_count:
        return []
    after = page.messages[0].sent_at if page.older_cursor and page.messages else None
    return note_store.notes_between(sc.team.team_id, sc.conversation.patient_id, after,
                                    store.cursor_time(store.check_message_cursor(before)))


def do_patient_read(pc: PatientConversation, now: datetime) -> None:
    """Mark the team's messages read by the patient (a write only when something was unread).

    Not audited: a patient reading their own messages is not an access an IG lead needs to see, and
    auditing it would make every patient read a write.
    """
    conv = pc.conversation
    if not conv.patient_unread:
        return  # nothing from the team is unread (the patient's own messages do not need marking)
    with db.storage():
        conv.update(actions=[ConversationItem.patient_unread.set(0),
                             ConversationItem.patient_read_upto.set(max(now, conv.last_activity_at))])


def do_staff_view(sc: StaffConversation, now: datetime, *, mark_read: bool = True) -> None:
    """Record that a clinician opened the conversation (audit), marking the patient's messages read if asked."""
    conv = sc.conversation
    with db.committed() as tx:
        tx.save(audit_event(now, AuditEventType.CONVERSATION_VIEWED, sc.actor, team_id=conv.team_id,
                            patient_id=conv.patient_id))
        # Colleagues' open pages show "opened by ..." (services.live): written with the audited read.
        tx.save(inbox_store.new_presence(conv.team_id, conv.patient_id, sc.actor.id, staff_label(sc.actor),
                                         writing=False, now=now))
        if mark_read and conv.team_unread:
            # Read up to everything on screen, even if its stamp is a hair ahead of this clock.
            tx.update(conv, actions=[ConversationItem.team_unread.set(0),
                                     ConversationItem.team_read_upto.set(max(now, conv.last_activity_at))])
        touch_session(tx, sc.actor, now)


def patient_teams(actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """Each of the patient's teams with its open/closed status, unread count and today's named contact.

    One BatchGetItem: the teams, the conversations and the teams' rota months together.
    """
    rows = []
    pairs, found = rota_store.patient_teams_and_rota(actor.id, actor.patient_team_ids, now)
    for team, conv in pairs:
        if not team.active:
            continue
        rows.append({
            "team_id": team.team_id,
            "name": team.name,
            "description": team.description,
            "phone": team.phone,
            "status": present.patient_status(team, conv, now),
            "unread": int(conv.patient_unread or 0),
            "last_activity_text": present.when_text_for(team, conv.last_activity_at, now),
            "contact": rota.today_contact(found, team, now),
        })
    return sorted(rows, key=lambda row: row["name"].lower())


def invitations(actor: Actor, now: datetime) -> list[dict[str, str]]:
    """Teams waiting for this patient to accept their invitation (a read only when there are any)."""
    from chalicelib.models.team import teams_by_id
    from chalicelib.services.invites import pending_invitations

    waiting = pending_invitations(actor, now)
    teams = teams_by_id(waiting) if waiting else {}
    return [{"team_id": t.team_id, "name": t.name} for t in teams.values() if t.active]
