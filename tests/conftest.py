"""Shared fixtures: every test that touches the database runs on SQLite and on PostgreSQL.

PostgreSQL is reached through ``TEST_DATABASE_URL`` (a server URL whose user may create
databases; default: the local trust-auth server). Each test run creates a database of its
own and drops it at the end. Without a server the PostgreSQL half is skipped locally, and
fails under CI (``CI`` set), where a missing server must never pass unnoticed.
"""
from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tracker import create_app, db, schema
from tracker.models import Base

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _postgres_admin_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES)


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, dropped afterwards."""
    admin_url = make_url(_postgres_admin_url())
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"tracker_test_{secrets.token_hex(4)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        reason = f"PostgreSQL at {admin_url.render_as_string()} is not reachable: {error.orig}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'tracker.sqlite3'}"


_migrated: set[str] = set()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> str:
    """The URL of a migrated, empty database of each kind."""
    url = request.getfixturevalue(f"{request.param}_url")
    engine = db.make_engine(url)
    try:
        if url not in _migrated:
            schema.upgrade(engine)
            _migrated.add(url)
        _empty(engine)
    finally:
        engine.dispose()
    return url


def _empty(engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "TRACKER_SEED": "",
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
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class FormClient:
    """Posts forms the way a browser does: GET the page, take its CSRF token, POST."""

    def __init__(self, client):
        self.client = client

    def token(self, url: str) -> str:
        page = self.client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        found = CSRF.search(page.get_data(as_text=True))
        assert found, f"no CSRF token on {url}"
        return found.group(1)

    def post(self, url: str, data: dict, follow_redirects: bool = False):
        return self.client.post(url, data={**data, "csrf_token": self.token(url)},
                                follow_redirects=follow_redirects)


@pytest.fixture
def forms(client) -> FormClient:
    return FormClient(client)
