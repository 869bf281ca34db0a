"""The programmes migration turns each free-text programme name into a programme record,
every gap into its own, and leaves every figure as it was."""
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tracker.core import db, schema
from tracker.core.figures import gap_figures
from tracker.core.models import Gap, Programme

BEFORE = "0015_donor_contacts"
CAMBODIA = "ILO Social Protection Programme — Cambodia"
NAMES = {"KHM-SME": CAMBODIA, "KHM-AGRI": CAMBODIA, "LAO-1": "  ILO Social Protection Programme — Lao PDR ",
         "THA-1": "Thailand: health", "RGN-1": "Thailand: health"}
COUNTRIES = {"KHM-SME": "KH", "KHM-AGRI": "KH", "LAO-1": "LA", "THA-1": "TH", "RGN-1": "VN"}


def _ledger_at_0015(connection) -> None:
    """Gaps with several programme names (one with stray spaces, one shared across countries),
    and contributions in two currencies, one of them paid in part."""
    for number, (code, name) in enumerate(NAMES.items(), start=1):
        connection.execute(text(
            "INSERT INTO gap (id, code, title, country, programme, description, original_requirement_cents, "
            "impact_unit, impact_indicator, status, version, created_at, updated_at) VALUES (:id, :code, :code, "
            ":country, :name, '', :requirement, '', '', 'open', 1, :now, :now)"),
            {"id": number, "code": code, "country": COUNTRIES[code], "name": name, "requirement": number * 100_000_00,
             "now": "2026-01-01 00:00:00"})
    connection.execute(text(
        "INSERT INTO donor (id, name, name_key, type, version, created_at, updated_at, remind_focal_point) "
        "VALUES (1, 'Japan', 'japan', 'government', 1, :now, :now, false)"), {"now": "2026-01-01 00:00:00"})
    for number, (gap, status, amount, currency, rate, usd) in enumerate([
            (1, "committed", 50_000_00, "USD", 10_000_000_000, 50_000_00),
            (2, "paid", 1_000_000, "JPY", 1_500_000_000_000, 6_666_67),
            (3, "pledged", 7_000_00, "EUR", 9_000_000_000, 7_777_78)], start=1):
        connection.execute(text(
            "INSERT INTO contribution (id, gap_id, donor_id, status, amount_minor, currency, rate, usd_cents, "
            "rate_date, decision_date, reference, note, donor_note, version, created_at, updated_at) "
            "VALUES (:id, :gap, 1, :status, :amount, :currency, :rate, :usd, '2026-01-15', '2026-01-15', '', '', '', "
            "1, :now, :now)"),
            {"id": number, "gap": gap, "status": status, "amount": amount, "currency": currency, "rate": rate,
             "usd": usd, "now": "2026-01-01 00:00:00"})


def _rows(connection, table: str) -> list:
    return connection.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()


def test_free_text_programmes_become_records_and_the_figures_stay(empty_database):
    engine = db.make_engine(empty_database)
    try:
        schema.upgrade(engine, BEFORE)
        with engine.begin() as connection:
            _ledger_at_0015(connection)
            contributions = _rows(connection, "contribution")
        schema.upgrade(engine)
        with Session(engine) as session:
            programmes = {p.name: p for p in session.scalars(select(Programme))}
            assert set(programmes) == {"ILO Social Protection Programme — Cambodia",
                                       "ILO Social Protection Programme — Lao PDR", "Thailand: health"}
            assert programmes["Thailand: health"].countries == "TH VN"
            assert sorted(p.code for p in programmes.values()) == ["ILO-SOCIAL", "ILO-SOCIAL-2", "THAILAND-HEALTH"]
            gaps = {g.code: g.programme.name for g in session.scalars(select(Gap))}
            assert gaps == {code: name.strip() for code, name in NAMES.items()}
            figures = {f.code: (f.requirement_cents, f.funding_cents, f.pledged_cents) for f in gap_figures(session)}
            assert figures == {"KHM-SME": (100_000_00, 50_000_00, 0), "KHM-AGRI": (200_000_00, 6_666_67, 0),
                               "LAO-1": (300_000_00, 0, 7_777_78), "THA-1": (400_000_00, 0, 0),
                               "RGN-1": (500_000_00, 0, 0)}
            assert _rows(session.connection(), "contribution") == contributions
            new = Programme(code="NEW", name="Added after the migration", countries="KH")
            session.add(new)
            session.flush()  # the id sequence follows the migrated rows
            assert new.id == len(programmes) + 1
    finally:
        engine.dispose()
