"""A team's canned replies: one small item (``TEAM#<team>`` / ``CANNED``) the lead keeps.

Kept as one JSON list rather than an item each, so the conversation page fetches them by key in its
first BatchGetItem. A team has a few dozen at most (``MAX_REPLIES``), well inside DynamoDB's item size.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute

from chalicelib.models import keys
from chalicelib.models.base import MainItem

MAX_REPLIES = 50


class CannedRepliesItem(MainItem, discriminator="canned_replies"):
    """``replies``: ``[{"id", "title", "body"}]`` in the order the lead sees them; ``version`` guards edits."""

    replies = JSONAttribute(default=list)
    version = NumberAttribute(default=0)


def key(team_id: str) -> tuple[str, str]:
    return keys.canned_replies(team_id)


def from_items(items: dict[tuple[str, str], Any], team_id: str) -> CannedRepliesItem:
    """The team's canned replies from a BatchGetItem's items (an empty list when there are none yet)."""
    found = items.get(keys.canned_replies(team_id))
    return found if isinstance(found, CannedRepliesItem) else CannedRepliesItem(*keys.canned_replies(team_id),
                                                                                replies=[], version=0)


def save_actions(replies: list[dict[str, str]]) -> list[Any]:
    return [CannedRepliesItem.replies.set(replies), CannedRepliesItem.version.add(1),
            CannedRepliesItem.kind.set(CannedRepliesItem)]  # the first update creates the item: give it its kind


def unchanged_since_loaded(item: CannedRepliesItem) -> Any:
    if not item.version:
        return CannedRepliesItem.version.does_not_exist() | (CannedRepliesItem.version == 0)
    return CannedRepliesItem.version == item.version
