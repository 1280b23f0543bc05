"""Which messages a filing to the clinical record takes, and what is filed afterwards. Pure: no I/O.

Messages are ordered by their sort key (``MSG#<stamp>#<id>``) and a new message is always stamped after
every message already in its conversation (``domain.conversation.next_instant``, under the
conversation's revision condition). So what has been filed can be kept as a few *ranges* of sort keys,
merged, on the conversation itself: an export takes every unfiled message in its period, from the first
it takes to the last, so after it every message in that span is filed; and no message can later be
stored inside a span that is already filed. A message is filed exactly when its sort key lies in one
of the ranges, and the export that filed it is the first export whose span holds it.

Keeping ranges rather than a mark on every message makes filing one small transaction whatever the
size of the conversation (5,000 messages are filed by writing one conversation item, an export item
and an audit row), so a filing is never half done.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

Range = tuple[str, str]  # first and last message sort key, inclusive


def as_ranges(stored: object) -> list[Range]:
    """Ranges from their stored JSON form ``[[first, last], ...]`` (anything else counts as nothing filed)."""
    if not isinstance(stored, list):
        return []
    return [(str(r[0]), str(r[1])) for r in stored if isinstance(r, list | tuple) and len(r) == 2]


def is_filed(sort_key: str, ranges: Sequence[Range]) -> bool:
    """True when a message with this sort key has been filed (ranges sorted and merged, as stored)."""
    index = bisect_right([first for first, _ in ranges], sort_key) - 1
    return index >= 0 and sort_key <= ranges[index][1]


def merged(ranges: Sequence[Range], new: Range) -> list[Range]:
    """The ranges with ``new`` added, sorted, overlapping or touching spans joined."""
    result: list[Range] = []
    for first, last in sorted([*ranges, new]):
        if result and first <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], last))
        else:
            result.append((first, last))
    return result


def joined(ranges: Sequence[Range], messages: Sequence[str]) -> list[Range]:
    """Join ranges that no unfiled message separates (``messages``: every sort key, in order).

    Two exports of neighbouring periods leave two ranges with nothing between them; as one they make
    the stored list, and every ``is_filed`` after it, shorter.
    """
    if len(ranges) < 2:
        return list(ranges)
    result = [ranges[0]]
    for first, last in ranges[1:]:
        between = [m for m in messages if result[-1][1] < m < first]
        if between:
            result.append((first, last))
        else:
            result[-1] = (result[-1][0], last)
    return result


class Stamped(NamedTuple):
    """A message as filing sees it: its sort key and when it was stamped."""

    sort_key: str
    sent_at: datetime


class FilingPlan(NamedTuple):
    """What one filing takes and leaves."""

    chosen: list[int]  # indexes into the messages given, in order
    span: Range | None  # first and last sort key chosen; None when nothing is to be filed
    ranges: list[Range]  # the conversation's filed ranges afterwards
    unfiled_since: datetime | None  # the oldest message still unfiled afterwards


def plan_filing(messages: Sequence[Stamped], ranges: Sequence[Range], *, start: datetime | None = None,
                end: datetime | None = None) -> FilingPlan:
    """File every unfiled message stamped in [start, end] (open ends: from the first, up to the last).

    ``messages`` is the whole conversation, oldest first; ``ranges`` what was filed before.
    """
    chosen = [i for i, m in enumerate(messages)
              if not is_filed(m.sort_key, ranges)
              and (start is None or m.sent_at >= start) and (end is None or m.sent_at <= end)]
    if not chosen:
        return FilingPlan([], None, list(ranges), _oldest_unfiled(messages, ranges))
    span = (messages[chosen[0]].sort_key, messages[chosen[-1]].sort_key)
    after = joined(merged(ranges, span), [m.sort_key for m in messages if not is_filed(m.sort_key, ranges)
                                          and not span[0] <= m.sort_key <= span[1]])
    return FilingPlan(chosen, span, after, _oldest_unfiled(messages, after))


def _oldest_unfiled(messages: Sequence[Stamped], ranges: Sequence[Range]) -> datetime | None:
    return next((m.sent_at for m in messages if not is_filed(m.sort_key, ranges)), None)


def members(messages: Sequence[str], span: Range, earlier: Sequence[Range]) -> list[int]:
    """Which of ``messages`` (sort keys, in order) an export with ``span`` took, given the ranges filed before it."""
    return [i for i, sk in enumerate(messages) if span[0] <= sk <= span[1] and not is_filed(sk, earlier)]
