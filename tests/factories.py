"""Test data built through the service layer, so tests set up what users could have made."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache

from sqlalchemy.orm import Session

from tracker.contributions import payments
from tracker.contributions import rules as contributions
from tracker.core.models import Contribution, Donor, DonorContact, Gap, Payment, Programme, User
from tracker.donors import contacts
from tracker.donors import rules as donors
from tracker.gaps import rules as gaps
from tracker.programmes import rules as programmes
from tracker.schedules import instalments as schedules
from tracker.users import passwords
from tracker.users import rules as users

PASSWORD = "correct horse battery staple"


def add_programme(session: Session, code: str = "TEST", **fields) -> Programme:
    """The programme ``code``, added the first time it is asked for."""
    found = programmes.get_programme(session, code)
    if found is not None:
        return found
    entry = programmes.ProgrammeInput(code=code, name=fields.pop("name", f"Programme {code}"),
                                      countries=fields.pop("countries", ["KH"]), **fields)
    return programmes.create_programme(session, entry)


def add_gap(session: Session, code: str = "TST-1", requirement: str = "1000000.00", **fields) -> Gap:
    programme = add_programme(session, fields.pop("programme", "TEST"))
    entry = gaps.GapInput(code=code, title=fields.pop("title", f"Gap {code}"), country=fields.pop("country", "KH"),
                          programme=programme.code, requirement_usd=Decimal(requirement), **fields)
    return gaps.create_gap(session, entry)


def add_contribution(session: Session, gap: Gap, amount: str, *, donor: str = "Test Donor", currency: str = "USD",
                     rate: str | None = None, status: str = "committed", decision_date: date | None = None,
                     reference: str = "", note: str = "", donor_note: str = "") -> Contribution:
    entry = contributions.ContributionInput(
        donor=donors.find_or_add_donor(session, donor), status=status, amount=Decimal(amount), currency=currency,
        rate=None if rate is None else Decimal(rate), rate_date=None, decision_date=decision_date or date(2026, 1, 15),
        reference=reference, note=note, donor_note=donor_note,
        duplicate_confirmed=True,  # the duplicate rule has tests of its own
    )
    return contributions.record_contribution(session, gap, entry)


def add_payment(session: Session, contribution: Contribution, amount: str, *, rate: str | None = None,
                received: date = date(2026, 2, 1)) -> Payment:
    entry = payments.PaymentInput(date_received=received, amount=Decimal(amount),
                                  rate=None if rate is None else Decimal(rate), duplicate_confirmed=True)
    return payments.record_payment(session, contribution, entry)


def add_schedule(session: Session, contribution: Contribution, count: int, frequency: str = "quarterly",
                 first_due: date = date(2026, 3, 31)) -> None:
    plan = schedules.GeneratedPlan(count, frequency, first_due)
    contributions.set_schedule(session, contribution, plan, contribution.version)


@cache
def _password_hash() -> str:
    """Hashed once per run: argon2 is slow on purpose, and tests make many users."""
    return passwords.hash_password(PASSWORD)


def add_user(session: Session, email: str = "editor@example.org", role: str = "editor",
             donor_id: int | None = None) -> User:
    """A user whose password is ``PASSWORD``."""
    user = User(email=email, role=role, donor_id=donor_id, password_hash=_password_hash())
    session.add(user)
    session.flush()
    return user


def add_contact(session: Session, donor: Donor, name: str = "Aiko Tanaka", email: str = "aiko@donor.example",
                role: str = "focal point", language: str = "en") -> DonorContact:
    """A contact at ``donor`` through the service, in one of the default offered languages."""
    return contacts.add_contact(session, donor, contacts.ContactInput(name, email, role, language), ["en"])


def limit_to(session: Session, user: User, *codes: str) -> User:
    """``user`` (an editor or viewer) limited to the programmes ``codes``, through the service."""
    users.set_scope(session, user, [add_programme(session, code).id for code in codes])
    return user


def publish(session: Session, programme_code: str, named: tuple[str, ...] = ()) -> None:
    """Publish the programme and all its gaps, let the donors ``named`` be named publicly, and
    write what the recompute job writes for the public pages (snapshots, named donors' funding)."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from tracker.gaps import snapshots

    programme = programmes.get_programme(session, programme_code)
    programme.published = True
    for gap in programme.gaps:
        gap.published = True
    for donor in session.scalars(select(Donor).where(Donor.name.in_(named))):
        donor.named_publicly = True
    session.flush()
    now = datetime.now(UTC)
    snapshots.record_snapshots(session, now)
    snapshots.record_public_donors(session, now)
