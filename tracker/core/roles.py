"""PostgreSQL roles: an owner that migrations run as, and the least-privileged role the app uses.

The audit trail's triggers only hold against a role that cannot remove them: a table's owner
may ALTER it, DISABLE TRIGGER or drop it, and only a superuser may set
``session_replication_role``. So the schema belongs to an *owner* role, and the web app,
the scheduler and the commands of every day connect as an *app* role that owns nothing and
may only read and add entries to ``audit_entry``; on the other tables it may read, add and
change rows, and delete them only where the app really deletes (``APP_DELETES``). It has no
TRUNCATE, no REFERENCES or TRIGGER, and no ``setval`` on sequences (USAGE and SELECT only).

``grant_app_role`` runs as the owner after every upgrade (``flask init-db --app-role``), and
sets the owner's default privileges, so a table a later migration adds is usable at once.
"""
from __future__ import annotations

import re
import secrets

from sqlalchemy import Connection, Engine, event, text

#: Tables the app deletes rows from: a schedule's rebuild replaces the instalments that have
#: received nothing (the audit trail keeps what they were), and expired uploads are cleared.
APP_DELETES = frozenset({"instalment", "import_upload", "user_programme"})
#: Per table, what the app may do when it is not the default (read, add, change).
PRIVILEGES = {"audit_entry": "SELECT, INSERT", "alembic_version": "SELECT"}
ROW_PRIVILEGES = "SELECT, INSERT, UPDATE"
#: Role names are plain lower-case identifiers: they never need quoting and never surprise.
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class RoleError(ValueError):
    """A role cannot be set up as asked; the message says why, in one line."""


def check_name(name: str) -> str:
    if not ROLE_NAME.fullmatch(name):
        raise RoleError(f"{name!r} is not a role name: use lower-case letters, digits and _ (at most 63)")
    return name


def current_role(connection: Connection) -> str:
    return connection.scalar(text("SELECT current_user"))


def role_exists(connection: Connection, name: str) -> bool:
    return bool(connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name}))


def create_role(connection: Connection, name: str, password: str | None) -> str | None:
    """Create the login role ``name`` unless it exists; return the password it was given (a new
    random one when ``password`` is empty), or None when the role was already there.

    The password reaches the server only as its SCRAM verifier, computed here as psql's
    ``\\password`` does, so it never appears in a statement the server might log.
    """
    check_name(name)
    if role_exists(connection, name):
        return None
    password = password or secrets.token_urlsafe(24)
    connection.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN PASSWORD \'{_verifier(connection, name, password)}\'')
    return password


def _verifier(connection: Connection, name: str, password: str) -> str:
    pgconn = connection.connection.driver_connection.pgconn
    verifier = pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256").decode()
    if "'" in verifier:
        raise RoleError("the server returned an unexpected password verifier")
    return verifier


def prepare_owner(connection: Connection, owner: str) -> None:
    """Let the connecting administrator act as ``owner`` and let ``owner`` create tables in the
    current schema (PostgreSQL 15 no longer lets every role create in ``public``)."""
    admin = current_role(connection)
    if admin != owner and not connection.scalar(text("SELECT pg_has_role(:owner, 'MEMBER')"), {"owner": owner}):
        connection.exec_driver_sql(f'GRANT "{owner}" TO "{admin}"')
    connection.exec_driver_sql(f'GRANT USAGE, CREATE ON SCHEMA "{_schema(connection)}" TO "{owner}"')


def act_as(engine: Engine, role: str) -> None:
    """Every new connection of ``engine`` acts as ``role`` (``SET ROLE``): what it creates,
    ``role`` owns. Committed at once, since a rolled-back SET is undone."""
    check_name(role)

    @event.listens_for(engine, "connect")
    def _set_role(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f'SET ROLE "{role}"')
        dbapi_connection.commit()


def _schema(connection: Connection) -> str:
    return connection.scalar(text("SELECT current_schema()"))


def grant_app_role(connection: Connection, app_role: str) -> None:
    """Give ``app_role`` exactly what the app needs on every table of the current schema, as the
    owner of those tables (the connecting role)."""
    owner = check_app_role(connection, app_role)
    schema = _schema(connection)
    tables = _owned_tables(connection, schema, owner)
    run = connection.exec_driver_sql
    run(f'GRANT USAGE ON SCHEMA "{schema}" TO "{app_role}"')
    for table in tables:
        run(f'REVOKE ALL ON TABLE "{table}" FROM "{app_role}"')
        run(f'GRANT {privileges(table)} ON TABLE "{table}" TO "{app_role}"')
    run(f'REVOKE ALL ON ALL SEQUENCES IN SCHEMA "{schema}" FROM "{app_role}"')
    run(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{app_role}"')
    run(f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" GRANT {ROW_PRIVILEGES} ON TABLES TO "{app_role}"')
    run(f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" GRANT USAGE, SELECT ON SEQUENCES TO "{app_role}"')


def privileges(table: str) -> str:
    """What the app may do on ``table``."""
    granted = PRIVILEGES.get(table, ROW_PRIVILEGES)
    return f"{granted}, DELETE" if table in APP_DELETES else granted


def check_app_role(connection: Connection, app_role: str) -> str:
    """Refuse an app role that could alter the tables: it must be a plain role apart from the
    owner (the connecting role, returned): not the owner, not a superuser, not able to act as
    the owner, owning nothing here."""
    owner = current_role(connection)
    if check_name(app_role) == owner:
        raise RoleError(f"the app role {app_role} is the owner of the tables; choose another role for the app")
    found = connection.execute(text(
        "SELECT r.rolsuper, pg_has_role(r.oid, :owner, 'MEMBER'), "
        "(SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid) "
        "FROM pg_roles r WHERE r.rolname = :name"), {"owner": owner, "name": app_role}).first()
    if found is None:
        raise RoleError(f"there is no role {app_role}; create it (init-db can, as an administrator)")
    superuser, acts_as_owner, owns = found
    if superuser:
        raise RoleError(f"{app_role} is a superuser, which no trigger can hold; the app needs a plain role")
    if acts_as_owner:
        raise RoleError(f"{app_role} is a member of the owner {owner}, so it could alter the tables")
    if owns:
        raise RoleError(f"{app_role} owns {owns} object(s) in this database; the app role must own nothing")
    return owner


def _owned_tables(connection: Connection, schema: str, owner: str) -> list[str]:
    """The schema's tables, all of which must belong to ``owner`` (else it cannot grant on them)."""
    rows = connection.execute(text("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = :schema "
                                   "ORDER BY tablename"), {"schema": schema}).all()
    others = sorted({row.tableowner for row in rows if row.tableowner != owner})
    if others:
        raise RoleError(f"some tables belong to {', '.join(others)}, not to the owner {owner}: "
                        f"as an administrator, REASSIGN OWNED BY {others[0]} TO {owner}")
    return [row.tablename for row in rows]
