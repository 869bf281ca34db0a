"""Every setting of the Funding Gap Tracker, with its environment variable and default.

The README's configuration table mirrors this file; keep them in step.
"""
import os
import re


def _int(name: str, default: int, minimum: int | None = None) -> int:
    """Read an integer setting; a malformed or too small value stops start-up with the variable's name."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise SystemExit(f"{name} must be at least {minimum}, got {value}")
    return value


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """Read a setting that is one of ``choices`` (any case); another value stops start-up."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    for choice in choices:
        if choice.lower() == raw.lower():
            return choice
    raise SystemExit(f"{name} must be one of {', '.join(choices)}, got {raw!r}")


def _origins(name: str) -> str:
    """Read a space-separated list of web origins (``https://example.org``, a port allowed); a
    malformed one stops start-up with the variable's name. Returns them normalised, one space apart."""
    origins = os.environ.get(name, "").split()
    for origin in origins:
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?", origin):
            raise SystemExit(f"{name} must list origins such as https://www.example.org, got {origin!r}")
    return " ".join(origins)


class Config:
    """Settings for the single-machine default; production overrides come from the environment."""

    #: SQLAlchemy URL. Empty means a SQLite file in Flask's instance folder.
    DATABASE_URL = os.environ.get("DATABASE_URL", "")
    #: SQLAlchemy URL as the schema's owner, for `flask init-db` (migrations) and `restore`. Empty
    #: means DATABASE_URL. On PostgreSQL the app connects as a role that owns nothing (see README).
    MIGRATE_DATABASE_URL = os.environ.get("TRACKER_MIGRATE_DATABASE_URL", "")
    #: Signing key for sessions and CSRF tokens. Empty means: generated once into the instance folder.
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    #: Milliseconds a SQLite writer waits for the write lock before giving up.
    SQLITE_BUSY_TIMEOUT_MS = _int("TRACKER_SQLITE_BUSY_TIMEOUT_MS", 15_000)
    #: Name of the seed loaded by `flask init-db` (a file in tracker/gaps/seeds/); empty loads none.
    TRACKER_SEED = os.environ.get("TRACKER_SEED", "ilo-cambodia")
    #: Largest request body accepted, in bytes (uploads included).
    MAX_CONTENT_LENGTH = _int("TRACKER_MAX_CONTENT_LENGTH", 10 * 1024 * 1024)
    #: Largest uncompressed size an uploaded workbook may declare, in bytes (refuses zip bombs).
    IMPORT_MAX_UNZIPPED_BYTES = _int("TRACKER_IMPORT_MAX_UNZIPPED_BYTES", 50 * 1024 * 1024)
    #: Most rows one web import may hold; larger files go through `flask import-contributions`.
    #: Checking a file only reads (it never takes SQLite's write lock); recording it takes the
    #: write lock for one short set-based write (about 0.1 s per 1,000 rows on SQLite).
    IMPORT_MAX_ROWS = _int("TRACKER_IMPORT_MAX_ROWS", 10_000)
    #: Imports of more rows than this are recorded by the scheduler process (an import job with
    #: a progress page), not by the web request that confirms them, so that no request lasts
    #: more than a second or so whatever the server's timeout. Smaller ones need no scheduler.
    IMPORT_JOB_ROWS = _int("TRACKER_IMPORT_JOB_ROWS", 2_000, minimum=0)
    #: Most columns an uploaded file may have; a wider one is refused before it is kept or listed.
    IMPORT_MAX_COLUMNS = _int("TRACKER_IMPORT_MAX_COLUMNS", 200, minimum=1)
    #: Hours an uploaded file is kept for its preview, confirmation and skipped-rows report.
    IMPORT_KEEP_HOURS = _int("TRACKER_IMPORT_KEEP_HOURS", 24)
    #: Rows per page in long tables.
    PAGE_SIZE = _int("TRACKER_PAGE_SIZE", 50)
    #: The paper the Excel workbooks are set up to print on: A4 or Letter.
    TRACKER_PAPER_SIZE = _choice("TRACKER_PAPER_SIZE", "A4", ("A4", "Letter"))
    #: The rate table whose rate in force wins when several have one for a day (``tracker.core.rates``).
    TRACKER_RATE_SOURCE = _choice("TRACKER_RATE_SOURCE", "un-operational", ("un-operational", "ecb", "typed"))
    #: A folder the ``rates`` job loads new rate files from (empty: the job loads nothing).
    TRACKER_RATES_DIR = os.environ.get("TRACKER_RATES_DIR", "")
    #: Seconds between two runs of the ``rates`` job.
    TRACKER_RATES_INTERVAL = _int("TRACKER_RATES_INTERVAL", 60 * 60, minimum=1)
    #: The reporting organisation's IATI organisation identifier: the IATI export's activity ids are
    #: it, "-" and the gap code (e.g. XM-DAC-41302-KHM-SME for the ILO).
    TRACKER_IATI_REPORTING_ORG = os.environ.get("TRACKER_IATI_REPORTING_ORG", "XM-DAC-41302")
    #: The reporting organisation's IATI OrganisationType code (40: Multilateral).
    TRACKER_IATI_REPORTING_ORG_TYPE = os.environ.get("TRACKER_IATI_REPORTING_ORG_TYPE", "40")
    #: The reporting organisation's name, as the IATI export's reporting-org narrative.
    TRACKER_IATI_REPORTING_ORG_NAME = os.environ.get("TRACKER_IATI_REPORTING_ORG_NAME",
                                                     "International Labour Organization (ILO)")
    #: A file the recompute job rewrites with the IATI export of every gap whenever it changed
    #: (empty: none is written).
    TRACKER_IATI_EXPORT_PATH = os.environ.get("TRACKER_IATI_EXPORT_PATH", "")
    WTF_CSRF_ENABLED = True
    #: CSRF tokens stay valid for the whole session rather than one hour, so a long form is not lost.
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: "production" refuses to start without SECRET_KEY, sends cookies only over HTTPS and never debugs.
    TRACKER_ENV = os.environ.get("TRACKER_ENV", "development")
    #: Minutes without a request after which a signed-in session ends. Every request moves the
    #: clock (the time is kept in the signed cookie).
    SESSION_IDLE_MINUTES = _int("TRACKER_SESSION_IDLE_MINUTES", 30, minimum=1)
    #: Hours after signing in at which a session ends however active it is (a stolen cookie
    #: cannot be kept alive by use). Also the cookie's lifetime in the browser, counted from
    #: the latest response.
    SESSION_MAX_HOURS = _int("TRACKER_SESSION_MAX_HOURS", 12, minimum=1)
    #: Hours an invitation or password-reset link works before it expires (each works once).
    TRACKER_INVITE_HOURS = _int("TRACKER_INVITE_HOURS", 72, minimum=1)
    #: Flask's: send the session cookie with every response, so the browser's expiry moves too.
    SESSION_REFRESH_EACH_REQUEST = True
    #: Failed sign-ins of one account from one address within the window before that pair gets
    #: 429 until the window (counted from its first failure) has passed. Other addresses are
    #: not affected: the owner elsewhere still gets in.
    LOGIN_MAX_FAILURES = _int("TRACKER_LOGIN_MAX_FAILURES", 10, minimum=1)
    #: Failed sign-ins of one account from every address within the window beyond which an
    #: address that has already failed on it waits 1 s, 2 s, 4 s … between attempts (slows
    #: a spread-out attack; never refuses an address that has not failed on the account).
    LOGIN_ACCOUNT_SLOW_AFTER = _int("TRACKER_LOGIN_ACCOUNT_SLOW_AFTER", 50, minimum=1)
    #: The same slow-down for one address's failures at every account (password spraying);
    #: an account that address has not failed on is not slowed.
    LOGIN_ADDRESS_SLOW_AFTER = _int("TRACKER_LOGIN_ADDRESS_SLOW_AFTER", 50, minimum=1)
    #: The throttling window, in minutes: failures older than this, counted from a scope's
    #: first failure, are forgotten; also the longest slow-down step.
    LOGIN_WINDOW_MINUTES = _int("TRACKER_LOGIN_WINDOW_MINUTES", 15, minimum=1)
    #: Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host headers are trusted.
    PROXIES = _int("TRACKER_PROXIES", 0)
    #: Email of the admin created on the first `flask init-db` (its random password is printed once).
    ADMIN_EMAIL = os.environ.get("TRACKER_ADMIN_EMAIL", "admin@example.org")

    # The public pages (/p/<programme>, its embed and badges, /open/v1): published gaps only.
    #: Sites that may show a programme's embed (/p/<code>/embed) in an iframe: origins separated
    #: by spaces (https://www.ilo.org https://example.org). Empty: no site may frame it.
    TRACKER_EMBED_ORIGINS = _origins("TRACKER_EMBED_ORIGINS")
    #: The licence statement of the open data (/open/v1/gaps.json and .csv) and the public pages.
    TRACKER_OPEN_DATA_LICENCE = os.environ.get(
        "TRACKER_OPEN_DATA_LICENCE",
        "Creative Commons Attribution 4.0 International (CC BY 4.0): https://creativecommons.org/licenses/by/4.0/")

    # The scheduler process (`flask --app tracker scheduler`). Intervals are in seconds and
    # counted from 2000-01-01 00:00 UTC, so every scheduler process has the same ticks
    # (a daily job runs at midnight UTC, a 15-minute one on the quarter hours).
    #: Seconds between recomputes of every gap's figures (snapshots for the trend).
    TRACKER_RECOMPUTE_INTERVAL = _int("TRACKER_RECOMPUTE_INTERVAL", 15 * 60, minimum=1)
    #: Seconds between runs of the overdue job (flags instalments that fell due).
    TRACKER_OVERDUE_INTERVAL = _int("TRACKER_OVERDUE_INTERVAL", 24 * 60 * 60, minimum=1)
    #: Seconds between runs of the reminders job.
    TRACKER_REMINDERS_INTERVAL = _int("TRACKER_REMINDERS_INTERVAL", 24 * 60 * 60, minimum=1)
    #: Seconds between the scheduler's looks for "Run now" requests made on /admin/jobs and for
    #: imports queued on the import page (see IMPORT_JOB_ROWS).
    TRACKER_RUN_NOW_POLL_INTERVAL = _int("TRACKER_RUN_NOW_POLL_INTERVAL", 10, minimum=1)
    #: Seconds after which a SQLite job lock whose owner cannot be checked is taken over, and an
    #: import job still running (its scheduler died) is claimed again: recording it twice adds nothing.
    TRACKER_JOB_LOCK_TTL = _int("TRACKER_JOB_LOCK_TTL", 60 * 60, minimum=1)
    #: Test hook, 0 in production: seconds the recompute job pauses after each batch of
    #: snapshot writes, so that a test can kill it half-way through its transaction.
    TRACKER_RECOMPUTE_PAUSE_SECONDS = _int("TRACKER_RECOMPUTE_PAUSE_SECONDS", 0, minimum=0)

    #: A reminder is written for an instalment due within this many days (and for overdue ones).
    TRACKER_REMINDERS_DAYS_AHEAD = _int("TRACKER_REMINDERS_DAYS_AHEAD", 14, minimum=0)
    #: At most this many reminders per instalment.
    TRACKER_REMINDERS_MAX = _int("TRACKER_REMINDERS_MAX", 3, minimum=1)
    #: At least this many days between two reminders of the same instalment.
    TRACKER_REMINDERS_SPACING_DAYS = _int("TRACKER_REMINDERS_SPACING_DAYS", 7, minimum=1)
    #: Where reminders are e-mailed (the programme's resource-mobilisation mailbox) unless a donor
    #: has "send reminders to the focal point" on; those to this mailbox wait in the outbox while it is empty.
    TRACKER_REMINDERS_TO = os.environ.get("TRACKER_REMINDERS_TO", "")
    #: Closes every reminder letter: the programme's name and whom to contact (use \n for new lines).
    TRACKER_LETTER_SIGNATURE = os.environ.get(
        "TRACKER_LETTER_SIGNATURE", "Resource Mobilisation Team\nFunding Gap Tracker").replace("\\n", "\n")
    #: Languages a donor contact may prefer, as comma-separated ISO 639-1 codes (named by pycountry).
    TRACKER_LANGUAGES = os.environ.get("TRACKER_LANGUAGES", "en")
    #: SMTP server for reminders; empty means reminders stay in the outbox page.
    TRACKER_SMTP_HOST = os.environ.get("TRACKER_SMTP_HOST", "")
    TRACKER_SMTP_PORT = _int("TRACKER_SMTP_PORT", 587, minimum=1)
    #: 1: upgrade the connection with STARTTLS before logging in; 0: plain (a local relay).
    TRACKER_SMTP_STARTTLS = _int("TRACKER_SMTP_STARTTLS", 1, minimum=0)
    TRACKER_SMTP_USERNAME = os.environ.get("TRACKER_SMTP_USERNAME", "")
    TRACKER_SMTP_PASSWORD = os.environ.get("TRACKER_SMTP_PASSWORD", "")
    TRACKER_SMTP_FROM = os.environ.get("TRACKER_SMTP_FROM", "funding-gap-tracker@localhost")
