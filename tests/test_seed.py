"""First run: the migrations create the schema, and the Cambodia page's two gaps are there, exactly."""
import re
from decimal import Decimal

from sqlalchemy import func, select

from tracker.core.models import Donor, Gap
from tracker.gaps import rules as gaps
from tracker.gaps import seed
from tracker.gaps.rules import get_gap

SME = ("Building a culture of social security to facilitate better access to social security for workers in "
       "Small Medium Enterprises")
AGRI = ("Extend legal and effective coverage to the agricultural sector, through formalization of enterprises, "
        "labour and climate adaptation of the sector")


def test_the_cambodia_gaps_are_seeded_exactly(session):
    assert seed.load_seed(session, "ilo-cambodia") == 2
    session.commit()
    found = {g.title: g for g in session.scalars(select(Gap))}
    assert set(found) == {SME, AGRI}
    sme, agri = found[SME], found[AGRI]
    assert (sme.original_requirement_cents, sme.impact_count, sme.impact_unit) == (72_000_000, 1_500_000, "workers")
    assert sme.impact_indicator == ("N° of persons with better access to social protection "
                                    "(single registry, online application, one stop-service)")
    assert (agri.original_requirement_cents, agri.impact_count) == (1_500_000_000, 3_500_000)
    assert agri.impact_indicator == "N° of persons effectively covered (related SDG 1.3.1)"
    for gap in (sme, agri):
        assert (gap.country, gap.status, gap.programme.code) == ("KH", "open", "ILO-SP-KHM")
        assert gap.programme.name == "ILO Social Protection Programme — Cambodia"
    assert session.scalar(select(func.count()).select_from(Donor)) == 0  # no invented donors


def test_seeding_twice_adds_nothing(session):
    seed.load_seed(session, "ilo-cambodia")
    session.commit()
    assert seed.load_seed(session, "ilo-cambodia") == 0
    assert session.scalar(select(func.count()).select_from(Gap)) == 2


def test_an_edited_seeded_gap_is_never_recreated(session):
    seed.load_seed(session, "ilo-cambodia")
    session.commit()
    sme = session.scalar(select(Gap).where(Gap.title == SME))
    gaps.update_gap(session, sme, gaps.GapInput(code=sme.code, title="SME social security culture", country="KH",
                                                programme=sme.programme.code, requirement_usd=Decimal(650000)),
                    sme.version)
    session.commit()
    seed.load_seed(session, "ilo-cambodia")
    session.commit()
    assert session.scalar(select(func.count()).select_from(Gap)) == 2
    assert get_gap(session, sme.code).title == "SME social security culture"


def test_first_run_migrates_seeds_and_prints_the_admin_password_once(tmp_path):
    from tests.conftest import FormClient
    from tracker import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}", "TRACKER_SEED": "ilo-cambodia",
                      "SECRET_KEY": "x", "ADMIN_EMAIL": "admin@example.org"})
    first = app.test_cli_runner().invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    assert "2 gap(s) added" in first.output
    password = re.search(r"Admin created: admin@example.org with password (\S+)", first.output).group(1)
    second = app.test_cli_runner().invoke(args=["init-db"])
    assert "already loaded" in second.output and "password" not in second.output
    browser = FormClient(app.test_client())
    signed_in = browser.post("/login", {"email": "admin@example.org", "password": password}, follow_redirects=True)
    assert "Choose a password of your own" in signed_in.get_data(as_text=True)  # before anything else
    chosen = "a passphrase of my own"
    changed = browser.post("/account/password", {"current_password": password, "new_password": chosen,
                                                 "confirm": chosen}, follow_redirects=True)
    assert "KHM-SME" in changed.get_data(as_text=True)
    app.extensions["tracker.engine"].dispose()
