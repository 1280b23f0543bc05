"""``python -m scripts.deploy``: deploy, upgrade or remove a Teamline stage in the Trust's AWS account.

    python -m scripts.deploy deploy --stage prod        # make deploy STAGE=prod
    python -m scripts.deploy destroy --stage prod       # make destroy STAGE=prod  (keeps tables and buckets)
    python -m scripts.deploy vapid-keys --stage prod    # make vapid-keys STAGE=prod
    python -m scripts.deploy outputs --stage prod       # table names, URLs, queue, topic...

Each run of ``deploy`` does the whole thing and can be repeated: a second run upgrades in place.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from scripts.deploy import aws as aws_calls
from scripts.deploy import functions as app_functions
from scripts.deploy import infra, project
from scripts.deploy.infra import DeployError
from scripts.deploy.stage import (
    DEFAULT_REGION,
    SettingsError,
    StageSettings,
    check_stage_name,
    load_file,
    settings_path,
)

ROOT = Path(__file__).resolve().parents[2]


def say(text: str) -> None:
    """Progress for the engineer running the deploy."""
    print(text, flush=True)


def load_settings(stage: str, explicit: str | None, aws_for_region: Any | None = None) -> tuple[StageSettings, str]:
    """The stage's settings and where they came from: the file, else the copy stored by the last deploy."""
    check_stage_name(stage)
    path = settings_path(stage, explicit)
    if path.exists():
        return load_file(stage, path), str(path)
    if explicit:
        raise SettingsError(f"SETTINGS={explicit} does not exist")
    region = os.environ.get("TEAMLINE_DEPLOY_REGION") or DEFAULT_REGION
    session = aws_for_region or aws_calls.session(region)
    account = aws_calls.check_credentials(session)
    stored = aws_calls.stored_settings(session, stage, account)
    if stored is None:
        raise SettingsError(
            f"No settings for stage {stage!r}: copy deploy/example.json to {path.relative_to(ROOT)} and fill it in "
            "(or pass SETTINGS=<file>). A stage deployed before keeps a copy in its state bucket, found here for "
            f"region {region} (set TEAMLINE_DEPLOY_REGION if the stage is elsewhere).")
    return stored, f"the copy stored by the last deploy (s3://{aws_calls.state_bucket_name(stage, account, region)})"


def chalice_environment(region: str) -> dict[str, str]:
    """The environment for `chalice`: a region, and no TEAMLINE_* settings leaking in from this shell.

    Chalice imports app.py with the stage's environment from the generated config; a stray
    TEAMLINE_CLOCK_OVERRIDE or table name from the engineer's shell must not reach the package.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEAMLINE_")}
    env["AWS_DEFAULT_REGION"] = region
    env["AWS_REGION"] = region
    return env


def run_chalice(command: list[str], project_dir: Path, region: str) -> None:
    """Run a chalice command in the stage's project folder; stop the deploy if it fails."""
    argv = [sys.executable, "-c", "import sys; from chalice.cli import main; sys.exit(main())", *command]
    say("$ chalice " + " ".join(command))
    result = subprocess.run(argv, cwd=project_dir, env=chalice_environment(region), check=False)
    if result.returncode != 0:
        raise DeployError(f"`chalice {' '.join(command)}` failed (exit status {result.returncode}); its output is "
                          "above. Running `make deploy` again resumes from what was created.")


def prepare_project(aws: Any, settings: StageSettings, outputs: dict[str, str],
                    functions: list[app_functions.Function], public_key: str) -> Path:
    """Build the stage's Chalice project and bring in the deploy state from the state bucket."""
    config = project.chalice_config(settings, functions, outputs, public_key)
    project_dir = project.build_project(settings, config)
    state = project.deployed_state_path(project_dir, settings.stage)
    key = aws_calls.STATE_KEY.format(stage=settings.stage)
    # The bucket is the record: every deploy stores its state there, even one that failed half way. A local
    # file the bucket does not have belongs to some other account or an earlier life of the stage.
    if aws_calls.download(aws, outputs["DeployStateBucketName"], key, state):
        say(f"Deploy state: s3://{outputs['DeployStateBucketName']}/{key}")
    else:
        state.unlink(missing_ok=True)
        say("Deploy state: none yet (a first deployment)")
    return project_dir


def save_state(aws: Any, settings: StageSettings, outputs: dict[str, str], project_dir: Path) -> None:
    """Send Chalice's deploy state back to the state bucket, so any machine can upgrade next time."""
    state = project.deployed_state_path(project_dir, settings.stage)
    if state.exists():
        aws_calls.upload(aws, outputs["DeployStateBucketName"], aws_calls.STATE_KEY.format(stage=settings.stage),
                         state.read_bytes())


def deploy(stage: str, settings_file: str | None) -> dict[str, Any]:
    """Create or upgrade a stage: infrastructure stack, then `chalice deploy`, then what Chalice cannot do."""
    started = time.monotonic()
    settings, source = load_settings(stage, settings_file)
    say(f"Stage {stage} in {settings.region}, settings from {source}")
    aws = aws_calls.session(settings.region)
    account = aws_calls.check_credentials(aws)
    say(f"AWS account {account}")
    if not settings.domain_name:
        say("WARNING: no custom_domain. Teamline's pages, cookies and service worker need to be served at the root "
            "of a domain; the API's own address (under /v1/) is for checks only. See docs/deploy.md.")

    functions = app_functions.discover()
    say("Functions: " + ", ".join(f"{f.name} ({f.kind})" for f in functions))
    public_key = aws_calls.read_vapid_public_key(aws, stage)
    if public_key is None:
        say(f"No VAPID keys for {stage} yet: making them (private key straight into SSM, never shown)")
        public_key = aws_calls.create_vapid_keys(aws, stage)

    template = infra.build_template(stage, functions)
    cloudformation = aws.client("cloudformation")
    steps = infra.staged_templates(infra.current_template(cloudformation, infra.stack_name(stage)), template)
    if len(steps) > 1:
        say(f"The tables gain {len(steps)} indexes: DynamoDB adds one per update, so the stack is updated "
            f"{len(steps)} times (each waits for its index to finish building)")
    for step in steps:
        outputs = infra.deploy_stack(cloudformation, settings, step, say=say)
    aws_calls.upload(aws, outputs["DeployStateBucketName"], aws_calls.SETTINGS_KEY.format(stage=stage),
                     json.dumps(settings.to_json(), indent=2).encode())

    project_dir = prepare_project(aws, settings, outputs, functions, public_key)
    try:
        run_chalice(["deploy", "--stage", stage], project_dir, settings.region)
    finally:
        save_state(aws, settings, outputs, project_dir)

    resources = project.deployed_resources(project_dir, stage)
    for function in functions:
        if function.kind == "dynamodb":
            mapping = next((r for r in resources.values() if r.get("resource_type") == "dynamodb_event"
                            and r.get("lambda_arn", "").endswith(f":function:{function.function_name(stage)}")), None)
            if not mapping:
                raise DeployError(f"Chalice's deploy state has no stream mapping for {function.name}")
            aws_calls.configure_stream_mapping(aws, mapping["event_uuid"], outputs["StreamFailureQueueArn"], settings)
            say(f"Stream mapping of {function.name}: at most {settings.stream.maximum_retry_attempts} retries, "
                f"bisecting failed batches, then to {outputs['StreamFailureQueueArn'].rsplit(':', 1)[-1]}")
    rest_api = resources.get("rest_api")
    if rest_api:
        count = aws_calls.apply_gateway_responses(aws, rest_api["rest_api_id"])
        say(f"API Gateway error responses: {count} set, stage {infra.API_STAGE} redeployed")
    summary = {"stage": stage, "region": settings.region, "account": account,
               "api_url": rest_api.get("rest_api_url") if rest_api else None,
               "seconds": round(time.monotonic() - started, 1)}
    domain = next((r for r in resources.values() if r.get("resource_type") == "domain_name"), None)
    if domain:
        summary["domain"] = domain.get("domain_name")
        summary["dns_target"] = domain.get("alias_domain_name")
        say(f"Point {domain.get('domain_name')} at {domain.get('alias_domain_name')} in DNS (a CNAME, or a Route 53 alias)")
    say(f"Deployed {stage} in {summary['seconds']} s. API: {summary['api_url']}")
    return summary


def destroy(stage: str, settings_file: str | None, delete_data: bool, confirm: str | None) -> None:
    """Remove the app (functions, API, schedules); with delete_data, the infrastructure stack and its data too."""
    settings, source = load_settings(stage, settings_file)
    aws = aws_calls.session(settings.region)
    account = aws_calls.check_credentials(aws)
    if delete_data and confirm != stage:
        raise DeployError(f"Deleting {stage}'s data (tables, buckets, keys) needs CONFIRM={stage} as well. "
                          "There is no undo; take an on-demand backup first (docs/deploy.md).")
    cloudformation = aws.client("cloudformation")
    stack = infra.describe_stack(cloudformation, infra.stack_name(stage))
    if stack is None:
        raise DeployError(f"Stage {stage} has no infrastructure stack in account {account}, {settings.region}")
    outputs = infra.outputs_of(stack)
    functions = app_functions.discover()
    public_key = aws_calls.read_vapid_public_key(aws, stage) or ""
    project_dir = prepare_project(aws, settings, outputs, functions, public_key)
    if project.deployed_resources(project_dir, stage):
        try:
            run_chalice(["delete", "--stage", stage], project_dir, settings.region)
        finally:
            save_state(aws, settings, outputs, project_dir)
        say(f"Removed {stage}'s functions, API and schedules")
    else:
        say(f"{stage} has no deployed app")
    if not delete_data:
        say(f"Kept the infrastructure stack {infra.stack_name(stage)}: tables, buckets, alarms. `make deploy "
            f"STAGE={stage}` puts the app back on the same data.")
        return
    delete_everything(aws, stage, outputs)


def delete_everything(aws: Any, stage: str, outputs: dict[str, str]) -> None:
    """Delete the infrastructure stack, then the tables and buckets it keeps on deletion, and the VAPID keys."""
    name = infra.stack_name(stage)
    cloudformation = aws.client("cloudformation")
    cloudformation.delete_stack(StackName=name)
    cloudformation.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig={"Delay": 5, "MaxAttempts": 360})
    dynamodb = aws.client("dynamodb")
    for table in (outputs["MainTableName"], outputs["AuditTableName"]):
        dynamodb.update_table(TableName=table, DeletionProtectionEnabled=False)
        dynamodb.delete_table(TableName=table)
        say(f"Deleted table {table}")
    s3 = aws.resource("s3")
    for bucket_name in (outputs["ExportBucketName"], outputs["DeployStateBucketName"]):
        bucket = s3.Bucket(bucket_name)
        bucket.object_versions.delete()
        bucket.delete()
        say(f"Deleted bucket {bucket_name}")
    aws.client("ssm").delete_parameters(Names=list(aws_calls.vapid_parameter_names(stage)))
    say(f"Deleted {stage}'s VAPID keys")


def outputs_command(stage: str, settings_file: str | None) -> dict[str, str]:
    """The infrastructure stack's outputs (table names, queue, topic, roles)."""
    settings, _ = load_settings(stage, settings_file)
    aws = aws_calls.session(settings.region)
    aws_calls.check_credentials(aws)
    stack = infra.describe_stack(aws.client("cloudformation"), infra.stack_name(stage))
    if stack is None:
        raise DeployError(f"Stage {stage} is not deployed in {settings.region}")
    return infra.outputs_of(stack)


def main(argv: list[str] | None = None) -> int:
    """Run one deploy command; errors are printed as sentences, not tracebacks."""
    parser = argparse.ArgumentParser(prog="python -m scripts.deploy", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("deploy", "destroy", "vapid-keys", "outputs"):
        command = commands.add_parser(name)
        command.add_argument("--stage", required=True)
        command.add_argument("--settings", help="settings file (default deploy/<stage>.json)")
        if name == "destroy":
            command.add_argument("--delete-data", action="store_true",
                                 help="also delete the tables, buckets and VAPID keys (needs --confirm STAGE)")
            command.add_argument("--confirm")
        if name == "vapid-keys":
            command.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.command == "deploy":
            deploy(args.stage, args.settings)
        elif args.command == "destroy":
            destroy(args.stage, args.settings, args.delete_data, args.confirm)
        elif args.command == "vapid-keys":
            settings, _ = load_settings(args.stage, args.settings)
            aws = aws_calls.session(settings.region)
            aws_calls.check_credentials(aws)
            public = aws_calls.create_vapid_keys(aws, args.stage, overwrite=args.overwrite)
            say(f"VAPID keys for {args.stage}: private key in SSM SecureString "
                f"{aws_calls.vapid_parameter_names(args.stage)[0]}; public key {public}")
            say("`make deploy` reads both; run it now if the stage is already deployed.")
        else:
            print(json.dumps(outputs_command(args.stage, args.settings), indent=2, sort_keys=True))
    except (DeployError, SettingsError) as error:
        print(f"\nmake deploy stopped: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
