"""People who sign in: creating and inviting them, their roles, passwords and sessions.

A user's sessions are tied to ``session_epoch``: signing out, changing the password, a new
role or programme scope, or being disabled raises it, which ends every session of that user on every device.
An administrator's changes check the user's ``version`` under a row lock (a form opened
before someone else's change is a conflict), and never leave the tracker without an active
administrator: the active administrators' rows are locked while that is counted.
"""
from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.core.errors import EditConflict, InvalidInput
from tracker.core.models import SCOPED_ROLES, Donor, LinkPurpose, Programme, Role, User, UserProgramme
from tracker.donors import rules as donors
from tracker.users import links, passwords, throttle

#: The password of a user invited but not yet through their link: no hash ever matches it.
NO_PASSWORD = "!"


def email_key(email: str) -> str:
    return (email or "").strip().casefold()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email_key(email)))


def _checked_email(email: str) -> str:
    try:
        validate_email(email_key(email), check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidInput("email", f"Enter a valid email address: {error}") from None
    return email_key(email)


def _checked_role(session: Session, role: str, donor_id: int | None) -> tuple[str, int | None]:
    if role not in {r.value for r in Role}:
        raise InvalidInput("role", f"Choose a role: {', '.join(r.value for r in Role)}.")
    if role == Role.DONOR:
        donor = None if donor_id is None else session.get(Donor, donor_id)
        if donor is None:
            raise InvalidInput("donor", "A donor user must be linked to an existing donor.")
        if donor.merged_into_id is not None:  # an alias owns nothing: the user would see nothing
            raise InvalidInput("donor", f"Donor {donor_id} was merged into donor {donor.merged_into_id}: "
                                        f"link the user to {donor.merged_into_id}.")
        return role, donor_id
    if donor_id is not None:
        raise InvalidInput("donor", "Only donor users are linked to a donor.")
    return role, None


def donor_named(session: Session, name: str, role: str) -> int | None:
    """The donor a donor user is linked to, found by its name (an alias's finds the donor it was
    merged into); None for the other roles, whose donor field is left empty."""
    if role != Role.DONOR:
        if (name or "").strip():
            raise InvalidInput("donor", "Only donor users are linked to a donor: leave the donor empty.")
        return None
    if not (name or "").strip():
        raise InvalidInput("donor", "Pick the donor this user belongs to.")
    donor = donors.find_donor(session, name)
    if donor is None:
        raise InvalidInput("donor", f"No donor is called {donors.clean_name(name)}: pick one from the list.")
    return donor.id


def _checked_password(password: str, field: str = "password") -> str:
    try:
        passwords.check_strength(password)
    except passwords.WeakPassword as error:
        raise InvalidInput(field, str(error)) from None
    return passwords.hash_password(password)


def create_user(session: Session, email: str, role: str, password: str, donor_id: int | None = None,
                must_change_password: bool = False) -> User:
    address, role, donor_id = _checked_new(session, email, role, donor_id)
    return _added(session, User(email=address, role=role, donor_id=donor_id, password_hash=_checked_password(password),
                                must_change_password=must_change_password))


def _checked_new(session: Session, email: str, role: str, donor_id: int | None) -> tuple[str, str, int | None]:
    address = _checked_email(email)
    if find_user(session, address) is not None:
        raise InvalidInput("email", f"A user with the email {address} already exists.")
    return (address, *_checked_role(session, role, donor_id))


def _added(session: Session, user: User) -> User:
    session.add(user)
    session.flush()
    return user


def invite_user(session: Session, email: str, role: str, donor_id: int | None, hours: int,
                programme_ids: Collection[int] | None = None) -> tuple[User, str]:
    """A user without a password yet, and the token of the invitation that lets them set one
    (shown once, never stored: see ``tracker.users.links``); ``programme_ids`` limits an editor
    or viewer to those programmes (None: every programme)."""
    address, role, donor_id = _checked_new(session, email, role, donor_id)
    wanted = _checked_scope(session, role, address, programme_ids)
    user = _added(session, User(email=address, role=role, donor_id=donor_id, password_hash=NO_PASSWORD))
    _scope_rows(session, user, wanted)
    return user, links.issue(session, user, LinkPurpose.INVITATION, hours)


def reset_password(session: Session, user: User, expected_version: int, hours: int) -> str:
    """A reset link for ``user``; the password stays as it is until the link is used."""
    _locked(session, user, expected_version)
    if not user.active:
        raise InvalidInput(None, f"{user.email} is disabled: enable the account before resetting its password.")
    return links.issue(session, user, LinkPurpose.RESET, hours)


def accept_link(session: Session, token: str, password: str) -> User:
    """Set the password of the link's user and use the link up (``links.Refused`` if it cannot
    be used); the user's other sessions end and every other open link of theirs goes with it."""
    link = links.usable(session, token)
    user = link.user
    user.password_hash = _checked_password(password)
    user.must_change_password = False
    links.use_up(session, user)
    end_sessions(user)
    session.flush()
    return user


def count_users(session: Session) -> int:
    return session.scalar(select(func.count(User.id)))


def create_first_admin(session: Session, email: str) -> str | None:
    """On a database without users, an admin with a random password, returned once to print."""
    if count_users(session):
        return None
    password = secrets.token_urlsafe(15)
    create_user(session, email, Role.ADMIN, password, must_change_password=True)
    return password


def _locked(session: Session, user: User, expected_version: int | None) -> None:
    """Read ``user`` again under a row lock; a version that moved on since the form was shown is
    a conflict (None: the command line, which changes the row as it is)."""
    session.refresh(user, with_for_update=True)
    if expected_version is not None and user.version != expected_version:
        raise EditConflict(f"User {user.email}")


def _keep_an_admin(session: Session, user: User, expected_version: int | None, doing: str) -> None:
    """Lock the active administrators' rows (by id, so that two changes at once lock them in the
    same order and cannot deadlock), then ``user``'s; refuse to remove the last of them. Two
    administrators removing each other at once: the second waits, then counts one."""
    admins = session.scalars(select(User.id).where(User.role == Role.ADMIN, User.active)
                             .order_by(User.id).with_for_update()).all()
    _locked(session, user, expected_version)
    if admins == [user.id]:
        raise InvalidInput(None, f"{user.email} is the last active administrator: make another user an "
                                 f"administrator before you {doing}.")


def _changed(session: Session, user: User) -> None:
    user.version += 1
    end_sessions(user)
    session.flush()


def set_role(session: Session, user: User, role: str, donor_id: int | None = None,
             expected_version: int | None = None) -> None:
    """A new role (and donor, for a donor user); the user's sessions end so it applies at once."""
    role, donor_id = _checked_role(session, role, donor_id)
    if role == Role.ADMIN:
        _locked(session, user, expected_version)
    else:
        _keep_an_admin(session, user, expected_version, "change this role")
    user.role, user.donor_id = role, donor_id
    if role not in SCOPED_ROLES:  # admins and donor users are never limited to programmes
        _scope_rows(session, user, None)
    _changed(session, user)


def set_scope(session: Session, user: User, programme_ids: Collection[int] | None,
              expected_version: int | None = None) -> None:
    """Limit an editor or viewer to ``programme_ids``, or let them see every programme (None);
    their sessions end so that it applies at once."""
    _locked(session, user, expected_version)
    _scope_rows(session, user, _checked_scope(session, user.role, user.email, programme_ids))
    _changed(session, user)


def _checked_scope(session: Session, role: str, email: str, programme_ids: Collection[int] | None) -> set[int] | None:
    if programme_ids is None:
        return None
    if role not in SCOPED_ROLES:
        raise InvalidInput("programmes", f"Only editors and viewers can be limited to some programmes: {email} is "
                                         f"{role}, and sees every programme.")
    wanted = set(programme_ids)
    if not wanted:
        raise InvalidInput("programmes", "Pick at least one programme, or choose every programme.")
    unknown = wanted - set(session.scalars(select(Programme.id).where(Programme.id.in_(wanted))))
    if unknown:
        raise InvalidInput("programmes", f"There is no programme number {min(unknown)}.")
    return wanted


def _scope_rows(session: Session, user: User, wanted: set[int] | None) -> None:
    """Make ``user``'s programme rows those of ``wanted`` (None: none, every programme); rows
    of programmes no longer wanted are deleted (the audit trail keeps them)."""
    held = {row.programme_id: row for row in
            session.scalars(select(UserProgramme).where(UserProgramme.user_id == user.id))}
    for programme_id, row in held.items():
        if programme_id not in (wanted or ()):
            session.delete(row)
    session.add_all(UserProgramme(user_id=user.id, programme_id=programme_id)
                    for programme_id in sorted((wanted or set()) - held.keys()))
    user.scoped = wanted is not None


def programmes_coded(session: Session, codes: Collection[str] | None) -> list[int] | None:
    """The ids of the programmes ``codes`` names (None stays None: every programme)."""
    if codes is None:
        return None
    found = dict(session.execute(select(Programme.code, Programme.id).where(Programme.code.in_(
        [code.strip().upper() for code in codes]))).all())
    unknown = sorted({code.strip().upper() for code in codes} - found.keys())
    if unknown:
        raise InvalidInput("programmes", f"No programme has the code {unknown[0]}.")
    return list(found.values())


def scope_of(session: Session, user: User) -> list[Programme] | None:
    """The programmes ``user`` is limited to, by name; None: every programme."""
    if not user.scoped:
        return None
    return list(session.scalars(select(Programme).join(UserProgramme, UserProgramme.programme_id == Programme.id)
                                .where(UserProgramme.user_id == user.id).order_by(Programme.name)))


def disable(session: Session, user: User, expected_version: int | None = None) -> None:
    _keep_an_admin(session, user, expected_version, "disable this account")
    user.active = False
    _changed(session, user)


def enable(session: Session, user: User, expected_version: int | None = None) -> None:
    _locked(session, user, expected_version)
    user.active = True
    _changed(session, user)


def change_password(session: Session, user: User, current: str, new: str) -> None:
    if not passwords.verify(user.password_hash, current):
        raise InvalidInput("current_password", "That is not your current password.")
    if passwords.verify(user.password_hash, new):
        raise InvalidInput("new_password", "Choose a password other than the current one.")
    user.password_hash = _checked_password(new, "new_password")
    user.must_change_password = False
    end_sessions(user)
    session.flush()


def end_sessions(user: User) -> None:
    """Invalidate every session cookie issued to ``user`` so far."""
    user.session_epoch += 1


@dataclass(frozen=True)
class Attempt:
    """A sign-in let through the throttle, and what its password is to be checked against.

    ``password_hash`` is None for an unknown e-mail: the check then verifies a dummy hash, so
    that every attempt costs one argon2 verification whether the account exists or not."""

    email: str
    address: str
    user_id: int | None
    password_hash: str | None
    active: bool


@dataclass(frozen=True)
class Checked:
    """The outcome of checking an attempt's password; ``new_hash`` replaces an outdated one."""

    valid: bool
    new_hash: str | None = None


def admit_sign_in(session: Session, email: str, address: str, limits: throttle.Limits) -> Attempt:
    """Let the attempt through the throttle (``throttle.Refused`` or ``throttle.Busy`` if not)
    and read what its password is checked against. The caller commits before the check: the
    admission is counted whatever happens next."""
    key = email_key(email)
    throttle.admit(session, key, address, limits)
    user = find_user(session, key)
    if user is None:
        return Attempt(key, address, None, None, False)
    return Attempt(key, address, user.id, user.password_hash, user.active)


def check_password(attempt: Attempt, password: str) -> Checked:
    """Outside any transaction: argon2 takes a tenth of a second or more on purpose, and must
    never hold SQLite's write lock. Exactly one verification, whatever the account: unknown
    and disabled accounts take as long as the others and cannot be told apart."""
    dummy = _dummy_hash()  # made on the first attempt whatever its account, so that one is no tell either
    matched = passwords.verify(attempt.password_hash or dummy, password)
    if not (matched and attempt.active and attempt.user_id is not None):
        return Checked(False)
    if passwords.needs_upgrade(attempt.password_hash):
        return Checked(True, passwords.hash_password(password))
    return Checked(True)


def finish_sign_in(session: Session, attempt: Attempt, checked: Checked, limits: throttle.Limits) -> User | None:
    """Record the attempt's outcome; the user signed in, or None. An account disabled or given a
    new password while the password was checked is refused."""
    user = session.get(User, attempt.user_id, populate_existing=True) if checked.valid else None
    if user is not None and not (user.active and user.password_hash == attempt.password_hash):
        user = None
    throttle.finish(session, attempt.email, attempt.address, user is not None, limits)
    if user is not None:
        user.password_hash = checked.new_hash or user.password_hash
        user.last_sign_in_at = datetime.now(UTC)
        session.flush()
    return user


@cache
def _dummy_hash() -> str:
    """Made on first need, not at import: argon2 is slow on purpose and starts threads."""
    return passwords.hash_password(secrets.token_hex(16))
