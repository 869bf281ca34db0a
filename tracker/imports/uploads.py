"""Uploaded files kept between preview and confirmation, under an unguessable token.

They live in the database, not in a worker's memory or on one machine's disk: whichever
web worker serves the confirmation finds the file, and the file never has to be uploaded
twice. Uploads expire (``IMPORT_KEEP_HOURS``) and expired ones are deleted whenever a new
file arrives. Sizes are bounded by ``MAX_CONTENT_LENGTH``.
"""
from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from tracker.core.models import ImportUpload


def _now() -> datetime:
    return datetime.now(UTC)


def store_upload(session: Session, filename: str, content: bytes, keep_hours: int) -> ImportUpload:
    """Keep ``content`` for ``keep_hours``; expired uploads are cleared on the way."""
    session.execute(delete(ImportUpload).where(ImportUpload.expires_at < _now()))
    upload = ImportUpload(token=secrets.token_urlsafe(32), filename=filename[:255], content=content,
                          expires_at=_now() + timedelta(hours=keep_hours))
    session.add(upload)
    session.flush()
    return upload


def find_upload(session: Session, token: str) -> ImportUpload | None:
    """The upload kept under ``token``, unless it has expired."""
    upload = session.get(ImportUpload, token)
    if upload is None or _as_utc(upload.expires_at) < _now():
        return None
    return upload


def _as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class AlreadyImported(Exception):
    """The upload was imported already (its result is stored): a second confirmation, or a
    second run of its job, records nothing."""


def claim_result(session: Session, token: str, summary: dict) -> None:
    """Store the import's result with its upload, in the transaction that records the import.

    The upload's token is the import's one-time key: a result already stored raises
    ``AlreadyImported``. One conditional UPDATE, so that of two confirmations at once (a double
    click, two schedulers) exactly one stores it; on PostgreSQL the other waits for its commit.
    """
    stored = session.execute(update(ImportUpload).where(ImportUpload.token == token, ImportUpload.result.is_(None))
                             .values(result=json.dumps(summary)))
    if stored.rowcount != 1:
        raise AlreadyImported()


def result_of(upload: ImportUpload) -> dict | None:
    return None if upload.result is None else json.loads(upload.result)
