"""`flask init-db --owner-role --app-role` on a new PostgreSQL database: the owner owns every
table, the app's role owns nothing, and the app works as that role, through the real forms."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tests.conftest import FormClient, as_role, sign_in
from tracker import create_app
from tracker.core import db
from tracker.core.models import AuditEntry, Contribution, User

APP_PASSWORD = "an app's password, quoted 'twice'"


@dataclass(frozen=True)
class NewDatabase:
    admin_url: str
    owner: str
    app: str

    @property
    def owner_url(self) -> str:
        return as_role(self.admin_url, self.owner)

    @property
    def app_url(self) -> str:
        return as_role(self.admin_url, self.app)


@pytest.fixture
def new_database(postgresql) -> Iterator[NewDatabase]:
    """An empty database on this run's server, and the names of two roles that do not exist yet;
    all dropped afterwards."""
    server = create_engine(make_url(postgresql.admin_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"tracker_roles_{secrets.token_hex(4)}"
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield NewDatabase(make_url(postgresql.admin_url).set(database=name).render_as_string(hide_password=False),
                          f"{name}_owner", f"{name}_app")
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            for role in (f"{name}_app", f"{name}_owner"):
                connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        server.dispose()


def tracker_app(database_url: str, migrate_url: str, tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "MIGRATE_DATABASE_URL": migrate_url,
                      "SECRET_KEY": "test-secret", "TRACKER_SEED": "ilo-cambodia"})
    app.instance_path = str(tmp_path)
    return app


def init_db(database_url: str, migrate_url: str, tmp_path, *args: str):
    app = tracker_app(database_url, migrate_url, tmp_path)
    try:
        return app.test_cli_runner().invoke(args=["init-db", *args])
    finally:
        app.extensions["tracker.engine"].dispose()


def scram_matches(verifier: str, password: str) -> bool:
    """Whether a stored SCRAM-SHA-256 verifier is the one of ``password`` (RFC 5802's StoredKey)."""
    iterations_salt, keys = verifier.removeprefix("SCRAM-SHA-256$").split("$")
    iterations, salt = iterations_salt.split(":")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    stored = hashlib.sha256(hmac.digest(salted, b"Client Key", "sha256")).digest()
    return base64.b64encode(stored).decode() == keys.split(":")[0]


def as_admin(new: NewDatabase, query: str, **parameters):
    engine = create_engine(new.admin_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(query), parameters).all()
    finally:
        engine.dispose()


def test_init_db_makes_an_owner_and_an_app_role(new_database, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_APP_ROLE_PASSWORD", APP_PASSWORD)
    monkeypatch.delenv("TRACKER_OWNER_ROLE_PASSWORD", raising=False)
    result = init_db(new_database.app_url, new_database.admin_url, tmp_path,
                     "--owner-role", new_database.owner, "--app-role", new_database.app)
    assert result.exit_code == 0, result.output
    assert f"Role {new_database.owner} created with password " in result.output
    assert f"Role {new_database.app} created with the password in $TRACKER_APP_ROLE_PASSWORD" in result.output
    assert "Admin created" in result.output

    owners = as_admin(new_database, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
    assert owners == [(new_database.owner,)]
    [(verifier,)] = as_admin(new_database, "SELECT rolpassword FROM pg_authid WHERE rolname = :r", r=new_database.app)
    assert scram_matches(verifier, APP_PASSWORD)


def test_the_app_works_as_its_role_and_cannot_touch_the_trail(new_database, tmp_path):
    assert init_db(new_database.app_url, new_database.admin_url, tmp_path,
                   "--owner-role", new_database.owner, "--app-role", new_database.app).exit_code == 0
    app = tracker_app(new_database.app_url, "", tmp_path)
    try:
        with db.new_session(write=True) as session:
            editor = User(email="editor@example.org", role="editor", password_hash="x")
            session.add(editor)
            session.commit()
        browser = app.test_client()
        sign_in(browser, editor)
        response = FormClient(browser).post("/gaps/KHM-SME/contributions/new", {
            "donor_id": "", "new_donor": "Sweden", "donor_type": "government", "amount": "5000.00",
            "currency": "USD", "status": "pledged"})
        assert response.status_code == 302, response.get_data(as_text=True)
        with db.new_session() as session:
            assert session.scalar(select(func.count(Contribution.id))) == 1
            assert session.scalar(select(AuditEntry.actor).where(AuditEntry.record_type == "contribution")) \
                == "editor@example.org"
            for statement in ("TRUNCATE audit_entry", "ALTER TABLE audit_entry DISABLE TRIGGER ALL",
                              "SET session_replication_role = replica"):
                with pytest.raises(DBAPIError, match="permission denied|must be owner"):
                    session.execute(text(statement))
                session.rollback()
    finally:
        app.extensions["tracker.engine"].dispose()


def test_a_table_added_later_is_usable_by_the_app_at_once(new_database, tmp_path):
    """The owner's default privileges: a later migration's table needs no new grant to be read
    and written (init-db then re-grants exactly, as it does after every upgrade)."""
    assert init_db(new_database.app_url, new_database.admin_url, tmp_path,
                   "--owner-role", new_database.owner, "--app-role", new_database.app).exit_code == 0
    owner = create_engine(new_database.owner_url)
    app = create_engine(new_database.app_url)
    try:
        with owner.begin() as connection:
            connection.execute(text("CREATE TABLE later (id serial PRIMARY KEY, note text)"))
        with app.begin() as connection:
            connection.execute(text("INSERT INTO later (note) VALUES ('new')"))
            connection.execute(text("UPDATE later SET note = 'changed'"))
            assert connection.scalar(text("SELECT note FROM later")) == "changed"
        with app.connect() as connection, pytest.raises(DBAPIError, match="permission denied"):
            connection.execute(text("DELETE FROM later"))
    finally:
        app.dispose()
        owner.dispose()


def test_init_db_runs_again_as_the_owner(new_database, tmp_path):
    """Upgrades after the first run need no administrator: the owner migrates and re-grants."""
    assert init_db(new_database.app_url, new_database.admin_url, tmp_path,
                   "--owner-role", new_database.owner, "--app-role", new_database.app).exit_code == 0
    again = init_db(new_database.app_url, new_database.owner_url, tmp_path, "--app-role", new_database.app)
    assert again.exit_code == 0, again.output
    assert f"Role {new_database.app} exists: its password is unchanged." in again.output
    assert "Database ready." in again.output


@pytest.mark.parametrize("app_role, reason", [
    ("owner", "is the owner of the tables"),
    ("postgres", "is a superuser"),
    ("Not-A-Name", "is not a role name"),
    ("member", "is a member of the owner"),
])
def test_an_app_role_that_could_alter_the_tables_is_refused(new_database, tmp_path, app_role, reason):
    names = {"owner": new_database.owner, "member": new_database.app}
    if app_role == "member":
        as_admin_commit(new_database, f'CREATE ROLE "{new_database.owner}" LOGIN',
                        f'CREATE ROLE "{new_database.app}" LOGIN IN ROLE "{new_database.owner}"')
    result = init_db(new_database.app_url, new_database.admin_url, tmp_path,
                     "--owner-role", new_database.owner, "--app-role", names.get(app_role, app_role))
    assert result.exit_code != 0
    assert reason in result.output and "Traceback" not in result.output
    assert as_admin(new_database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


def as_admin_commit(new: NewDatabase, *statements: str) -> None:
    engine = create_engine(new.admin_url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_has_no_roles(runner):
    result = runner.invoke(args=["init-db", "--app-role", "tracker_app"])
    assert result.exit_code != 0 and "for PostgreSQL" in result.output
