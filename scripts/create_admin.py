"""Create a Trust and its first Trust admin: the one set-up step done from the command line.

    python -m scripts.create_admin --trust-name "Northfield NHS FT" --email admin@northfield.nhs.uk \\
        --given-name Alex --family-name Admin

It talks to whatever DynamoDB the environment names (``TEAMLINE_STAGE``, ``TEAMLINE_MAIN_TABLE``,
``TEAMLINE_AUDIT_TABLE``, ``TEAMLINE_DYNAMODB_ENDPOINT``, AWS credentials), asks for the password
without echoing it, and refuses an email that already has an account. Everything else (teams, staff)
is then done in Teamline by that admin.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.create_admin", description=__doc__.splitlines()[0])
    parser.add_argument("--trust-name", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--given-name", required=True)
    parser.add_argument("--family-name", required=True)
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)

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
