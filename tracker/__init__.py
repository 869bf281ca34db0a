"""The Funding Gap Tracker: how much of each funding gap is still missing, who promised what,
what has arrived and what is late."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from flask.helpers import get_debug_flag
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config
from tracker.core import db, files


def create_app(overrides: dict | None = None) -> Flask:
    """Build the web app: read config, bind the shared session factory, register blueprints.

    Creating the app starts nothing in the background; scheduled jobs run in their own
    process (``flask --app tracker scheduler``). It does tighten the process umask, first:
    every process of the tracker (web workers, commands, the scheduler) starts here, and the
    files it writes (database, WAL, backups, reports) are nobody else's to read.
    """
    files.restrict_umask()
    app = Flask(__name__, instance_relative_config=True, template_folder="web/templates",
                static_folder="web/static")
    app.config.from_object(Config)
    app.config.update(overrides or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["DATABASE_URL"] = app.config["DATABASE_URL"] or default_database_url(app)
    if app.config["TRACKER_ENV"] == "production":
        harden_for_production(app)
    app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or instance_secret_key(app)

    engine = db.make_engine(app.config["DATABASE_URL"], sqlite_busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"],
                            guard_audit_trail=True)
    db.bind(engine)
    app.extensions["tracker.engine"] = engine

    if app.config["PROXIES"]:
        hops = app.config["PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    register_pages(app)
    register_commands(app)
    return app


def register_pages(app: Flask) -> None:
    """What every request passes through, then each domain's blueprints (the JSON API last: the
    domains' views add its routes when they are imported)."""
    from tracker import web
    from tracker.contributions import views as contributions
    from tracker.donors import views as donors
    from tracker.exports import views as exports
    from tracker.fts import views as fts
    from tracker.gaps import views as gaps
    from tracker.iati import views as iati
    from tracker.imports import views as imports
    from tracker.jobs import views as jobs
    from tracker.programmes import views as programmes
    from tracker.public import views as public
    from tracker.rates import views as rates
    from tracker.schedules import views as schedules
    from tracker.users import views as users
    from tracker.web import api

    web.init_app(app)
    for blueprint in (gaps.dashboard, gaps.bp, programmes.bp, programmes.overview, contributions.bp, schedules.bp,
                      schedules.reminders, donors.bp, jobs.bp, users.bp, users.admin, exports.bp, iati.bp, imports.bp,
                      fts.bp, rates.bp, public.bp, api.bp):
        app.register_blueprint(blueprint)


def register_commands(app: Flask) -> None:
    """Each domain's commands. Like the pages, imported when an app is built rather than when
    ``tracker`` is: importing ``tracker.core`` or ``tracker.cli`` must not load every domain."""
    from tracker.fts.commands import import_fts
    from tracker.gaps.commands import gaps
    from tracker.iati.commands import iati_group
    from tracker.imports.commands import import_contributions
    from tracker.jobs.commands import scheduler
    from tracker.maintenance.backup import backup, restore
    from tracker.maintenance.commands import demo_data, init_db
    from tracker.rates.commands import add_rate, rates_group
    from tracker.users.commands import users_group

    for command in (init_db, gaps, demo_data, add_rate, rates_group, users_group, backup, restore, scheduler,
                    import_contributions, import_fts, iati_group):
        app.cli.add_command(command)


def harden_for_production(app: Flask) -> None:
    """Production never guesses a secret, never debugs, and sends cookies over HTTPS only."""
    if not app.config["SECRET_KEY"]:
        raise RuntimeError("SECRET_KEY must be set in the environment when TRACKER_ENV=production")
    if get_debug_flag():
        raise RuntimeError("Debug mode (FLASK_DEBUG, --debug) is never allowed when TRACKER_ENV=production")
    app.debug = False
    app.config.update(DEBUG=False, SESSION_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https")


def default_database_url(app: Flask) -> str:
    """The embedded default: a SQLite file in the instance folder."""
    return f"sqlite:///{Path(app.instance_path) / 'tracker.sqlite3'}"


def instance_secret_key(app: Flask) -> str:
    """A key generated once into the instance folder (mode 0600), shared by every worker."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        draft = path.with_name(f".secret_key.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(draft, path)  # atomic: of workers starting together, exactly one key wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
