"""Every setting of the Funding Gap Tracker, with its environment variable and default.

The README's configuration table mirrors this file; keep them in step.
"""
import os
from datetime import timedelta


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
    #: Rows per page in long tables.
    PAGE_SIZE = _int("TRACKER_PAGE_SIZE", 50)
    WTF_CSRF_ENABLED = True
    #: CSRF tokens stay valid for the whole session rather than one hour, so a long form is not lost.
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: "production" refuses to start without SECRET_KEY, sends cookies only over HTTPS and never debugs.
    TRACKER_ENV = os.environ.get("TRACKER_ENV", "development")
    #: Minutes without a request after which a signed-in session ends.
    SESSION_IDLE_MINUTES = _int("TRACKER_SESSION_IDLE_MINUTES", 30)
    #: Failed sign-ins allowed per account and per address within the window before 429.
    LOGIN_MAX_FAILURES = _int("TRACKER_LOGIN_MAX_FAILURES", 10)
    #: The throttling window, in minutes.
    LOGIN_WINDOW_MINUTES = _int("TRACKER_LOGIN_WINDOW_MINUTES", 15)
    #: Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host headers are trusted.
    PROXIES = _int("TRACKER_PROXIES", 0)
    #: Email of the admin created on the first `flask init-db` (its random password is printed once).
    ADMIN_EMAIL = os.environ.get("TRACKER_ADMIN_EMAIL", "admin@example.org")
