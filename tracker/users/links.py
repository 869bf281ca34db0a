"""Single-use links that let a user set a password: an invitation, or a reset an administrator
asked for. The token travels only in the link (shown once to the administrator, e-mailed when
SMTP is configured); the database keeps its SHA-256, which opens nothing if read. A link works
once, until its expiry (``TRACKER_INVITE_HOURS``), and only for an active user; using one uses
up every other open link of that user.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.core.mail import SmtpServer
from tracker.core.models import LinkPurpose, SignInLink, User, as_utc, utcnow


class Refused(Exception):
    """A link that cannot be used, and why: ``"expired"``, ``"used"`` or ``"unknown"``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(session: Session, user: User, purpose: str, hours: int) -> str:
    """A new link for ``user``; returns its token, which is not kept anywhere."""
    token = secrets.token_urlsafe(32)
    session.add(SignInLink(user_id=user.id, purpose=purpose, token_hash=_hashed(token),
                           expires_at=utcnow() + timedelta(hours=hours)))
    session.flush()
    return token


def find(session: Session, token: str) -> SignInLink | None:
    return session.scalar(select(SignInLink).where(SignInLink.token_hash == _hashed(token)))


def usable(session: Session, token: str) -> SignInLink:
    """The link of ``token``, read under a row lock so that two uses at once cannot both pass;
    ``Refused`` says why it cannot be used."""
    link = session.scalar(select(SignInLink).where(SignInLink.token_hash == _hashed(token))
                          .with_for_update().execution_options(populate_existing=True))
    check(link)
    return link


def check(link: SignInLink | None) -> None:
    """Raise ``Refused`` for a link that is unknown, used, expired or whose user is disabled."""
    if link is None or not link.user.active:
        raise Refused("unknown")
    if link.used_at is not None:
        raise Refused("used")
    if as_utc(link.expires_at) <= utcnow():
        raise Refused("expired")


def use_up(session: Session, user: User) -> None:
    """Mark every open link of ``user`` used: the one just followed, and any older one."""
    now = utcnow()
    for link in session.scalars(select(SignInLink).where(SignInLink.user_id == user.id,
                                                         SignInLink.used_at.is_(None))):
        link.used_at = now


def letter(purpose: str, url: str, hours: int) -> tuple[str, str]:
    """The subject and body of the e-mail that carries a link."""
    if purpose == LinkPurpose.INVITATION:
        subject = "You are invited to the Funding Gap Tracker"
        opening = "You have been invited to sign in to the Funding Gap Tracker."
    else:
        subject = "Set a new password for the Funding Gap Tracker"
        opening = "An administrator of the Funding Gap Tracker has had your password reset."
    body = (f"{opening}\n\nOpen this link to choose your password:\n\n{url}\n\n"
            f"The link works once, within {hours} hours. If you did not expect it, ignore this message.\n")
    return subject, body


def email(server: SmtpServer, recipient: str, purpose: str, url: str, hours: int) -> None:
    """Send the link to ``recipient`` (smtplib's errors are the caller's to report)."""
    subject, body = letter(purpose, url, hours)
    with server.connect() as smtp:
        smtp.send_message(server.message(recipient, subject, body))
