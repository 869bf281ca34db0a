"""Programmes as records: every gap belongs to one. Today's free-text programme names become
programme records (one per distinct name, its countries those of its gaps), without losing a
gap. Also: which gaps and programmes are published, which donors may be named publicly, and
which programmes a scoped user may use.

Revision ID: 0016_programmes
Revises: 0015_donor_contacts
"""
import re
import unicodedata
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0016_programmes'
down_revision = '0015_donor_contacts'
branch_labels = None
depends_on = None

#: A programme code's longest form, as the model's column.
CODE_LENGTH = 20


def _code(name: str, taken: set[str]) -> str:
    """A readable code from a programme's name: its words in capitals joined by hyphens, cut at
    a word within 20 characters, numbered when taken ("ILO-SOCIAL", "ILO-SOCIAL-2")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    code = ""
    for word in re.findall(r"[A-Za-z0-9]+", ascii_name):
        longer = f"{code}-{word.upper()}" if code else word.upper()[:CODE_LENGTH]
        if len(longer) > CODE_LENGTH:
            break
        code = longer
    code = code if len(code) >= 2 else f"PROG{code}"
    candidate, number = code, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = code[:CODE_LENGTH - len(suffix)].rstrip("-") + suffix
    taken.add(candidate)
    return candidate


def _programmes_from_names() -> None:
    """One programme per distinct trimmed name; each gap pointed at its own."""
    connection = op.get_bind()
    gaps = connection.execute(sa.text("SELECT id, programme, country FROM gap ORDER BY id")).all()
    countries: dict[str, set[str]] = {}
    for _id, name, country in gaps:
        countries.setdefault((name or "").strip() or "Programme", set()).add(country)
    programme = sa.table('programme', *(sa.column(c) for c in (
        'id', 'code', 'name', 'organisation', 'countries', 'contact', 'description', 'published', 'version',
        'created_at', 'updated_at')))
    now, taken, ids = datetime.now(UTC), set(), {}
    for number, name in enumerate(sorted(countries), start=1):
        connection.execute(programme.insert().values(
            id=number, code=_code(name, taken), name=name, organisation='', countries=' '.join(sorted(countries[name])),
            contact='', description='', published=False, version=1, created_at=now, updated_at=now))
        ids[name] = number
    for gap_id, name, _country in gaps:
        connection.execute(sa.text("UPDATE gap SET programme_id = :programme WHERE id = :gap"),
                           {"programme": ids[(name or "").strip() or "Programme"], "gap": gap_id})
    if connection.dialect.name == "postgresql" and ids:
        connection.execute(sa.text("SELECT setval(pg_get_serial_sequence('programme', 'id'), :last)"),
                           {"last": len(ids)})


def upgrade() -> None:
    op.create_table(
        'programme',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('organisation', sa.String(length=200), nullable=False),
        sa.Column('countries', sa.String(length=300), nullable=False),
        sa.Column('contact', sa.String(length=300), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('published', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_programme')),
        sa.UniqueConstraint('code', name=op.f('uq_programme_code')),
    )
    with op.batch_alter_table('gap', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('published', sa.Boolean(), nullable=False, server_default=sa.false()))
    _programmes_from_names()
    with op.batch_alter_table('gap', schema=None) as batch_op:
        batch_op.alter_column('programme_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_gap_programme_id'), ['programme_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_gap_programme_id_programme'), 'programme', ['programme_id'], ['id'])
        batch_op.drop_column('programme')
    with op.batch_alter_table('donor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('named_publicly', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scoped', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'user_programme',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'],
                                name=op.f('fk_user_programme_programme_id_programme')),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_user_programme_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_programme')),
        sa.UniqueConstraint('user_id', 'programme_id', name=op.f('uq_user_programme_user_id_programme_id')),
    )
    with op.batch_alter_table('user_programme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_programme_programme_id'), ['programme_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('user_programme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_programme_programme_id'))
    op.drop_table('user_programme')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('scoped')
    with op.batch_alter_table('donor', schema=None) as batch_op:
        batch_op.drop_column('named_publicly')
    with op.batch_alter_table('gap', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme', sa.String(length=200), nullable=False, server_default=''))
    op.execute("UPDATE gap SET programme = (SELECT name FROM programme WHERE programme.id = gap.programme_id)")
    with op.batch_alter_table('gap', schema=None) as batch_op:
        batch_op.alter_column('programme', existing_type=sa.String(length=200), server_default=None)
        batch_op.drop_constraint(batch_op.f('fk_gap_programme_id_programme'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_gap_programme_id'))
        batch_op.drop_column('published')
        batch_op.drop_column('programme_id')
    op.drop_table('programme')
