"""Every setting of the Funding Gap Tracker, with its environment variable and default.

The README's configuration table mirrors this file; keep them in step.
"""
import os


def _int(name: str, default: int) -> int:
    """Read an integer setting; a malformed value stops start-up with the variable's name."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from None


class Config:
    """Settings for the single-machine default; production overrides come from the environment."""

    #: SQLAlchemy URL. Empty means a SQLite file in Flask's instance folder.
    DATABASE_URL = os.environ.get("DATABASE_URL", "")
    #: Signing key for sessions and CSRF tokens. Empty means: generated once into the instance folder.
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    #: Milliseconds a SQLite writer waits for the write lock before giving up.
    SQLITE_BUSY_TIMEOUT_MS = _int("TRACKER_SQLITE_BUSY_TIMEOUT_MS", 15_000)
    #: Name of the seed loaded by `flask init-db` (a file in tracker/seeds/); empty loads none.
    TRACKER_SEED = os.environ.get("TRACKER_SEED", "ilo-cambodia")
    #: Largest request body accepted, in bytes (uploads included).
    MAX_CONTENT_LENGTH = _int("TRACKER_MAX_CONTENT_LENGTH", 10 * 1024 * 1024)
    #: Largest uncompressed size an uploaded workbook may declare, in bytes (refuses zip bombs).
    IMPORT_MAX_UNZIPPED_BYTES = _int("TRACKER_IMPORT_MAX_UNZIPPED_BYTES", 50 * 1024 * 1024)
    #: Most rows one web import may hold; larger files go through `flask import-contributions`.
    #: On SQLite an import holds the write lock while it runs (about 1 ms a row), so other saves wait.
    IMPORT_MAX_ROWS = _int("TRACKER_IMPORT_MAX_ROWS", 10_000)
    #: Hours an uploaded file is kept for its preview, confirmation and skipped-rows report.
    IMPORT_KEEP_HOURS = _int("TRACKER_IMPORT_KEEP_HOURS", 24)
    #: Rows per page in long tables.
    PAGE_SIZE = _int("TRACKER_PAGE_SIZE", 50)
    WTF_CSRF_ENABLED = True
    #: CSRF tokens stay valid for the whole session rather than one hour, so a long form is not lost.
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
