"""Users limited to some programmes: what they see (pages, JSON, workbooks, figures), what they
may change, and how an administrator sets the limit. Every route's answer to them is walked in
tests/web/test_access.py."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests import factories
from tests.conftest import FormClient
from tests.web.test_contributions import GOOD
from tests.web.test_gaps import NEW_GAP
from tracker.core.models import AuditEntry, Contribution, User, UserProgramme


@pytest.fixture
def two(session):
    """A gap in programme OWN (donor A, 100) and one in FAR (donor C, 700)."""
    own = factories.add_gap(session, "KHM-OWN", programme="OWN")
    far = factories.add_gap(session, "LAO-FAR", programme="FAR", country="LA")
    factories.add_contribution(session, own, "100.00", donor="Donor A")
    factories.add_contribution(session, far, "700.00", donor="Donor C")
    session.commit()
    return own, far


@pytest.fixture
def scoped(app, client_as, two):
    app.config["WTF_CSRF_ENABLED"] = False
    return client_as("editor", email="scoped@example.org", programmes=["OWN"])


def sheet_text(response) -> str:
    book = load_workbook(io.BytesIO(response.data))
    return " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)


def test_a_scoped_users_json_and_workbooks_hold_only_its_programmes(scoped):
    gaps = scoped.get("/api/v1/gaps").get_json()
    assert "KHM-OWN" in str(gaps) and "LAO-FAR" not in str(gaps)
    for url in ("/reports/status.xlsx", "/reports/contributions.xlsx"):
        text = sheet_text(scoped.get(url))
        assert "KHM-OWN" in text and "LAO-FAR" not in text, url
    assert "Donor C" not in sheet_text(scoped.get("/reports/contributions.xlsx"))


def test_a_scoped_users_pages_and_totals_leave_other_programmes_out(scoped, two):
    for url in ("/", "/contributions", "/donors", "/programmes"):
        page = scoped.get(url).get_data(as_text=True)
        assert "LAO-FAR" not in page and "700.00" not in page and "800.00" not in page, url
    donor_c = two[1].contributions[0].donor_id
    assert "700.00" not in scoped.get(f"/donors/{donor_c}").get_data(as_text=True)


def test_a_scoped_editor_cannot_record_on_another_programmes_gap(scoped, session):
    before = session.scalar(select(func.count()).select_from(Contribution))
    session.commit()  # the fixture's session writes: end its transaction before the app writes
    assert scoped.post("/gaps/LAO-FAR/contributions/new", data=GOOD).status_code == 404
    assert scoped.post("/gaps/LAO-FAR/edit", data={"title": "Taken"}).status_code == 404
    assert session.scalar(select(func.count()).select_from(Contribution)) == before
    session.commit()
    assert FormClient(scoped).post("/gaps/KHM-OWN/contributions/new", GOOD).status_code == 302
    moved = FormClient(scoped).post("/gaps/new", {**NEW_GAP, "programme": "FAR"})
    assert moved.status_code == 400  # another programme is not one it can find


def test_an_administrator_limits_a_user_to_programmes(client_as, session, two):
    admin = FormClient(client_as("admin"))
    viewer = factories.add_user(session, "limited@example.org", "viewer")
    session.commit()
    page = f"/admin/users/{viewer.id}"
    stale = admin.hidden(page)
    done = admin.post(f"{page}/programmes", {"scope": "some", "programmes": ["OWN"]}, token_from=page)
    assert done.status_code == 302
    session.expire_all()
    assert viewer.scoped and viewer.session_epoch == 1
    assert session.scalars(select(UserProgramme.programme_id)).all() == [two[0].programme_id]
    assert session.scalar(select(AuditEntry).where(AuditEntry.record_type == "user programme")) is not None
    session.commit()
    again = admin.client.post(f"{page}/programmes", data={**stale, "scope": "all"})
    assert again.status_code == 409
    every = admin.post(f"{page}/programmes", {"scope": "all"}, token_from=page)
    assert every.status_code == 302
    session.expire_all()
    assert not viewer.scoped and session.scalar(select(func.count()).select_from(UserProgramme)) == 0
    assert "programme" in admin.client.get(page).get_data(as_text=True)


def test_admins_and_donor_users_are_never_scoped(client_as, session, two):
    admin = FormClient(client_as("admin"))
    other = factories.add_user(session, "other.admin@example.org", "admin")
    session.commit()
    page = f"/admin/users/{other.id}"
    refused = admin.post(f"{page}/programmes", {"scope": "some", "programmes": ["OWN"]}, token_from=page)
    assert refused.status_code == 400 and "Only editors and viewers" in refused.get_data(as_text=True)
    session.expire_all()
    assert not session.get(User, other.id).scoped


def test_the_scope_command(runner, session, two):
    factories.add_user(session, "cli@example.org", "editor")
    session.commit()
    assert runner.invoke(args=["users", "scope", "cli@example.org", "--programme", "own"]).exit_code == 0
    assert session.scalars(select(UserProgramme.programme_id)).all() == [two[0].programme_id]
    session.commit()
    assert runner.invoke(args=["users", "scope", "cli@example.org", "--programme", "NOPE"]).exit_code != 0
    assert runner.invoke(args=["users", "scope", "cli@example.org", "--all"]).exit_code == 0
    assert session.scalar(select(func.count()).select_from(UserProgramme)) == 0
