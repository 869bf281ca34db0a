"""What every domain shares and no page: the database and its one session factory, the tables,
money, the figures, the audit trail, errors, listing rules, the schema's migrations.
"""
