"""What an access loader hands a service: the verified actor and the records it may act on.

These live apart from ``chalicelib.access`` (which loads them) so services can name them without
depending on how a request is read.
"""

from __future__ import annotations

from typing import NamedTuple

from chalicelib.auth.actor import Actor
from chalicelib.models.base import MainItem
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.people import StaffItem
from chalicelib.models.team import TeamItem


class Loaded(NamedTuple):
    """The verified actor and the records fetched with it."""

    actor: Actor
    items: dict[tuple[str, str], MainItem]

    def get(self, key: tuple[str, str]) -> MainItem | None:
        return self.items.get(key)


class PatientConversation(NamedTuple):
    """A patient's own conversation with one of their teams."""

    actor: Actor
    team: TeamItem
    conversation: ConversationItem
    #: Everything the loader fetched (e.g. the rota months a send routes by); never mutated.
    items: dict[tuple[str, str], MainItem] = {}


class StaffTeam(NamedTuple):
    """A staff member acting in one of their teams, with that team's record."""

    actor: Actor
    team: TeamItem
    role: str
    items: dict[tuple[str, str], MainItem]


class StaffConversation(NamedTuple):
    """A conversation in one of the caller's teams."""

    actor: Actor
    team: TeamItem
    role: str
    conversation: ConversationItem
    #: Everything the loader fetched (canned replies, rota months); never mutated.
    items: dict[tuple[str, str], MainItem] = {}


class TrustStaff(NamedTuple):
    """A Trust admin and a staff member of their Trust."""

    actor: Actor
    staff: StaffItem


class TrustTeam(NamedTuple):
    """A Trust admin and a team of their Trust."""

    actor: Actor
    team: TeamItem


class StaffRecord(NamedTuple):
    """A conversation in one of the caller's teams, with its patient's record and (when a URL names one) an export."""

    actor: Actor
    team: TeamItem
    role: str
    conversation: ConversationItem
    patient: MainItem  # a models.people.PatientItem
    export: MainItem | None  # a models.records.ExportItem
