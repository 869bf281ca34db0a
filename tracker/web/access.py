"""Who may use what. Every view declares its rule with :func:`allow`; a view without one is
refused for everybody (fail closed), so a new route cannot be left open by accident.

Staff roles nest (admin ⊃ editor ⊃ viewer). A donor user sees the gaps' public figures and
only its own donor's records; views that show donor records narrow them with
:func:`donor_scope`, and answer 404 for another donor's objects.

An editor or viewer may be limited to some programmes (:func:`programme_scope`). That limit is
not left to each view: :func:`limit_to_programmes` makes every ORM query of the request's
session see only those programmes' gaps and what hangs from them (contributions, payments,
instalments, schedules, write-offs, reminders, snapshots), in pages, JSON and workbooks alike;
an object of another programme is simply not found, so its page answers 404.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, request
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from tracker.core.models import (
    SCOPED_ROLES,
    Contribution,
    Gap,
    GapSnapshot,
    Instalment,
    Payment,
    PaymentSchedule,
    Programme,
    Reminder,
    Role,
    WriteOff,
)

PUBLIC = frozenset({"public"})
ADMINS = frozenset({Role.ADMIN})
EDITORS = ADMINS | {Role.EDITOR}
STAFF = EDITORS | {Role.VIEWER}
SIGNED_IN = STAFF | {Role.DONOR}


def allow(roles: frozenset) -> Callable:
    """Declare who may use a view: PUBLIC, SIGNED_IN, STAFF, EDITORS or ADMINS."""

    def declare(view: Callable) -> Callable:
        view.allowed_roles = roles
        return view

    return declare


def rule_of(view: Callable | None) -> frozenset | None:
    return getattr(view, "allowed_roles", None)


def check_request() -> str | None:
    """What stands between this request and its view: None (go on), "sign-in" or "forbidden"."""
    if request.endpoint is None:
        return None  # no such page: the 404 handler answers
    if request.endpoint == "static":
        return None
    rule = rule_of(current_app.view_functions.get(request.endpoint))
    if rule is None:
        current_app.logger.error("Refused %s %s: the view declares no access rule", request.method, request.path)
        return "forbidden"
    if rule is PUBLIC:
        return None
    if not current_user.is_authenticated:
        return "sign-in"
    if current_user.role not in rule:
        current_app.logger.warning("Refused %s %s to %s (%s)", request.method, request.path,
                                   current_user.email, current_user.role)
        return "forbidden"
    return None


def is_donor() -> bool:
    return current_user.is_authenticated and current_user.role == Role.DONOR


def can_edit() -> bool:
    return current_user.is_authenticated and current_user.role in EDITORS


def can_edit_every_programme() -> bool:
    """An editor not limited to some programmes: what concerns every programme (a new programme,
    merging donors, whose contributions may be anywhere) is theirs."""
    return can_edit() and programme_scope() is None


def donor_scope() -> int | None:
    """The donor a donor user is limited to; None for staff (who see everything)."""
    return current_user.donor_id if is_donor() else None


def require_own_donor(donor_id: int) -> None:
    """404 (not 403: its existence is not the donor user's business) for another donor's record."""
    own = donor_scope()
    if own is not None and own != donor_id:
        current_app.logger.warning("Refused %s to donor user %s: another donor's record", request.path,
                                   current_user.email)
        abort(404)


#: What belongs to a programme through its contribution.
_BY_CONTRIBUTION = (Payment, Instalment, PaymentSchedule, WriteOff, Reminder)


def programme_scope() -> frozenset[int] | None:
    """The ids of the programmes the signed-in editor or viewer is limited to; None: every
    programme (admins, donor users, unscoped staff, nobody signed in)."""
    if not current_user.is_authenticated or current_user.role not in SCOPED_ROLES:
        return None
    return current_user.programmes


def programme_criteria(programmes: frozenset[int]) -> list:
    """The loader criteria that keep a query to ``programmes``. The inner selects read the tables,
    not the mapped classes, so that they are not themselves given criteria again."""
    ids = sorted(programmes)
    gap, contribution = Gap.__table__, Contribution.__table__
    gaps = select(gap.c.id).where(gap.c.programme_id.in_(ids))
    contributions = select(contribution.c.id).where(contribution.c.gap_id.in_(gaps))
    return [
        with_loader_criteria(Programme, Programme.id.in_(ids), include_aliases=True),
        with_loader_criteria(Gap, Gap.programme_id.in_(ids), include_aliases=True),
        with_loader_criteria(GapSnapshot, GapSnapshot.gap_id.in_(gaps), include_aliases=True),
        with_loader_criteria(Contribution, Contribution.gap_id.in_(gaps), include_aliases=True),
        *(with_loader_criteria(model, model.contribution_id.in_(contributions), include_aliases=True)
          for model in _BY_CONTRIBUTION),
    ]


def _within_scope(state: ORMExecuteState) -> None:
    """Every ORM SELECT of the request (entities, columns, aggregates, their subqueries) gets the
    scope's criteria; loading the rest of an object already found (``is_column_load``) does not
    need them."""
    programmes = programme_scope()
    if programmes is None or not state.is_select or state.is_column_load:
        return
    state.statement = state.statement.options(*programme_criteria(programmes))


def limit_to_programmes(session: Session) -> Session:
    """Make ``session`` (a request's) see only the signed-in user's programmes, if limited."""
    event.listen(session, "do_orm_execute", _within_scope)
    return session


def require_every_programme(what: str) -> None:
    """403 for a user limited to some programmes: ``what`` concerns every programme."""
    if programme_scope() is not None:
        current_app.logger.warning("Refused %s to %s: %s needs every programme", request.path,
                                   current_user.email, what)
        abort(403, description=f"{what} is for users who see every programme.")
