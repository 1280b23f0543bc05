"""Content warnings: a clinician marks a distressing message so colleagues open it deliberately, not by surprise.

Staff only: the young person never sees a warning on their own message. Setting or removing one is one transaction
with its audit row; the update is conditional on the message being a young person's message in this conversation,
so no read is needed first.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import TransactWriteError

from chalicelib.errors import NotFound, ServiceUnavailable, ValidationError
from chalicelib.models import conversation as store
from chalicelib.models import db
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.conversation import MessageItem
from chalicelib.scopes import StaffConversation
from chalicelib.services.common import staff_label

MAX_NOTE = 120
DEFAULT_NOTE = "Distressing content"


def do_set_warning(sc: StaffConversation, now: datetime, cursor: object, *, note: object, on: bool) -> None:
    """Put a warning (with a short note) on one of the young person's messages, or take it off."""
    sk = store.check_message_cursor(cursor, field="cursor", message="That message was not found. Refresh the page.")
    if sk is None:
        raise ValidationError("Choose a message.", field="cursor")
    text = " ".join(str(note or "").split()) or DEFAULT_NOTE
    if len(text) > MAX_NOTE:
        raise ValidationError(f"Keep the note to {MAX_NOTE} characters or fewer.", field="note")
    conv = sc.conversation
    message = MessageItem(conv.pk, sk)  # the conversation's own partition: no other conversation is reachable
    warning = {"note": text, "by": sc.actor.id, "by_name": staff_label(sc.actor), "at": now.isoformat()}
    action = MessageItem.content_warning.set(warning) if on else MessageItem.content_warning.remove()
    tx = db.transaction()
    try:
        with tx:
            tx.update(message, actions=[action],
                      condition=MessageItem.sk.exists() & (MessageItem.sender_kind == "patient"), label="message")
            tx.save(audit_event(now, AuditEventType.CONTENT_WARNING_CHANGED, sc.actor, team_id=conv.team_id,
                                patient_id=conv.patient_id, message_id=sk.rsplit("#", 1)[-1],
                                detail={"on": on}), label="audit")
    except TransactWriteError as exc:
        if "message" in tx.failed_labels(exc):
            raise NotFound("That message was not found. Refresh the page.", field="cursor") from exc
        raise ServiceUnavailable() from exc
