"""Bring a deployed stage's data up to date for the team patient list (run once after upgrading to it).

    python -m scripts.upgrade_patient_list --stage prod

Conversations made before the list's indexes get their patient's date of birth, NHS number and index
entries; invites made before it get their "invited" row (``chalicelib.services.patient_list_upgrade``
says exactly what and why). Safe to run again. Like ``scripts.create_admin`` it reads the deployed API
function's environment from Lambda, so it writes where the app reads; without ``--stage`` it uses
whatever DynamoDB the environment names. The credentials you run it with need to read (Query, Scan,
BatchGetItem) and write (UpdateItem, PutItem) the main table.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.upgrade_patient_list",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--stage", help="a stage deployed by make deploy (its settings are read from AWS)")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or "eu-west-2",
                        help="the stage's AWS region (default eu-west-2)")
    args = parser.parse_args(argv)
    if args.stage:
        from scripts.create_admin import use_deployed_stage

        use_deployed_stage(args.stage, args.region)

    from chalicelib.services.patient_list_upgrade import do_upgrade

    result = do_upgrade(datetime.now(UTC))
    print(f"Completed {result.conversations} conversation(s) and listed {result.invited} invited patient(s).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
