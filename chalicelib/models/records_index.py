"""What a conversation carries about filing to the clinical record, and the index keys derived from it.

A mix-in of ``ConversationItem`` (kept here so the conversation module stays about conversations):

* ``filed_ranges``: the message sort-key ranges already filed (``chalicelib.domain.filing``);
* ``unfiled_since``: when the oldest unfiled message was stamped, mirrored in gsi9 ``UNFILED#<team>``
  (sparse: only while something is unfiled), which the unfiled queue and the daily reminder read;
* gsi10 ``RETAIN#<team>`` ordered by last activity: the conversations that may hold data the retention
  job will one day delete. Every new message puts the conversation (back) in; the job takes it out
  once nothing more can be deleted, and a filing puts it back in.
* ``retention_due_at``: set by the retention job when the conversation is past retention but still
  holds unfiled messages, which are never deleted: the team lead is shown it instead.

``index_actions`` is called by ``models.conversation.update_actions`` for every change, so a message
stored by any path (a patient's send, a reply, an automatic reply, a notice) is counted as unfiled.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import JSONAttribute, UTCDateTimeAttribute

from chalicelib.domain.conversation import Change
from chalicelib.models import keys


class FilingState:
    """Attributes a conversation holds about filing and retention (see the module docstring)."""

    filed_ranges = JSONAttribute(null=True)
    unfiled_since = UTCDateTimeAttribute(null=True)
    retention_due_at = UTCDateTimeAttribute(null=True)


def index_actions(conv: Any, change: Change) -> list[Any]:
    """Update actions for a change that adds messages: they are unfiled, and the conversation holds data to keep.

    ``if_not_exists`` keeps the oldest unfiled time when one is already recorded, without reading it.
    """
    if not change.add.get("message_count"):
        return []
    stamps: list[datetime] = [v for k in ("last_patient_at", "last_activity_at")
                              if isinstance(v := change.set.get(k), datetime)]
    if not stamps:
        return []
    first, last = min(stamps), max(stamps)
    item = type(conv)
    return [item.unfiled_since.set(item.unfiled_since | first),
            item.gsi9pk.set(keys.team_unfiled(conv.team_id)),
            item.gsi9sk.set(item.gsi9sk | keys.unfiled_sk(first, conv.patient_id)),
            item.gsi10pk.set(keys.team_retention(conv.team_id)),
            item.gsi10sk.set(keys.retention_sk(last, conv.patient_id))]
