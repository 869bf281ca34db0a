"""Programme scopes: an editor or viewer an administrator limited to some programmes sees only
their gaps and what hangs from them (contributions, payments, instalments, schedules,
write-offs, reminders, snapshots).

The limit is kept in one place, not in each query: :func:`limit` gives every ORM SELECT of a
session loader criteria (``with_loader_criteria`` in a ``do_orm_execute`` listener), which
reach entity queries, column and aggregate queries and their subqueries alike. A request's
session is limited by ``tracker.web.access``; an import's sessions by the importing user's
scope (``for_user``), so that a queued import recorded by the scheduler keeps it too.
"""
from __future__ import annotations

from collections.abc import Callable

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
    User,
    UserProgramme,
    WriteOff,
)

#: What belongs to a programme through its contribution.
_BY_CONTRIBUTION = (Payment, Instalment, PaymentSchedule, WriteOff, Reminder)


def criteria(programmes: frozenset[int]) -> list:
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


def limit(session: Session, programmes: Callable[[], frozenset[int] | None]) -> Session:
    """Give every ORM SELECT of ``session`` the criteria of ``programmes()`` (asked at each
    query: a request's user may sign in half-way; None: every programme). Loading the rest of an
    object already found (``is_column_load``) needs none."""

    def within(state: ORMExecuteState) -> None:
        scope = programmes()
        if scope is None or not state.is_select or state.is_column_load:
            return
        state.statement = state.statement.options(*criteria(scope))

    event.listen(session, "do_orm_execute", within)
    return session


def of_user(session: Session, user: User | None) -> frozenset[int] | None:
    """The programmes ``user`` is limited to; None: every programme (admins, donor users and
    unscoped staff; nobody)."""
    if user is None or not user.scoped or user.role not in SCOPED_ROLES:
        return None
    return frozenset(session.scalars(select(UserProgramme.programme_id).where(UserProgramme.user_id == user.id)))


def for_user(session: Session, user_id: int | None) -> Session:
    """``session`` limited to the scope of the user numbered ``user_id`` (None: a command or job
    of its own, which sees everything), read once, now."""
    scope = of_user(session, None if user_id is None else session.get(User, user_id))
    return limit(session, lambda: scope)
