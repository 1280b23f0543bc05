"""The team inbox's views: one Query each on an index built for it, the views' counts, and who is looking.

Views and their indexes (keys in ``chalicelib.models.keys``; ``conversation._index_values`` sets them):

* All: gsi1 ``INBOX#<team>``; Unassigned / Awaiting patient / Closed: gsi5 ``VIEW#<team>#<status>``;
* Mine: gsi4 ``ASSIGNED#<team>#<staff>`` (open ones only, by key condition); Escalated to me: gsi6;
* Overdue: gsi2 ``DUE#<team>`` up to now; Follow-up due: gsi2 ``FOLLOWUP#<team>`` up to now;
* a patient filter: gsi3 ``PATIENTS#<team>`` by family-name prefix, with the view as a filter.

Counts are one small item per (team, view) in the team's partition, fetched by key in the page's
session BatchGetItem, so counts cost no round trip. Every transition that changes a conversation's
views adds to them in its own transaction (``count_updates``); the inbox sweep sets them to the exact
figure, so a write made elsewhere (a leaver's release, a discharge) is corrected within minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.domain.conversation import Change, apply, count_changes
from chalicelib.models import cursor, keys
from chalicelib.models.base import MainItem
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.db import Transaction, storage

#: Rows per inbox page: a tablet screen or two. Every view reads at most this many conversations, whatever the
#: team's size (make bench: inbox_page.items_read_ratio).
INBOX_PAGE_SIZE = 20
PRESENCE_LIFETIME = timedelta(seconds=90)  # a page reports itself every 30 s while open
#: Views whose list is a gsi5 status bucket.
STATUS_VIEWS = {"unassigned": "new", "awaiting": "awaiting_patient", "closed": "closed"}
_NAMES = {"gsi1": {"pk", "sk", "gsi1pk", "gsi1sk"}, "gsi2": {"pk", "sk", "gsi2pk", "gsi2sk"},
          "gsi3": {"pk", "sk", "gsi3pk", "gsi3sk"}, "gsi4": {"pk", "sk", "gsi4pk", "gsi4sk"},
          "gsi5": {"pk", "sk", "gsi5pk", "gsi5sk"}, "gsi6": {"pk", "sk", "gsi6pk", "gsi6sk"}}


class ViewCountItem(MainItem, discriminator="view_count"):
    """How many conversations one inbox view of a team holds (``COUNT#new``, ``COUNT#mine#<staff>``...)."""

    n = NumberAttribute(default=0)


class PresenceItem(MainItem, discriminator="presence"):
    """A clinician has a conversation open (or is writing a reply) as of ``at``; gone after PRESENCE_LIFETIME."""

    staff_id = UnicodeAttribute()
    name = UnicodeAttribute()
    writing = BooleanAttribute(default=False)
    at = UTCDateTimeAttribute()


class InboxPage(NamedTuple):
    """Conversations for one inbox page and the cursor for the next."""

    conversations: list[ConversationItem]
    next_cursor: str | None


class ViewQuery(NamedTuple):
    """Where a view's conversations live: an index, its partition, and an optional sort-key condition."""

    index_name: str
    partition: str
    upto: str | None = None  # sk <= this (due lists), read oldest first
    open_only: bool = False  # sk >= "0" (gsi4: leave out closed ones)


def view_query(view: str, team_id: str, staff_id: str, now: datetime) -> ViewQuery:
    """The index and partition that hold ``view`` for ``staff_id`` in ``team_id``."""
    if view in STATUS_VIEWS:
        return ViewQuery("gsi5", keys.team_view(team_id, STATUS_VIEWS[view]))
    if view == "mine":
        return ViewQuery("gsi4", keys.assigned(team_id, staff_id), open_only=True)
    if view == "escalated":
        return ViewQuery("gsi6", keys.escalated(team_id, staff_id))
    if view == "overdue":
        return ViewQuery("gsi2", keys.team_due(team_id), upto=keys.due_upto(now))
    if view == "followup":
        return ViewQuery("gsi2", keys.team_follow_ups(team_id), upto=keys.due_upto(now))
    return ViewQuery("gsi1", keys.team_inbox(team_id))


def view_page(q: ViewQuery, *, cursor_text: str | None = None, limit: int = INBOX_PAGE_SIZE) -> InboxPage:
    """One page of a view: ONE Query, reading at most ``limit`` items whatever the team's size."""
    index = getattr(ConversationItem, f"by_{q.index_name}")
    sk = getattr(ConversationItem, f"{q.index_name}sk")
    start = cursor.decode(cursor_text, names=_NAMES[q.index_name], partition=(f"{q.index_name}pk", q.partition))
    condition = sk <= q.upto if q.upto else (sk >= keys.OPEN_FROM if q.open_only else None)
    with storage():
        results = index.query(q.partition, condition, scan_index_forward=q.upto is not None, limit=limit,
                              page_size=limit, last_evaluated_key=start)
        items = [item for item in results if isinstance(item, ConversationItem)]
        next_key = results.last_evaluated_key
    return InboxPage(items, cursor.encode(next_key) if len(items) == limit else None)


def patients_named(team_id: str, prefix: str, q: ViewQuery, *, cursor_text: str | None = None,
                   limit: int = INBOX_PAGE_SIZE) -> InboxPage:
    """A view filtered to patients whose family name starts with ``prefix``: one Query on gsi3.

    The view's own partition is matched by a filter on the same Query, so it stays one round trip;
    the page reads at most ``limit`` items of that patient list.
    """
    index_pk = getattr(ConversationItem, f"{q.index_name}pk")
    condition = ConversationItem.gsi1pk.exists() if q.index_name == "gsi1" else index_pk == q.partition
    if q.open_only:
        condition &= ConversationItem.gsi4sk >= keys.OPEN_FROM
    if q.upto:
        condition &= ConversationItem.gsi2sk <= q.upto
    start = cursor.decode(cursor_text, names=_NAMES["gsi3"], partition=("gsi3pk", keys.team_patients(team_id)))
    with storage():
        results = ConversationItem.by_gsi3.query(
            keys.team_patients(team_id), ConversationItem.gsi3sk.startswith(prefix.lower()), filter_condition=condition,
            limit=limit, page_size=limit, last_evaluated_key=start)
        items = [item for item in results if isinstance(item, ConversationItem)]
        next_key = results.last_evaluated_key
    return InboxPage(items, cursor.encode(next_key) if next_key else None)


def held_by(team_id: str, staff_ids: list[str], *, limit: int = INBOX_PAGE_SIZE) -> list[ConversationItem]:
    """Open conversations held by any of these clinicians (one Query each: the caller and whom they cover)."""
    found: list[ConversationItem] = []
    for staff_id in staff_ids:
        found += view_page(ViewQuery("gsi4", keys.assigned(team_id, staff_id), open_only=True), limit=limit).conversations
    return sorted(found, key=lambda c: c.gsi4sk or "", reverse=True)[:limit]


def count_query(q: ViewQuery) -> int:
    """How many conversations a view holds now (Select COUNT; for the sweep, never a page)."""
    index = getattr(ConversationItem, f"by_{q.index_name}")
    sk = getattr(ConversationItem, f"{q.index_name}sk")
    condition = sk <= q.upto if q.upto else (sk >= keys.OPEN_FROM if q.open_only else None)
    with storage():
        return int(index.count(q.partition, condition))


# --- counts ------------------------------------------------------------------------------------------------


def count_keys(team_id: str, staff_id: str) -> list[tuple[str, str]]:
    """The count items an inbox page shows, fetched in its session BatchGetItem."""
    views = ["new", "awaiting_patient", "closed", "followup_due", f"mine#{staff_id}", f"escalated#{staff_id}"]
    return [keys.view_count(team_id, view) for view in views]


def counts_from(items: dict[tuple[str, str], Any], team_id: str, staff_id: str) -> dict[str, int]:
    """The counts by view name, from a BatchGetItem's items (absent means none yet)."""
    names = {"new": "unassigned", "awaiting_patient": "awaiting", "closed": "closed", "followup_due": "followup",
             f"mine#{staff_id}": "mine", f"escalated#{staff_id}": "escalated"}
    result: dict[str, int] = {}
    for key, name in zip(count_keys(team_id, staff_id), names.values(), strict=True):
        item = items.get(key)
        result[name] = max(0, int(item.n)) if isinstance(item, ViewCountItem) else 0
    return result


def count_updates(tx: Transaction, conv: ConversationItem, change: Change) -> None:
    """Add to the counts of the views ``change`` moves the conversation into or out of (same transaction)."""
    for view, delta in sorted(count_changes(conv.state, apply(conv.state, change)).items()):
        # An update creates a missing item without its kind: set it, so a BatchGetItem knows what it is.
        tx.update(ViewCountItem(*keys.view_count(conv.team_id, view)),
                  actions=[ViewCountItem.n.add(delta), ViewCountItem.kind.set(ViewCountItem)])


def set_count(team_id: str, view: str, value: int) -> None:
    """Set a view's count to the figure the sweep found."""
    with storage():
        ViewCountItem(*keys.view_count(team_id, view), n=value).save()


# --- presence --------------------------------------------------------------------------------------------------


def new_presence(team_id: str, patient_id: str, staff_id: str, name: str, *, writing: bool,
                 now: datetime) -> PresenceItem:
    """A clinician's "I have this open" mark (DynamoDB's TTL removes it later; readers check ``at`` themselves)."""
    return PresenceItem(*keys.presence(team_id, patient_id, staff_id), staff_id=staff_id, name=name, writing=writing,
                        at=now, expires_at=now + timedelta(hours=1))


class Check(NamedTuple):
    """A conversation's revision and who else has it open: what an open page polls for."""

    conversation: ConversationItem | None
    present: list[PresenceItem]


def check(team_id: str, patient_id: str, now: datetime) -> Check:
    """ONE Query from ``SEEN#`` to the end of the partition: the presence marks and the conversation record."""
    with storage():
        found = list(MainItem.query(keys.conversation_pk(team_id, patient_id),
                                    MainItem.sk >= keys.PRESENCE_PREFIX, consistent_read=False))
    conv = next((i for i in found if isinstance(i, ConversationItem)), None)
    present = [i for i in found if isinstance(i, PresenceItem) and i.at > now - PRESENCE_LIFETIME]
    return Check(conv, present)


def save_presence(item: PresenceItem) -> None:
    with storage():
        item.save()
