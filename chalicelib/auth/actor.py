"""The Actor: who a verified request acts as, with the roles that decide what they may reach."""

from __future__ import annotations

from typing import NamedTuple

from chalicelib.models.people import PatientItem, StaffItem
from chalicelib.models.session import SessionItem

ROLE_CLINICIAN = "clinician"
ROLE_LEAD = "lead"
TEAM_ROLES = (ROLE_CLINICIAN, ROLE_LEAD)


class Actor(NamedTuple):
    """A signed-in patient or staff member, built only from a verified session and a live profile."""

    kind: str  # patient | staff
    id: str
    trust_id: str
    display_name: str
    session: SessionItem
    staff: StaffItem | None = None
    patient: PatientItem | None = None

    @property
    def is_patient(self) -> bool:
        return self.kind == "patient"

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def is_trust_admin(self) -> bool:
        return bool(self.staff and self.staff.is_trust_admin)

    @property
    def is_ig_lead(self) -> bool:
        """Information governance: may read the audit log (and nothing clinical, unless a team role says so)."""
        return bool(self.staff and self.staff.is_ig_lead)

    @property
    def team_roles(self) -> dict[str, str]:
        return dict(self.staff.team_roles or {}) if self.staff else {}

    @property
    def patient_team_ids(self) -> list[str]:
        return list((self.patient.teams or {}).keys()) if self.patient else []

    def role_in(self, team_id: str) -> str | None:
        """This staff member's role in a team, or None."""
        return self.team_roles.get(team_id)

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token

    @property
    def first_name(self) -> str:
        if self.staff:
            return self.staff.given_name
        if self.patient:
            return self.patient.given_name
        return ""
