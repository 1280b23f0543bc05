"""The safety fields of a conversation and a message, kept apart so the conversation module stays about threads.

``ConversationItem`` and ``MessageItem`` (``models/conversation.py``) mix these in; PynamoDB collects attributes
from every base class. What they mean and who writes them: ``chalicelib.services.safety_send`` (at send),
``services/agreements.py``, ``services/misuse.py`` and ``services/content_warnings.py``; see docs/data-model.md.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, ListAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute


class ConversationSafetyFields:
    """A conversation's agreement, misuse ladder and per-patient cap counter."""

    #: The version of the team's agreement the patient accepted, and when.
    agreement_version = NumberAttribute(null=True)
    agreement_accepted_at = UTCDateTimeAttribute(null=True)
    #: The misuse ladder: {"plan"|"cap"|"pause": {...}} (chalicelib.domain.misuse.Ladder); each lapses at its review.
    misuse = JSONAttribute(null=True)
    #: The cap's counter: the day or week it counts in ("day:2026-11-25", team timezone), and messages counted there.
    cap_window = UnicodeAttribute(null=True)
    cap_count = NumberAttribute(default=0)
    #: When the oldest unanswered red-flag message arrived; cleared by the reply that answers it.
    red_flag_since = UTCDateTimeAttribute(null=True)


class MessageSafetyFields:
    """A message's red flags (set at send) and a staff-only content warning."""

    #: Red-flag categories the message matched ("crisis.suicide", "condition.chemotherapy_fever").
    red_flags = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]  # stubs want of=str
    #: Staff only: {"note", "by", "by_name", "at"}, so colleagues open a distressing message deliberately.
    content_warning = JSONAttribute(null=True)
    #: On a clinician's reply that answered a red-flag message: when that message arrived (the dashboard's
    #: red-flag reply time).
    answers_red_flag_since = UTCDateTimeAttribute(null=True)
