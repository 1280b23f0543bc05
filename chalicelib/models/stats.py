"""A team's workload counters: one item per local day and part, in the team's own ``STATS#`` partition.

Two parts per day, both under ``DAY#<yyyy-mm-dd>#...`` so one Query reads a whole month:

* ``COUNTS``, kept by the table's stream (``services.counting``): counters (``n:<name>``, added to),
  samples (``s:<name>``, lists of numbers appended to, e.g. every reply time), labels (``l:<name>``, set:
  how a clinician is named) and ``seen``, a string set holding a short digest of every stored item
  already counted. Each update adds a batch's figures for one team and day *on condition that none of
  its items is in ``seen``*, and adds their digests to it in the same write, so a redelivered stream
  batch changes nothing: one UpdateItem per team and day per batch, whatever the batch size. When the
  condition fails (part of the batch was counted before) the set is read and the rest is counted.
  The backfill command clears this part and counts every stored message again.
* ``OVERDUE``: the overdue sweep's reading for each quarter hour (``q:<slot>``), set, not added to.

Counter names are data (new ones need no schema change), so these items are read and written as raw
DynamoDB attributes here; ``TeamDayItem`` exists so PynamoDB recognises the kind when it meets one.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, NamedTuple

from botocore.exceptions import ClientError
from pynamodb.attributes import UnicodeAttribute

from chalicelib.domain.workload import DayFigures
from chalicelib.errors import ServiceUnavailable
from chalicelib.models import keys
from chalicelib.models.base import MainItem
from chalicelib.models.db import connection, storage

COUNTS = "COUNTS"
OVERDUE = "OVERDUE"
#: Items counted in one conditional write (each adds a clause to the condition expression, limited to 4 KB).
MAX_ITEMS_PER_WRITE = 25
ATTEMPTS = 5
_COUNT, _SAMPLE, _LABEL, _SLOT, _SEEN = "n:", "s:", "l:", "q:", "seen"


class TeamDayItem(MainItem, discriminator="team_day"):
    """A team's counters for one local day (the counters themselves are raw attributes: see the module)."""

    team_id = UnicodeAttribute()
    day = UnicodeAttribute()
    part = UnicodeAttribute()


class Delta(NamedTuple):
    """What one stored item adds to its team's day."""

    counts: Mapping[str, int]
    samples: Mapping[str, list[int]]
    labels: Mapping[str, str]


def item_digest(pk: str, sk: str) -> str:
    """A short, stable name for a stored item (96 bits: no two items of a team's day collide in practice)."""
    return base64.urlsafe_b64encode(hashlib.blake2b(f"{pk}\x00{sk}".encode(), digest_size=9).digest()).decode()


def from_image(raw: Mapping[str, Any]) -> MainItem | None:
    """The item a stream record's new image holds, as its own class; None for a kind this code does not know."""
    try:
        item: MainItem = MainItem.from_raw_data(dict(raw))
    except (ValueError, KeyError, AttributeError, TypeError):
        return None
    return item


# --- writing -----------------------------------------------------------------------------------------------


def _table() -> str:
    return str(MainItem.Meta.table_name)


def _key(team_id: str, day: date, part: str) -> dict[str, Any]:
    return {"pk": {"S": keys.team_stats_pk(team_id)}, "sk": {"S": keys.team_stats_sk(day.isoformat(), part)}}


class _Expression:
    """An update expression under construction, with its placeholders."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, attribute: str) -> str:
        placeholder = f"#a{len(self.names)}"
        self.names[placeholder] = attribute
        return placeholder

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def identity(self, team_id: str, day: date, part: str) -> list[str]:
        """SET clauses naming what the item is (the same on every write)."""
        return [f"{self.name(attr)} = {self.value({'S': text})}"
                for attr, text in (("kind", "team_day"), ("team_id", team_id), ("day", day.isoformat()),
                                   ("part", part))]


def _merge(deltas: Iterable[Delta]) -> Delta:
    counts: dict[str, int] = {}
    samples: dict[str, list[int]] = {}
    labels: dict[str, str] = {}
    for delta in deltas:
        for name, amount in delta.counts.items():
            counts[name] = counts.get(name, 0) + int(amount)
        for name, values in delta.samples.items():
            samples.setdefault(name, []).extend(int(v) for v in values)
        labels.update(delta.labels)
    return Delta(counts, samples, labels)


def _count_request(team_id: str, day: date, pending: Mapping[str, Delta]) -> dict[str, Any]:
    """One UpdateItem adding ``pending``'s figures, on condition none of its items was counted before."""
    delta = _merge(pending[d] for d in sorted(pending))
    ex = _Expression()
    sets = ex.identity(team_id, day, COUNTS)
    sets += [f"{ex.name(_LABEL + k)} = {ex.value({'S': v})}" for k, v in sorted(delta.labels.items())]
    empty = ex.value({"L": []}) if delta.samples else ""  # DynamoDB refuses a value the expression does not use
    for name, values in sorted(delta.samples.items()):
        attr = ex.name(_SAMPLE + name)
        sets.append(f"{attr} = list_append(if_not_exists({attr}, {empty}), "
                    f"{ex.value({'L': [{'N': str(v)} for v in values]})})")
    seen = ex.name(_SEEN)
    adds = [f"{seen} {ex.value({'SS': sorted(pending)})}"]
    adds += [f"{ex.name(_COUNT + k)} {ex.value({'N': str(v)})}" for k, v in sorted(delta.counts.items()) if v]
    condition = " AND ".join(f"NOT contains({seen}, {ex.value({'S': d})})" for d in sorted(pending))
    return {"TableName": _table(), "Key": _key(team_id, day, COUNTS),
            "UpdateExpression": f"SET {', '.join(sets)} ADD {', '.join(adds)}", "ConditionExpression": condition,
            "ExpressionAttributeNames": ex.names, "ExpressionAttributeValues": ex.values}


def _counted_already(team_id: str, day: date) -> set[str]:
    """The digests of the items already counted into a team's day (a consistent read)."""
    with storage():
        found = connection().dispatch("GetItem", {
            "TableName": _table(), "Key": _key(team_id, day, COUNTS), "ConsistentRead": True,
            "ProjectionExpression": "#s", "ExpressionAttributeNames": {"#s": _SEEN}})
    return set(found.get("Item", {}).get(_SEEN, {}).get("SS", []))


def _conditional_failed(error: ClientError) -> bool:
    return bool(error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


def _add_chunk(team_id: str, day: date, pending: dict[str, Delta]) -> int:
    for _ in range(ATTEMPTS):
        if not pending:
            return 0
        try:
            with storage():
                connection().dispatch("UpdateItem", _count_request(team_id, day, pending))
            return len(pending)
        except ClientError as error:
            if not _conditional_failed(error):
                raise ServiceUnavailable() from error
        counted = _counted_already(team_id, day)  # part of this was counted before (a redelivered batch)
        pending = {d: delta for d, delta in pending.items() if d not in counted}
    raise ServiceUnavailable("The workload counters are busy; the stream will deliver this batch again.")


def add(team_id: str, day: date, deltas: Mapping[str, Delta]) -> int:
    """Add each item's figures to a team's day once (keyed by item digest); returns how many were new."""
    digests = sorted(deltas)
    added = 0
    for start in range(0, len(digests), MAX_ITEMS_PER_WRITE):
        added += _add_chunk(team_id, day, {d: deltas[d] for d in digests[start:start + MAX_ITEMS_PER_WRITE]})
    return added


def record_overdue(team_id: str, day: date, slot: int, count: int) -> None:
    """Set the overdue count the sweep saw in one quarter hour of a team's day (setting it again is harmless)."""
    ex = _Expression()
    sets = [*ex.identity(team_id, day, OVERDUE), f"{ex.name(f'{_SLOT}{slot:02d}')} = {ex.value({'N': str(count)})}"]
    with storage():
        try:
            connection().dispatch("UpdateItem", {
                "TableName": _table(), "Key": _key(team_id, day, OVERDUE), "UpdateExpression": f"SET {', '.join(sets)}",
                "ExpressionAttributeNames": ex.names, "ExpressionAttributeValues": ex.values})
        except ClientError as error:
            raise ServiceUnavailable() from error


# --- reading -----------------------------------------------------------------------------------------------


class _Day(NamedTuple):
    counts: dict[str, int]
    samples: dict[str, list[int]]
    labels: dict[str, str]
    overdue: dict[int, int]


def _read_into(day: _Day, item: Mapping[str, Any]) -> None:
    for name, value in item.items():
        if name.startswith(_COUNT):
            day.counts[name[len(_COUNT):]] = int(value["N"])
        elif name.startswith(_SAMPLE):
            day.samples[name[len(_SAMPLE):]] = [int(v["N"]) for v in value.get("L", [])]
        elif name.startswith(_LABEL):
            day.labels[name[len(_LABEL):]] = str(value["S"])
        elif name.startswith(_SLOT):
            day.overdue[int(name[len(_SLOT):])] = int(value["N"])


def _query_pages(request: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    with storage():
        try:
            while True:
                page = connection().dispatch("Query", request)
                items += page.get("Items", [])
                if "LastEvaluatedKey" not in page:
                    return items
                request = {**request, "ExclusiveStartKey": page["LastEvaluatedKey"]}
        except ClientError as error:
            raise ServiceUnavailable() from error


def team_days(team_id: str, first: date, last: date) -> list[DayFigures]:
    """A team's figures for each day from ``first`` to ``last`` that has any (one Query while under 1 MB)."""
    low, high = keys.team_stats_range(first.isoformat(), last.isoformat())
    items = _query_pages({
        "TableName": _table(), "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
        "ExpressionAttributeValues": {":pk": {"S": keys.team_stats_pk(team_id)}, ":low": {"S": low},
                                      ":high": {"S": high}}})
    days: dict[str, _Day] = {}
    for item in items:
        _read_into(days.setdefault(item["day"]["S"], _Day({}, {}, {}, {})), item)
    return [DayFigures(date.fromisoformat(d), v.counts, v.samples, v.labels, v.overdue) for d, v in sorted(days.items())]


def clear_counts(team_id: str) -> int:
    """Delete every ``COUNTS`` day of a team (the backfill recounts them); the sweep's readings stay. A command's tool."""
    low, high = keys.team_stats_range("0000-00-00", "9999-99-99")
    items = _query_pages({
        "TableName": _table(), "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
        "ProjectionExpression": "pk, sk, #p", "ExpressionAttributeNames": {"#p": "part"},
        "ExpressionAttributeValues": {":pk": {"S": keys.team_stats_pk(team_id)}, ":low": {"S": low},
                                      ":high": {"S": high}}})
    doomed = [item for item in items if item.get("part", {}).get("S") == COUNTS]
    with storage():
        for item in doomed:
            connection().dispatch("DeleteItem", {"TableName": _table(), "Key": {"pk": item["pk"], "sk": item["sk"]}})
    return len(doomed)


def conversation_history(team_id: str, patient_id: str) -> list[Any]:
    """Every item of one conversation's partition (messages, staff-only notes, ladder steps and the rest), all
    pages: the backfill's recount, never a request's. The counting rules pick what they count."""
    with storage():
        return list(MainItem.query(keys.conversation_pk(team_id, patient_id)))
