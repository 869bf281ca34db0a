"""The transactions of an import: a read for the check, then one short write for the inserts.

``check_import`` runs in a read transaction: on SQLite it never takes the write lock, and on
either database it never makes a save wait. ``record_checked`` then runs in a write transaction
of its own, which lasts as long as its re-reads and inserts. When the ledger moved in between
(``LedgerMoved``: a gap closed, a donor added or merged, a possible duplicate recorded), the
file is checked again, up to ``ATTEMPTS`` times, so the outcome is the one a check after that
change gives: a gap closed meanwhile refuses its rows, a duplicate recorded meanwhile holds its
row back.

As ``tracker.jobs.runner`` is for a job, this is where an import's transactions begin and end:
the confirmation page, the scheduler's import job and ``flask import-contributions`` all record
through :func:`record_import`. What the caller stores with the import (its result, the columns
chosen) it writes in ``also``, inside the same write transaction.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tracker.core import db, scopes
from tracker.core.audit import Actor
from tracker.imports import mapping, uploads
from tracker.imports.files import Table
from tracker.imports.mapping import Mapping
from tracker.imports.report import summary
from tracker.imports.run import (
    CheckedImport,
    Choices,
    ImportConflict,
    ImportResult,
    LedgerMoved,
    check_import,
    record_checked,
)

#: Checks of one import before it gives up: the ledger moving under three checks in a row
#: means people are recording the same donors' money right now.
ATTEMPTS = 3


def check(table: Table, mapping: Mapping, choices: Choices = Choices(), actor: Actor | None = None) -> CheckedImport:
    """Check ``table`` in a read transaction of its own, ended before this returns; a user
    limited to some programmes finds only their gaps (``tracker.core.scopes``)."""
    with db.new_session() as session:
        return check_import(scopes.for_user(session, actor and actor.user_id), table, mapping, choices)


def record_import(table: Table, mapping: Mapping, choices: Choices, actor: Actor,
                  also: Callable[[Session, ImportResult], None] | None = None) -> ImportResult:
    """Check ``table``, and record it when the result is complete (see the module doc).

    ``also(session, result)`` runs in the write transaction before the inserts; what it raises
    rolls everything back and reaches the caller. Raises ``ImportConflict`` when another import
    recorded the same rows, or when the ledger kept moving.
    """
    for _attempt in range(ATTEMPTS):
        checked = check(table, mapping, choices, actor)
        if not checked.result.complete:
            return checked.result
        try:
            with db.writing(actor) as session:
                scopes.for_user(session, actor.user_id)
                if also is not None:
                    also(session, checked.result)
                record_checked(session, checked)
            return checked.result
        except LedgerMoved:
            continue
    raise ImportConflict("Contributions of the same donors and gaps were being recorded while this import was, "
                         "so nothing was imported. Press Import again in a moment.")


def kept_with_upload(token: str, headers: tuple[str, ...], chosen: Mapping) -> Callable[[Session, ImportResult], None]:
    """The ``also`` of an import confirmed on the pages: its result stored with its upload (its
    one-time key, see ``uploads.claim_result``) and its columns remembered for the next file."""
    def keep(session: Session, result: ImportResult) -> None:
        uploads.claim_result(session, token, summary(result))
        mapping.remember(session, headers, chosen.columns)
    return keep
