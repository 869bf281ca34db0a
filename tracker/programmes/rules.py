"""Creating and revising programmes. A programme's code names it in addresses and reports, so,
like a gap's, it never changes."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pycountry
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tracker.core.errors import EditConflict, InvalidInput
from tracker.core.models import Gap, Programme

CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WEB_ADDRESS = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
#: A public description is a paragraph, not a report.
DESCRIPTION_LENGTH = 1000


@dataclass(frozen=True)
class ProgrammeInput:
    code: str
    name: str
    countries: list[str] = field(default_factory=list)  # ISO 3166 alpha-2
    organisation: str = ""
    contact: str = ""  # an e-mail address or a web address, shown publicly
    description: str = ""
    published: bool = False


def get_programme(session: Session, code: str) -> Programme | None:
    return session.scalar(select(Programme).where(Programme.code == code.strip().upper()))


def programme_choices(session: Session) -> list[tuple[str, str]]:
    """(code, "code — name") of every programme, by code: what a form offers."""
    rows = session.execute(select(Programme.code, Programme.name).order_by(Programme.code))
    return [(code, f"{code} — {name}") for code, name in rows]


def gap_counts(session: Session) -> dict[int, int]:
    """Programme id → how many gaps it has."""
    return dict(session.execute(select(Gap.programme_id, func.count()).group_by(Gap.programme_id)).all())


def gap_codes(session: Session, programme: Programme) -> list[str]:
    """The codes of the programme's gaps, by code."""
    return list(session.scalars(select(Gap.code).where(Gap.programme_id == programme.id).order_by(Gap.code)))


def _countries(codes: list[str]) -> str:
    normalised = sorted({code.strip().upper() for code in codes if code.strip()})
    if not normalised:
        raise InvalidInput("countries", "Choose at least one country.")
    unknown = [code for code in normalised if pycountry.countries.get(alpha_2=code) is None]
    if unknown:
        raise InvalidInput("countries", f"{', '.join(unknown)}: not an ISO 3166 country code.")
    return " ".join(normalised)


def _contact(contact: str) -> str:
    contact = contact.strip()
    if contact and not (EMAIL.match(contact) or WEB_ADDRESS.match(contact)):
        raise InvalidInput("contact", "Enter an e-mail address (name@example.org) or a web address (https://…).")
    return contact


def _checked(session: Session, entry: ProgrammeInput, programme: Programme | None) -> str:
    """Check the rules a programme must keep; return its normalised code."""
    code = entry.code.strip().upper()
    if programme is not None and code != programme.code:
        raise InvalidInput("code", f"A programme's code cannot change: addresses use {programme.code}.")
    if not CODE.match(code):
        raise InvalidInput("code", "Use 2 to 20 capital letters, digits or hyphens, e.g. ILO-SP-KHM.")
    same_code = get_programme(session, code)
    if same_code is not None and same_code is not programme:
        raise InvalidInput("code", f"Another programme already has the code {code}.")
    if not entry.name.strip():
        raise InvalidInput("name", "Enter the programme's name.")
    if len(entry.description.strip()) > DESCRIPTION_LENGTH:
        raise InvalidInput("description", f"Keep the public description to {DESCRIPTION_LENGTH} characters.")
    return code


def _apply(programme: Programme, entry: ProgrammeInput, code: str) -> None:
    programme.code = code
    programme.name = entry.name.strip()
    programme.countries = _countries(entry.countries)
    programme.organisation = entry.organisation.strip()
    programme.contact = _contact(entry.contact)
    programme.description = entry.description.strip()
    programme.published = entry.published


def create_programme(session: Session, entry: ProgrammeInput) -> Programme:
    code = _checked(session, entry, None)
    programme = Programme()
    _apply(programme, entry, code)
    session.add(programme)
    session.flush()
    return programme


def update_programme(session: Session, programme: Programme, entry: ProgrammeInput,
                     expected_version: int) -> Programme:
    if programme.version != expected_version:
        raise EditConflict(f"Programme {programme.code}")
    _apply(programme, entry, _checked(session, entry, programme))
    try:
        session.flush()
    except StaleDataError:
        raise EditConflict(f"Programme {programme.code}") from None
    return programme
