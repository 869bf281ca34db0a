"""The IATI file of a selection of gaps, as the page, the command and the recompute job ask for it.

``export`` is the one entry point: a session and filters (a programme code, a gap code, or only
the published gaps for the public file), the reporter from the settings, today's date (UTC).
``write_if_changed`` is what the recompute job does after each run when TRACKER_IATI_EXPORT_PATH is
set: it rewrites the file only when what it says changed (everything but its generated-datetime),
so each change is written exactly once, atomically (a private temporary file renamed over it).
"""
from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from tracker.core.errors import InvalidInput
from tracker.core.models import Gap, Programme
from tracker.iati import activities

GENERATED = re.compile(rb'generated-datetime="[^"]*"')


def export(session: Session, config: Mapping, *, programme: str | None = None, gap: str | None = None,
           published_only: bool = False, now: datetime | None = None) -> bytes:
    """The file of the gaps matching the filters; ``InvalidInput`` names an unknown programme or gap
    code, ``activities.NothingToExport`` says when no gap matches."""
    now = now or datetime.now(UTC)
    programme, gap = _code("programme", programme), _code("gap", gap)
    if programme and session.query(Programme.id).filter_by(code=programme).first() is None:
        raise InvalidInput("programme", f"There is no programme {programme}.")
    if gap and session.query(Gap.id).filter_by(code=gap).first() is None:
        raise InvalidInput("gap", f"There is no funding gap {gap}.")
    gaps = activities.gaps_to_export(session, programme=programme, gap=gap, published_only=published_only)
    return activities.activities_xml(gaps, activities.Reporter.from_config(config), now.date(), generated=now,
                                     public=published_only)


def _code(field: str, value: str | None) -> str | None:
    """A code as typed, upper-cased; None when empty. Codes are printable and at most 20 long."""
    code = (value or "").strip().upper()
    if len(code) > 20 or not code.isprintable():
        raise InvalidInput(field, f"A {field} code is at most 20 printable characters.")
    return code or None


def write_if_changed(session: Session, config: Mapping, path: Path, now: datetime) -> bool:
    """Write the file of every gap to ``path`` unless it already says the same; True when written."""
    try:
        content = export(session, config, now=now)
    except activities.NothingToExport:
        return False
    if path.exists() and GENERATED.sub(b"", path.read_bytes()) == GENERATED.sub(b"", content):
        return False
    handle, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # 0600, as mkstemp makes them
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(draft, path)
    except BaseException:
        Path(draft).unlink(missing_ok=True)
        raise
    return True
