"""Shared fixtures: every test that touches the database runs on SQLite and on PostgreSQL.

PostgreSQL is reached through ``TEST_DATABASE_URL`` (a server URL of an administrator, who
may create databases and roles; default: the local trust-auth server). Each test run creates
a database of its own, owned by a role of its own that runs the migrations, and a
least-privileged app role the tests connect as; it drops them all at the end. Without a
server the PostgreSQL half is skipped locally, and fails under CI (``CI`` set), where a
missing server must never pass unnoticed.
"""
from __future__ import annotations

import html
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests import factories
from tests.serving import serving
from tracker import create_app
from tracker.core import db, roles, schema
from tracker.core.models import Base

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _postgres_admin_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES)


@dataclass(frozen=True)
class Postgres:
    """This run's PostgreSQL database, reached three ways: as the server's administrator, as the
    role that owns the schema (migrations), and as the app's least-privileged role, which every
    test of the app uses, as production does (tracker.core.roles)."""

    admin_url: str
    owner_url: str
    app_url: str
    owner: str
    app: str


@pytest.fixture(scope="session")
def postgresql() -> Iterator[Postgres]:
    """A fresh PostgreSQL database and its two roles for this run, all dropped afterwards."""
    admin_url = make_url(_postgres_admin_url())
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"tracker_test_{secrets.token_hex(4)}"
    owner, app_role = f"{name}_owner", f"{name}_app"
    try:
        with admin.connect() as connection:
            for role in (owner, app_role):
                connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
            connection.execute(text(f'CREATE DATABASE "{name}" OWNER "{owner}"'))
    except OperationalError as error:
        admin.dispose()
        reason = f"PostgreSQL at {admin_url.render_as_string()} is not reachable: {error.orig}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    url = admin_url.set(database=name)
    try:
        yield Postgres(url.render_as_string(hide_password=False), as_role(url, owner), as_role(url, app_role),
                       owner, app_role)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            for role in (app_role, owner):
                connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def as_role(url, role: str) -> str:
    """``url`` signed in as ``role`` (the test server trusts local connections: no password)."""
    return make_url(url).set(username=role, password=None).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite database migrated once; each test gets a copy (the audit trail's triggers
    forbid emptying it row by row, as they should)."""
    path = tmp_path_factory.mktemp("template") / "tracker.sqlite3"
    schema.upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgresql_migrated(postgresql) -> Postgres:
    """Migrated as the owner, the app role given its privileges, as ``init-db --app-role`` does."""
    schema.upgrade_database(postgresql.owner_url)
    engine = db.make_engine(postgresql.owner_url)
    try:
        with engine.begin() as connection:
            roles.grant_app_role(connection, postgresql.app)
    finally:
        engine.dispose()
    return postgresql


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """The URL of a migrated, empty database of each kind."""
    if request.param == "sqlite":
        copy = tmp_path / "tracker.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), copy)
        return f"sqlite:///{copy}"
    postgres = request.getfixturevalue("postgresql_migrated")
    _truncate_all(postgres.admin_url)
    return postgres.app_url


def _truncate_all(admin_url: str) -> None:
    """Empty every table, as the administrator: only a superuser may switch the audit trail's
    triggers off (``session_replication_role``), which this test harness, alone, does."""
    engine = db.make_engine(admin_url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    try:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture
def empty_database(request, database_url, tmp_path):
    """A second, empty database of the same kind (for a restore, a migration from an old head),
    reached as an owner, since it creates the tables: here the server's administrator."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    admin_url = request.getfixturevalue("postgresql").admin_url
    admin = create_engine(make_url(admin_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"tracker_empty_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app(request, database_url, tmp_path):
    """The app on the test database; ``@pytest.mark.settings(NAME=value)`` overrides settings."""
    settings = request.node.get_closest_marker("settings")
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "TRACKER_SEED": "",
        **(settings.kwargs if settings else {}),
    })
    app.instance_path = str(tmp_path)
    yield app
    app.extensions["tracker.engine"].dispose()


@pytest.fixture
def session(app):
    """A write session on the app's database; tests commit what they set up."""
    with db.new_session(write=True) as found:
        yield found


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app behind a real threaded HTTP server on a free port; yields its base URL."""
    with serving(app) as url:
        yield url


@pytest.fixture
def anonymous(app):
    """A browser nobody has signed in with."""
    return app.test_client()


def sign_in(client, user) -> None:
    """Put ``user``'s session in ``client``'s cookie, as a successful sign-in does (the sign-in
    form itself is tested in tests/web/test_auth.py)."""
    with client.session_transaction() as cookie:
        cookie.permanent = True
        cookie["_user_id"] = f"{user.id}:{user.session_epoch}"
        cookie["_fresh"] = True
        cookie["signed_in"] = cookie["seen"] = int(time.time())


@pytest.fixture
def client_as(app, session):
    """``client_as("viewer")``: a browser signed in as a new user with that role (limited to the
    programmes whose codes ``programmes`` lists, if any)."""

    def signed_in(role: str, donor_id: int | None = None, email: str | None = None, programmes=()):
        user = factories.add_user(session, email or f"{role}{donor_id or ''}@example.org", role, donor_id)
        if programmes:
            factories.limit_to(session, user, *programmes)
        session.commit()
        browser = app.test_client()
        sign_in(browser, user)
        return browser

    return signed_in


@pytest.fixture
def client(client_as):
    """A browser signed in as an editor, who may record and edit everything."""
    return client_as("editor")


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


HIDDEN = re.compile(r'<input(?=[^>]*(?:type="hidden"| hidden))[^>]*name="([^"]+)"[^>]*value="([^"]*)"')


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page (CSRF token, version, one-time key …), as a browser sends them."""
    return {name: html.unescape(value) for name, value in HIDDEN.findall(page)}


class FormClient:
    """Posts forms the way a browser does: GET the page, take its hidden fields (the CSRF
    token, the version and one-time key the form carries), POST them with ``data``."""

    def __init__(self, client):
        self.client = client

    def hidden(self, url: str) -> dict[str, str]:
        page = self.client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        found = hidden_fields(page.get_data(as_text=True))
        assert "csrf_token" in found, f"no CSRF token on {url}"
        return found

    def token(self, url: str) -> str:
        return self.hidden(url)["csrf_token"]

    def post(self, url: str, data: dict, follow_redirects: bool = False, token_from: str | None = None):
        """POST ``data`` to ``url`` with the hidden fields of the page at ``token_from`` (default:
        ``url``); ``data`` overrides them, and a value of None leaves that field out."""
        sent = {**self.hidden(token_from or url), **data}
        return self.client.post(url, data={k: v for k, v in sent.items() if v is not None},
                                follow_redirects=follow_redirects)


@pytest.fixture
def forms(client) -> FormClient:
    return FormClient(client)
