"""Staff and patients: their records, the unique-name items that point at them, and how to find them.

Unique things (a staff email, a patient username, an NHS number within a Trust) are items of their
own, put with ``attribute_not_exists`` in the same transaction as the record they point at: DynamoDB
has no unique indexes, and this is how two people never get the same one.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import BooleanAttribute, JSONAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.models import keys
from chalicelib.models.base import MainItem
from chalicelib.models.db import batch_get, get, storage


class StaffItem(MainItem, discriminator="staff"):
    """A member of Trust staff who signs in with email and password."""

    staff_id = UnicodeAttribute()
    trust_id = UnicodeAttribute()
    email = UnicodeAttribute()
    given_name = UnicodeAttribute()
    family_name = UnicodeAttribute()
    job_title = UnicodeAttribute(default="")
    password_hash = UnicodeAttribute()
    is_trust_admin = BooleanAttribute(default=False)
    #: Information governance: reads the audit log; no clinical access and no admin rights come with it.
    is_ig_lead = BooleanAttribute(default=False)
    #: {team_id: "clinician" | "lead"}; authoritative for what this person may see.
    team_roles = JSONAttribute(default=dict)
    must_change_password = BooleanAttribute(default=False)
    #: A one-time password stops working at this time (it was shown to an admin, maybe written down).
    password_expires_at = UTCDateTimeAttribute(null=True)
    active = BooleanAttribute(default=True)
    deactivated_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class StaffEmailItem(MainItem, discriminator="staff_email"):
    """Unique email → staff id (written in the same transaction as the staff record)."""

    staff_id = UnicodeAttribute()


class PatientItem(MainItem, discriminator="patient"):
    """A young person, created by a clinician's invite and activated when they accept it."""

    patient_id = UnicodeAttribute()
    trust_id = UnicodeAttribute()
    given_name = UnicodeAttribute()
    family_name = UnicodeAttribute()
    date_of_birth = UnicodeAttribute()  # YYYY-MM-DD
    nhs_number = UnicodeAttribute(null=True)
    username = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute(null=True)
    #: {team_id: joined-at ISO}; a patient reaches only these teams' conversations.
    teams = JSONAttribute(default=dict)
    status = UnicodeAttribute(default="invited")  # invited | active
    agreement_accepted_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    #: Teams that have invited this (already registered) patient and that they have not yet answered:
    #: {team_id: {"invite": <code hash>, "valid_until": ISO, "by": staff id}}. Shown on their home page.
    invitations = JSONAttribute(default=dict)

    @property
    def has_account(self) -> bool:
        """True once the patient has chosen a username and password (nobody else may ever change them)."""
        return bool(self.password_hash)

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class UsernameItem(MainItem, discriminator="username"):
    """Unique patient username → patient id."""

    patient_id = UnicodeAttribute()


class NhsNumberItem(MainItem, discriminator="nhs_number"):
    """Unique NHS number (per Trust) → patient id, so one person is never two patients."""

    patient_id = UnicodeAttribute()


# --- building items ------------------------------------------------------------------------------------


def new_staff(staff_id: str, trust_id: str, *, email: str, given_name: str, family_name: str, job_title: str,
              password_hash: str, is_trust_admin: bool, must_change_password: bool, now: datetime) -> StaffItem:
    """A staff record, listed with its Trust's staff by name."""
    return StaffItem(
        *keys.staff(staff_id), staff_id=staff_id, trust_id=trust_id, email=email, given_name=given_name,
        family_name=family_name, job_title=job_title, password_hash=password_hash, is_trust_admin=is_trust_admin,
        team_roles={}, must_change_password=must_change_password, created_at=now,
        gsi1pk=keys.trust_staff(trust_id), gsi1sk=keys.by_name_sk(family_name, given_name, staff_id),
    )


def email_claim(email: str, staff_id: str) -> StaffEmailItem:
    """The item that reserves an email address for one staff member."""
    return StaffEmailItem(*keys.staff_email(email), staff_id=staff_id)


def new_patient(patient_id: str, trust_id: str, *, given_name: str, family_name: str, date_of_birth: str,
                nhs_number: str | None, now: datetime) -> PatientItem:
    """An invited patient (no username or password until they accept)."""
    return PatientItem(*keys.patient(patient_id), patient_id=patient_id, trust_id=trust_id, given_name=given_name,
                       family_name=family_name, date_of_birth=date_of_birth, nhs_number=nhs_number, status="invited",
                       teams={}, created_at=now)


def username_claim(username: str, patient_id: str | None = None) -> UsernameItem:
    """The item that reserves a username (``patient_id`` None: by key only, to delete it)."""
    if patient_id is None:
        return UsernameItem(*keys.patient_username(username))
    return UsernameItem(*keys.patient_username(username), patient_id=patient_id)


def nhs_number_claim(trust_id: str, number: str, patient_id: str) -> NhsNumberItem:
    """The item that ties an NHS number (within a Trust) to one patient."""
    return NhsNumberItem(*keys.nhs_number(trust_id, number), patient_id=patient_id)


# --- reading ---------------------------------------------------------------------------------------------


def get_staff(staff_id: str) -> StaffItem | None:
    """A staff record, or None."""
    staff: StaffItem | None = get(keys.staff(staff_id), StaffItem)
    return staff


def get_patient(patient_id: str) -> PatientItem | None:
    """A patient record, or None."""
    patient: PatientItem | None = get(keys.patient(patient_id), PatientItem)
    return patient


#: Read in place of a record that does not exist, so finding nobody costs what finding someone does.
_NOBODY = "0" * 26


def staff_by_email(email: str) -> StaffItem | None:
    """The staff member with this (normalised) email: the email item, then the record.

    Always two GetItems, even when there is no such email, so sign-in timing says nothing about
    which accounts exist.
    """
    link = get(keys.staff_email(email), StaffEmailItem) if email else None
    return get_staff(link.staff_id if isinstance(link, StaffEmailItem) else _NOBODY)


def patient_by_username(username: str) -> PatientItem | None:
    """The patient with this (normalised) username: always two GetItems (see ``staff_by_email``)."""
    link = get(keys.patient_username(username), UsernameItem) if username else None
    return get_patient(link.patient_id if isinstance(link, UsernameItem) else _NOBODY)


def patient_id_by_nhs_number(trust_id: str, number: str) -> str | None:
    """The id of the patient with this NHS number in a Trust, or None."""
    link = get(keys.nhs_number(trust_id, number), NhsNumberItem)
    return link.patient_id if isinstance(link, NhsNumberItem) else None


def trust_staff(trust_id: str) -> list[StaffItem]:
    """All staff of a Trust by family name (one Query on gsi1)."""
    with storage():
        return [s for s in StaffItem.by_gsi1.query(keys.trust_staff(trust_id)) if isinstance(s, StaffItem)]


def patients_by_id(patient_ids: set[str]) -> dict[str, PatientItem]:
    """Patients by id (one BatchGetItem per 100); ids that are not patients are left out."""
    found = batch_get([keys.patient(p) for p in sorted(patient_ids)])
    return {p: item for p in patient_ids if isinstance(item := found.get(keys.patient(p)), PatientItem)}


def names_of(staff_ids: set[str], patient_ids: set[str]) -> dict[str, str]:
    """Display names of these staff members and patients, by id (one BatchGetItem, up to 100 people)."""
    wanted = [keys.staff(s) for s in staff_ids] + [keys.patient(p) for p in patient_ids]
    names: dict[str, str] = {}
    for item in batch_get(wanted[:100]).values():
        if isinstance(item, StaffItem):
            names[item.staff_id] = item.display_name
        elif isinstance(item, PatientItem):
            names[item.patient_id] = item.display_name
    return names
