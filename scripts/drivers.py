"""Drive, locally, the handlers ``chalice local`` never runs: schedules and stream events.

In AWS, EventBridge runs the scheduled handlers and Lambda reads the DynamoDB stream. Locally this
driver does both from the ``make run`` process by calling the same handler functions, so the local
app behaves like the deployed one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Schedule:
    """Run ``handler`` every ``every`` seconds."""

    name: str
    every: float
    handler: Callable[[], None]
    next_run: float = field(default=0.0)


class LocalEventDriver:
    """Calls the app's scheduled and stream handlers on a timer."""

    def __init__(self, schedules: list[Schedule] | None = None, stream_pollers: list[Callable[[], int]] | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.schedules = schedules if schedules is not None else default_schedules()
        self.stream_pollers = stream_pollers if stream_pollers is not None else default_stream_pollers()
        self.monotonic = monotonic

    def tick(self) -> None:
        """Run whatever is due, and deliver any new stream records."""
        now = self.monotonic()
        for schedule in self.schedules:
            if now >= schedule.next_run:
                schedule.next_run = now + schedule.every
                schedule.handler()
        for poll in self.stream_pollers:
            poll()


def default_schedules() -> list[Schedule]:
    """The app's scheduled handlers, at the rates app.py declares for EventBridge."""
    from chalicelib.api import jobs

    return [Schedule(job.name, job.every_seconds, job.run) for job in jobs.SCHEDULES]


class StreamPoller:
    """Reads the main table's DynamoDB stream (moto speaks the Streams API) and hands new items to a handler.

    Lambda reads a stream from TRIM_HORIZON or LATEST per shard and retries failed batches; this does
    the same from LATEST, which is what the deployed event source mapping uses.
    """

    def __init__(self, handler: Callable[[list[dict]], object], *, endpoint: str | None = None) -> None:
        import boto3

        from chalicelib.settings import get_settings

        settings = get_settings()
        self.handler = handler
        self._dynamodb = boto3.client("dynamodb", endpoint_url=endpoint or settings.dynamodb_endpoint,
                                      region_name=settings.region)
        self._streams = boto3.client("dynamodbstreams", endpoint_url=endpoint or settings.dynamodb_endpoint,
                                     region_name=settings.region)
        self._table = settings.main_table
        self._iterators: dict[str, str | None] = {}

    def _refresh_shards(self) -> None:
        arn = self._dynamodb.describe_table(TableName=self._table)["Table"]["LatestStreamArn"]
        shards = self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard_id, ShardIteratorType="LATEST")["ShardIterator"]

    def __call__(self) -> int:
        """Deliver whatever arrived since the last call; returns how many new items were handed over."""
        if not self._iterators:
            self._refresh_shards()
        handed = 0
        for shard_id, iterator in list(self._iterators.items()):
            if iterator is None:
                continue
            response = self._streams.get_records(ShardIterator=iterator, Limit=100)
            self._iterators[shard_id] = response.get("NextShardIterator")
            images = [r["dynamodb"]["NewImage"] for r in response.get("Records", [])
                      if r.get("eventName") == "INSERT" and "NewImage" in r.get("dynamodb", {})]
            if images:
                self.handler(images)
                handed += len(images)
        return handed


def default_stream_pollers() -> list[Callable[[], int]]:
    """The app's stream consumers: push delivery."""
    from chalicelib.api import jobs

    return [StreamPoller(jobs.deliver_pushes)]
