"""Sign-in throttling, counted in the database so it holds across every web worker.

After ``LOGIN_MAX_FAILURES`` failures within ``LOGIN_WINDOW_MINUTES`` for one account, or
from one address, further attempts are refused (HTTP 429) until the oldest failure leaves
the window; the real user then gets back in. Successful sign-ins do not reset the count:
an attacker who knows one password cannot use it to keep guessing another.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.core.models import SignInAttempt


def record(session: Session, email: str, address: str, succeeded: bool) -> None:
    session.add(SignInAttempt(email=email, address=address, succeeded=succeeded))
    session.flush()


def retry_after(session: Session, email: str, address: str, max_failures: int, window: timedelta) -> int:
    """Seconds until another attempt is allowed for ``email`` from ``address``; 0 means now."""
    since = datetime.now(UTC) - window
    waits = [0]
    for column, value in ((SignInAttempt.email, email), (SignInAttempt.address, address)):
        failures = session.scalars(
            select(SignInAttempt.at)
            .where(column == value, SignInAttempt.at > since, SignInAttempt.succeeded.is_(False))
            .order_by(SignInAttempt.at.desc())
            .limit(max_failures)
        ).all()
        if len(failures) >= max_failures:
            oldest = _aware(failures[-1])
            waits.append(int((oldest + window - datetime.now(UTC)).total_seconds()) + 1)
    return max(waits)


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
