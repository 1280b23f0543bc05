"""The app's Lambda functions, found by loading the app the way Chalice does.

Chalice makes one function for the REST API (``api_handler``) and one per ``@app.schedule``,
``@app.on_dynamodb_record`` and other event handler, named ``<app>-<stage>`` and
``<app>-<stage>-<name>``. The infrastructure stack needs those names before Chalice runs (log groups
with retention, alarms, one role per function), so a new scheduled job is picked up here and gets
its log group, alarms and role without any change to the deploy.

The app is loaded in a child process with the ``local`` stage's settings: this process must not import
``chalicelib`` (its settings are read once, at import).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_NAME = "teamline"

_LIST_FUNCTIONS = """
import json
from chalice import app as chalice_app
import app as teamline
kinds = {chalice_app.CloudWatchEventConfig: "schedule", chalice_app.ScheduledEventConfig: "schedule",
         chalice_app.DynamoDBEventConfig: "dynamodb", chalice_app.SQSEventConfig: "sqs",
         chalice_app.SNSEventConfig: "sns", chalice_app.S3EventConfig: "s3", chalice_app.KinesisEventConfig: "kinesis"}
found = []
if teamline.app.routes:
    found.append({"name": "api_handler", "kind": "api", "detail": ""})
for source in teamline.app.event_sources:
    kind = next((k for cls, k in kinds.items() if type(source) is cls), type(source).__name__)
    detail = getattr(source, "schedule_expression", "") or getattr(source, "stream_arn", "") or ""
    found.append({"name": source.name, "kind": kind, "detail": str(getattr(detail, "to_string", lambda: detail)())})
for function in teamline.app.pure_lambda_functions:
    found.append({"name": function.name, "kind": "lambda", "detail": ""})
print(json.dumps(found))
"""


@dataclass(frozen=True)
class Function:
    """One Lambda function of the app."""

    name: str  # Chalice's name: api_handler, mark_overdue, deliver_push...
    kind: str  # api, schedule, dynamodb, lambda...
    detail: str  # the schedule expression or stream ARN the code declares

    @property
    def logical_id(self) -> str:
        """A CloudFormation logical id for resources that belong to this function (ApiHandler, MarkOverdue)."""
        return "".join(part.capitalize() for part in self.name.replace("-", "_").split("_"))

    def function_name(self, stage: str) -> str:
        """The name Chalice gives the deployed function."""
        return f"{APP_NAME}-{stage}" if self.kind == "api" else f"{APP_NAME}-{stage}-{self.name}"


def discover(root: Path = ROOT) -> list[Function]:
    """The app's functions, in the order Chalice declares them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEAMLINE_", "AWS_ENDPOINT_URL"))}
    env.update({"TEAMLINE_STAGE": "local", "AWS_DEFAULT_REGION": env.get("AWS_DEFAULT_REGION", "eu-west-2")})
    result = subprocess.run([sys.executable, "-c", _LIST_FUNCTIONS], cwd=root, env=env, capture_output=True,
                            text=True, check=False, timeout=120)
    if result.returncode != 0:
        raise RuntimeError("Could not load app.py to list its Lambda functions:\n" + result.stderr[-3000:])
    return [Function(**entry) for entry in json.loads(result.stdout.strip().splitlines()[-1])]
