"""Has anything changed in a young person's conversation since their page last looked? (The live check.)

An open conversation asks every 20 seconds while it is on screen, and at once when a push arrives,
so that a reply appears without a reload. Almost always nothing has changed, so the answer must cost
next to nothing: it comes from the conversation record the access loader already fetched in its one
BatchGetItem (with the session and the team). Every step that adds a message sets the record's
``last_activity_at`` to that message's stamp, and stamps only grow (``domain.conversation.next_instant``),
so "is there a message newer than the page's newest?" is a comparison with no further read. Only when
there is does the check Query the new messages (one Query, from the page's newest message on), and
marks them read when the page is on screen (a write only when something from the team was unread).

The team's read state and whether a reply is still owed are on the same record, so the page's
"Read" ticks and its reply-by line follow the team's actions too, at no extra cost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.models import conversation as store
from chalicelib.models import newer_messages
from chalicelib.models.team import team_policy
from chalicelib.scopes import PatientConversation
from chalicelib.services import present
from chalicelib.services.threads import do_patient_read, first_unread_id

#: How often an open conversation asks, while on screen. A reply shows within this; each check that finds
#: nothing costs one BatchGetItem and ~1 KB each way, so a patient reading for ten minutes costs 30 small
#: requests. Hidden pages never ask, and a push makes the page ask at once, so most replies show sooner.
CHECK_SECONDS = 20


def patient_updates(pc: PatientConversation, now: datetime, after: object, *, mark_read: bool) -> dict[str, Any]:
    """What is newer than the message cursor ``after`` (None or "": the page had no messages yet)."""
    cursor = store.check_message_cursor(after, field="after")
    conv = pc.conversation
    newest_seen = store.cursor_time(cursor)
    changed = bool(conv.message_count) and (newest_seen is None or conv.last_activity_at > newest_seen)
    found = newer_messages.messages_after(pc.team.team_id, pc.actor.id, cursor) if changed else newer_messages.NONE
    first_unread = first_unread_id(found.messages, conv)
    if mark_read and first_unread:
        do_patient_read(pc, now)
    policy = team_policy(pc.team)
    return {
        "changed": bool(found.messages),
        "messages": [present.message(m, conv, viewer="patient", policy=policy, now=now) for m in found.messages],
        "more": found.more,
        "latest": found.messages[-1].sk if found.messages else cursor,
        "first_unread": first_unread,
        "read_upto": present.iso(conv.team_read_upto),
        "owed": conv.waiting_since is not None,
        "status": present.patient_status(pc.team, conv, now),
    }
