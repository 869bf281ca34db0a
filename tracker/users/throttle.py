"""Sign-in throttling, counted in the database so it holds across every web worker.

Failures are counted in three scopes (``ThrottleScope``), each one ``SignInCounter`` row:

- **an account from one address** (the pair): after ``max_failures`` failures the pair is
  refused (HTTP 429) until the window, counted from its first failure, has passed;
- **an account from every address**, and **an address for every account**: beyond
  ``account_slow_after`` / ``address_slow_after`` failures these do not lock, they slow. An
  attempt from a pair that has already failed waits 1 s, 2 s, 4 s … (doubling with each failure
  beyond, at most the window) after the scope's latest slowed attempt was let in.

A pair without failures is always let in: the owner who types the right password from an
address that has not failed on their account is never refused, however many guesses were made
at it from elsewhere, and guesses at unknown e-mails from one address lock no real account
there. Its first guess per account is all that a fresh address gets.

Race-free: ``admit`` locks the rows it reads (``SELECT … FOR UPDATE`` on PostgreSQL, the
write lock on SQLite), decides, and counts the attempt as being checked before the lock goes.
Until ``finish`` records its outcome the attempt holds one of the pair's ``max_failures``
slots, so however many arrive at once, on however many workers, at most ``max_failures`` of a
pair are checked in a window; the others are answered ``Busy`` (ask again: the slots held may
yet be freed by right passwords) or, once those failures are counted, refused.

The password itself is checked between ``admit`` and ``finish``, outside any transaction.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from tracker.core.models import SignInCounter, ThrottleScope, as_utc, utcnow

#: A check lasts well under a second; slots held longer belong to a worker that died checking.
STALE_CHECK = timedelta(minutes=1)
#: The longest slow-down step is 2**30 s before the window caps it (and no huge int is built).
_MAX_DOUBLINGS = 30


@dataclass(frozen=True)
class Limits:
    max_failures: int
    window: timedelta
    account_slow_after: int
    address_slow_after: int

    @classmethod
    def of(cls, config: Mapping) -> Limits:
        return cls(config["LOGIN_MAX_FAILURES"], timedelta(minutes=config["LOGIN_WINDOW_MINUTES"]),
                   config["LOGIN_ACCOUNT_SLOW_AFTER"], config["LOGIN_ADDRESS_SLOW_AFTER"])


@dataclass(frozen=True)
class Refused(Exception):
    """Not checked: try again in ``retry_after`` seconds."""

    retry_after: int


class Busy(Exception):
    """Other checks of this pair hold its remaining slots: end the transaction and ask again."""


def admit(session: Session, email: str, address: str, limits: Limits) -> None:
    """Let one attempt of ``email`` from ``address`` be checked, or raise ``Refused`` or ``Busy``
    (the caller then rolls back: nothing is counted)."""
    now = utcnow()
    pair = _locked(session, ThrottleScope.PAIR, email, address, limits, now)
    if pair.failures >= limits.max_failures:
        raise Refused(_seconds_until(as_utc(pair.window_started_at) + limits.window, now))
    if pair.failures + pair.checking >= limits.max_failures:
        raise Busy
    if pair.failures:
        for scope, slow_after in _wide_scopes(email, address, limits):
            _pass_slow_down(_locked(session, *scope, limits, now), slow_after, limits, now)
    pair.checking += 1
    pair.admitted_at = now
    session.flush()


def finish(session: Session, email: str, address: str, succeeded: bool, limits: Limits) -> None:
    """Record the outcome of an admitted attempt. A success clears its pair (whoever knows the
    password gains nothing by guessing it), never the wide scopes: knowing one account's
    password must not buy more guesses at others."""
    now = utcnow()
    pair = _locked(session, ThrottleScope.PAIR, email, address, limits, now)
    pair.checking = max(0, pair.checking - 1)
    if succeeded:
        pair.failures, pair.window_started_at = 0, None
    else:
        _count_failure(pair, now)
        for scope, _ in _wide_scopes(email, address, limits):
            _count_failure(_locked(session, *scope, limits, now), now)
    session.flush()


def _wide_scopes(email: str, address: str, limits: Limits):
    """The account and address scopes, in the order every transaction locks them (after the
    pair): one order for all, so two attempts never wait on each other's rows."""
    yield (ThrottleScope.ACCOUNT, email, ""), limits.account_slow_after
    yield (ThrottleScope.ADDRESS, "", address), limits.address_slow_after


def _locked(session: Session, scope: ThrottleScope, email: str, address: str, limits: Limits,
            now: datetime) -> SignInCounter:
    """The scope's row, created if new and locked until the transaction ends, its window rolled."""
    key = {"scope": scope.value, "email": email[:254], "address": address[:64]}  # the columns' sizes
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(SignInCounter).values(**key).on_conflict_do_nothing())
    row = session.scalars(select(SignInCounter).filter_by(**key).with_for_update()
                          .execution_options(populate_existing=True)).one()
    if row.window_started_at is not None and as_utc(row.window_started_at) + limits.window <= now:
        row.failures, row.window_started_at = 0, None
    if row.checking and (row.admitted_at is None or as_utc(row.admitted_at) + STALE_CHECK <= now):
        row.checking = 0
    return row


def _pass_slow_down(row: SignInCounter, slow_after: int, limits: Limits, now: datetime) -> None:
    beyond = row.failures - slow_after
    if beyond > 0 and row.admitted_at is not None:
        step = min(timedelta(seconds=2 ** min(beyond - 1, _MAX_DOUBLINGS)), limits.window)
        ready = as_utc(row.admitted_at) + step
        if ready > now:
            raise Refused(_seconds_until(ready, now))
    row.admitted_at = now


def _count_failure(row: SignInCounter, now: datetime) -> None:
    row.failures += 1
    row.window_started_at = row.window_started_at or now


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))
