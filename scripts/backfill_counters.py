"""Rebuild the workload dashboard's counters from the stored messages.

    python -m scripts.backfill_counters                 # every team of every Trust
    python -m scripts.backfill_counters --team TEAM_ID  # one team
    make backfill-counters STAGE=prod                   # against a stage deployed by make deploy

The counters are normally kept by the main table's stream; run this after upgrading from a release
without them, after a stream outage longer than the stream keeps records (24 hours), or after changing
what counts (``chalicelib/services/counting_rules.py``). For each team it clears the counters the stream
keeps (the overdue sweep's readings stay) and counts every stored message again, one conversation at a
time: a Query per conversation, never a Scan. Messages sent while it runs are counted exactly once.
With ``--stage`` it reads the deployed stage's settings from AWS, as ``scripts.create_admin`` does.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.backfill_counters", description=__doc__.splitlines()[0])
    parser.add_argument("--team", help="one team's id (default: every team of every Trust)")
    parser.add_argument("--stage", help="a stage deployed by make deploy (its settings are read from AWS)")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or "eu-west-2")
    args = parser.parse_args(argv)
    if args.stage:
        from scripts.create_admin import use_deployed_stage

        use_deployed_stage(args.stage, args.region)

    from chalicelib.models.team import get_team
    from chalicelib.services import counting

    if args.team:
        team = get_team(args.team)
        if team is None:
            print(f"There is no team {args.team!r}.", file=sys.stderr)
            return 1
        results = {team.team_id: counting.recount_team(team)}
    else:
        results = counting.recount_all()
    for team_id, result in sorted(results.items()):
        print(f"{team_id}: {result.items} stored items counted")
    print(f"Rebuilt the counters of {len(results)} team{'s' if len(results) != 1 else ''}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
