"""Donor contacts: the people at a donor whom the programme writes to, seen by staff only.

A contact is never deleted: one who left is retired, stays in the audit trail and gets no more
reminders. The focal point (role "focal point", live, the earliest added when there are
several) is whom reminders go to when the donor's switch says so (``tracker.schedules.outbox``).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import pycountry
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tracker.core import bulk
from tracker.core.errors import EditConflict, InvalidInput
from tracker.core.models import ContactRole, Donor, DonorContact

NAME_LENGTH = 200
EMAIL_LENGTH = 254


def offered_languages(setting: str) -> list[tuple[str, str]]:
    """(code, name) of the languages the app offers (TRACKER_LANGUAGES, comma-separated codes),
    in the order given; a code pycountry does not know is named by itself."""
    codes = dict.fromkeys(code.strip().lower() for code in setting.split(",") if code.strip())
    return [(code, getattr(pycountry.languages.get(alpha_2=code), "name", code)) for code in codes or ["en"]]


@dataclass(frozen=True)
class ContactInput:
    """What the contact form adds or corrects."""

    name: str
    email: str
    role: str
    language: str
    retired: bool = False


def _checked(entry: ContactInput, languages: Iterable[str]) -> tuple[str, str]:
    """The trimmed name and e-mail; each broken rule refused beside its field."""
    name = " ".join((entry.name or "").split())
    if not name:
        raise InvalidInput("name", "Enter the contact's name.")
    if len(name) > NAME_LENGTH:
        raise InvalidInput("name", f"A contact's name has at most {NAME_LENGTH} characters; this one has {len(name)}.")
    email = (entry.email or "").strip()
    if len(email) > EMAIL_LENGTH:
        raise InvalidInput("email", f"An e-mail address has at most {EMAIL_LENGTH} characters.")
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise InvalidInput("email", f"Enter a valid e-mail address: {error}") from None
    if entry.role not in {r.value for r in ContactRole}:
        raise InvalidInput("role", f"Choose a role: {', '.join(r.value for r in ContactRole)}.")
    if entry.language not in set(languages):
        raise InvalidInput("language", "Choose a language from the list.")
    return name, email


def add_contact(session: Session, donor: Donor, entry: ContactInput, languages: Iterable[str]) -> DonorContact:
    if donor.merged_into_id is not None:
        raise InvalidInput(None, f"{donor.name} was merged into another donor: add the contact there.")
    name, email = _checked(entry, languages)
    contact = DonorContact(donor_id=donor.id, name=name, email=email, role=entry.role, language=entry.language)
    session.add(contact)
    session.flush()
    return contact


def update_contact(session: Session, contact: DonorContact, entry: ContactInput, expected_version: int,
                   languages: Iterable[str], now: datetime) -> DonorContact:
    """Correct a contact, or retire it (or bring it back); a form older than the last save is a conflict."""
    if contact.version != expected_version:
        raise EditConflict(f"Contact {contact.name}")
    contact.name, contact.email = _checked(entry, languages)
    contact.role, contact.language = entry.role, entry.language
    if entry.retired != (contact.retired_at is not None):
        contact.retired_at = now if entry.retired else None
    try:
        session.flush()
    except StaleDataError:
        raise EditConflict(f"Contact {contact.name}") from None
    return contact


def donor_contacts(session: Session, donor_id: int) -> list[DonorContact]:
    """The donor's contacts: live ones first, each group in the order they were added."""
    query = select(DonorContact).where(DonorContact.donor_id == donor_id)
    return list(session.scalars(query.order_by(DonorContact.retired_at.is_not(None), DonorContact.id)))


def focal_points(session: Session, donor_ids: Iterable[int]) -> dict[int, DonorContact]:
    """Each donor's focal point, for the donors that have one (see the module's doc)."""
    found: dict[int, DonorContact] = {}
    for ids in bulk.in_chunks(sorted(set(donor_ids))):
        query = select(DonorContact).where(DonorContact.donor_id.in_(ids), DonorContact.retired_at.is_(None),
                                           DonorContact.role == ContactRole.FOCAL_POINT.value)
        for contact in session.scalars(query.order_by(DonorContact.id)):
            found.setdefault(contact.donor_id, contact)
    return found
