"""Create a Trust and its first Trust admin: the one set-up step done from the command line.

    python -m scripts.create_admin --trust-name "Northfield NHS FT" --email admin@northfield.nhs.uk \\
        --given-name Alex --family-name Admin

With ``--stage prod`` (``make create-admin STAGE=prod``) it works against a stage deployed by ``make deploy``:
it reads the deployed API function's environment (table names and every other stage setting) from
Lambda, so it writes exactly where the app reads, with the stage's own settings checks. Without
``--stage`` it talks to whatever DynamoDB the environment names (``TEAMLINE_STAGE``,
``TEAMLINE_MAIN_TABLE``, ``TEAMLINE_AUDIT_TABLE``, ``TEAMLINE_DYNAMODB_ENDPOINT``, AWS credentials).
It asks for the password without echoing it, and refuses an email that already has an account.
Everything else (teams, staff) is then done in Teamline by that admin.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import UTC, datetime


def use_deployed_stage(stage: str, region: str) -> None:
    """Take the deployed stage's settings from its API function; must run before chalicelib is imported."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    function = f"teamline-{stage}"
    try:
        configuration = boto3.client("lambda", region_name=region).get_function_configuration(FunctionName=function)
    except (BotoCoreError, ClientError) as exc:
        raise SystemExit(f"Could not read the deployed function {function} in {region} ({exc}). Is stage {stage!r} "
                         "deployed there (make deploy), and are your AWS credentials for that account?") from None
    variables = configuration.get("Environment", {}).get("Variables", {})
    if variables.get("TEAMLINE_STAGE") != stage:
        raise SystemExit(f"{function} is not Teamline's {stage} stage (its TEAMLINE_STAGE is "
                         f"{variables.get('TEAMLINE_STAGE')!r})")
    for name in [n for n in os.environ if n.startswith("TEAMLINE_")]:
        del os.environ[name]
    os.environ.update(variables)
    os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = region


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.create_admin", description=__doc__.splitlines()[0])
    parser.add_argument("--trust-name", help="asked for if not given")
    parser.add_argument("--email", help="asked for if not given")
    parser.add_argument("--given-name", help="asked for if not given")
    parser.add_argument("--family-name", help="asked for if not given")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    parser.add_argument("--stage", help="a stage deployed by make deploy (its settings are read from AWS)")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or "eu-west-2",
                        help="the stage's AWS region (default eu-west-2)")
    args = parser.parse_args(argv)
    for name, question in (("trust_name", "Trust name"), ("email", "Trust admin's work email"),
                           ("given_name", "Their given name"), ("family_name", "Their family name")):
        if not getattr(args, name):
            if args.password_stdin:
                parser.error(f"--{name.replace('_', '-')} is needed with --password-stdin")
            setattr(args, name, input(f"{question}: ").strip())
    if args.stage:
        use_deployed_stage(args.stage, args.region)

    from pynamodb.exceptions import TransactWriteError

    from chalicelib.errors import ValidationError
    from chalicelib.services.accounts import do_bootstrap_trust

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password for the Trust admin (at least 10 characters): ")
        if password != getpass.getpass("Type it again: "):
            print("The passwords do not match.", file=sys.stderr)
            return 2
    try:
        trust, staff = do_bootstrap_trust(datetime.now(UTC), trust_name=args.trust_name, email=args.email,
                                          given_name=args.given_name, family_name=args.family_name, password=password)
    except ValidationError as error:
        print(f"{error.field or 'input'}: {error.message}", file=sys.stderr)
        return 2
    except TransactWriteError:
        print("That email address already has a Teamline account.", file=sys.stderr)
        return 1
    print(f"Created Trust {trust.name!r} ({trust.trust_id}) and Trust admin {staff.email}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
