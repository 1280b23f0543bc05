"""Key builders for the main table's secondary indexes (partitions and sort keys), and the instant format every
sort key uses. ``chalicelib.models.keys`` re-exports all of it, so callers spell every key as ``keys.<name>``;
they live here to keep each module small enough to read.

See docs/data-model.md for the access pattern each key serves.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def iso(at: datetime) -> str:
    """Render an aware instant as a fixed-width UTC ISO string that sorts lexically."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- secondary index partitions -------------------------------------------------------------

ALL_TRUSTS = "TRUSTS"  # gsi1 partition listing every Trust (for jobs that walk all teams)
PUSH_DUE = "PUSHDUE"  # gsi2 partition of push retries waiting to be sent again


def assigned(team_id: str, staff_id: str) -> str:
    """gsi4 partition: the conversations one clinician holds in one team (never read across teams)."""
    return f"ASSIGNED#{team_id}#{staff_id}"


def team_view(team_id: str, status: str) -> str:
    """gsi5 partition: a team's conversations in one workflow status."""
    return f"VIEW#{team_id}#{status}"


def escalated(team_id: str, staff_id: str) -> str:
    """gsi6 partition: conversations of one team escalated to one clinician."""
    return f"ESCALATED#{team_id}#{staff_id}"


def team_follow_ups(team_id: str) -> str:
    """gsi2 partition (beside ``DUE#``): closed conversations with a follow-up date, by that date."""
    return f"FOLLOWUP#{team_id}"


def trust_teams(trust_id: str) -> str:
    return f"TRUST#{trust_id}#TEAMS"


def trust_staff(trust_id: str) -> str:
    return f"TRUST#{trust_id}#STAFF"


def team_inbox(team_id: str) -> str:
    return f"INBOX#{team_id}"


def actor_sessions(actor_id: str) -> str:
    return f"SESSIONS#{actor_id}"


def team_due(team_id: str) -> str:
    return f"DUE#{team_id}"


def team_patients(team_id: str) -> str:
    return f"PATIENTS#{team_id}"


def team_unfiled(team_id: str) -> str:
    """gsi9 partition: a team's conversations holding messages not yet filed to the record."""
    return f"UNFILED#{team_id}"


#: gsi9 partition of exports whose transcript and bundle are still to be made (large ones are made by a job).
EXPORTS_PENDING = "EXPORTS#PENDING"


def team_retention(team_id: str) -> str:
    """gsi10 partition: a team's conversations that may hold data past retention, by last activity."""
    return f"RETAIN#{team_id}"


# --- secondary index sort keys ---------------------------------------------------------------------


def inbox_sk(waiting: bool, last_activity: datetime, patient_id: str, urgent: bool = False) -> str:
    """gsi1 (inbox) and gsi4 (assigned) order: urgent waiting first, then waiting, then newest activity first.

    Read with a descending Query, "2#..." (urgent and waiting) sorts before "1#..." (waiting) before "0#..." (answered).
    """
    return f"{(2 if urgent else 1) if waiting else 0}#{iso(last_activity)}#{patient_id}"


#: gsi4 sort keys of closed conversations start with this, below every open one ("0#", "1#"): "Mine"
#: reads only open ones by key condition, and releasing a leaver's conversations still finds them all.
CLOSED_MARK = "-"
OPEN_FROM = "0"


def closed_sk(last_activity: datetime, patient_id: str) -> str:
    return f"{CLOSED_MARK}#{iso(last_activity)}#{patient_id}"


def due_sk(reply_by: datetime, patient_id: str) -> str:
    """gsi2 (due) order: by reply-by, earliest first."""
    return f"{iso(reply_by)}#{patient_id}"


def due_upto(now: datetime) -> str:
    """The gsi2 sort key bound that takes in every reply-by at or before ``now`` ("~" sorts after "#<id>")."""
    return f"{iso(now)}~"


def unfiled_sk(unfiled_since: datetime, patient_id: str) -> str:
    """gsi9 (unfiled) order: by when the oldest unfiled message was stamped, oldest first."""
    return f"{iso(unfiled_since)}#{patient_id}"


def retention_sk(last_activity: datetime, patient_id: str) -> str:
    """gsi10 (retention) order: by last activity, oldest first."""
    return f"{iso(last_activity)}#{patient_id}"


def pending_export_sk(filed_at: datetime, export_id: str) -> str:
    """gsi9 order of exports still to be made: oldest first."""
    return f"{iso(filed_at)}#{export_id}"


def by_name_sk(family: str, given: str, item_id: str) -> str:
    """Alphabetical order of people (a team's patients on gsi3, a Trust's staff on gsi1)."""
    return f"{family.lower()}#{given.lower()}#{item_id}"


def by_name_prefix(family: str, given: str = "") -> str:
    """The start of ``by_name_sk`` for everyone with this family name (and a given name starting so)."""
    return f"{family.lower()}#{given.lower()}"
def patient_list_index(team_id: str, row_id: str, *, family: str, given: str, date_of_birth: str | None,
                       activity: datetime) -> dict[str, Any]:
    """A team's patient list: by name (gsi3), newest activity first (gsi7), by date of birth (gsi8; sparse)."""
    index = {"gsi3pk": team_patients(team_id), "gsi3sk": by_name_sk(family, given, row_id),
             "gsi7pk": team_patients(team_id), "gsi7sk": activity_sk(activity, row_id)}
    if date_of_birth:
        index.update(gsi8pk=team_patients(team_id), gsi8sk=f"{date_of_birth}#{by_name_sk(family, given, row_id)}")
    return index


def activity_sk(at: datetime, row_id: str) -> str:
    """gsi7 order of a team's patients: by their conversation's last activity (read descending)."""
    return f"{iso(at)}#{row_id}"


def name_prefix(family: str, given: str | None = None) -> str:
    """The gsi3 sort-key prefix of a name search: a last name's start, or a whole last name and a first name's start."""
    return f"{family.lower()}#{given.lower()}" if given is not None else family.lower()


def birth_prefix(date_of_birth: str) -> str:
    """The gsi8 sort-key prefix of everyone born on one day."""
    return f"{date_of_birth}#"


def team_name_sk(name: str, team_id: str) -> str:
    """A Trust's teams in alphabetical order (gsi1)."""
    return f"{name.lower()}#{team_id}"
