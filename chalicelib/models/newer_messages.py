"""The messages of a conversation newer than one a page already shows: the live check's one Query.

Kept apart from ``models.conversation`` (which holds the items and every other query on them) only for
size; the key range is the same partition and prefix, built from ``models.keys``.
"""

from __future__ import annotations

from typing import NamedTuple

from chalicelib.models import keys
from chalicelib.models.conversation import PAGE_SIZE, MessageItem
from chalicelib.models.db import storage


class NewerMessages(NamedTuple):
    """Messages after a cursor, oldest first, and whether there were more than asked for."""

    messages: list[MessageItem]
    more: bool


NONE = NewerMessages([], False)


def messages_after(team_id: str, patient_id: str, after: str | None, *, limit: int = PAGE_SIZE) -> NewerMessages:
    """The messages newer than ``after`` (a validated message cursor; None: from the start): one Query."""
    pk = keys.conversation_pk(team_id, patient_id)
    # "~" sorts after every stamp's digits, so the range holds messages only: the record (~CONV) sorts after
    # "MSG#~" and the guards (CMID#) before "MSG#". BETWEEN is inclusive: ``after`` itself is dropped.
    condition = MessageItem.sk.between(after or keys.MESSAGE_PREFIX, f"{keys.MESSAGE_PREFIX}~")
    fetch = limit + 2
    with storage():
        results = MessageItem.query(pk, condition, scan_index_forward=True, limit=fetch, page_size=fetch)
        items = [item for item in results if isinstance(item, MessageItem) and item.sk != after]
    return NewerMessages(items[:limit], len(items) > limit)
