"""Correcting a donor and merging one donor into another, through the real forms, CSRF token and all."""
from __future__ import annotations

import html
import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests import factories
from tests.web.test_contributions import GOOD, error_beside
from tracker.core import audit
from tracker.core.figures import donor_figures
from tracker.core.models import Contribution, Donor, Reminder
from tracker.donors import rules as donors
from tracker.schedules import outbox
from tracker.web.forms import STALE_FORM


@pytest.fixture
def gap(session):
    made = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    session.commit()
    return made


@pytest.fixture
def pair(session, gap):
    """Donor A (the one kept) and donor B (its duplicate), each with contributions; B also has
    a donor user and a reminder."""
    factories.add_contribution(session, gap, "1000.00", donor="Donor A")
    factories.add_contribution(session, gap, "300.00", donor="Donor A", status="pledged")
    factories.add_contribution(session, gap, "200.00", donor="Donor B", status="pledged")
    scheduled = factories.add_contribution(session, gap, "400.00", donor="Donor B")
    factories.add_schedule(session, scheduled, 2, first_due=date(2026, 3, 31))
    outbox.write_reminders(session, datetime(2026, 3, 25, 9, tzinfo=UTC),
                           outbox.ReminderRules(days_ahead=14, max_per_instalment=4, spacing_days=7))
    a, b = donors.find_donor(session, "Donor A"), donors.find_donor(session, "Donor B")
    user = factories.add_user(session, "b@example.org", "donor", b.id)
    session.commit()
    return a, b, user


def edit_form(donor, **changes) -> dict:
    return {"name": donor.name, "type": donor.type, "country": donor.country or "", "version": str(donor.version),
            **changes}


def confirm_form(a, b) -> dict:
    return {"into": str(a.id), "version": str(b.version), "into_version": str(a.version), "confirmed": "yes"}


def merged(forms, session, a, b):
    """Merge ``b`` into ``a`` through the confirmation form. The test session's read of their
    versions is ended first: on SQLite it would hold off the merge's write."""
    data = confirm_form(a, b)
    session.commit()
    return forms.post(f"/donors/{b.id}/merge", data)


# Correcting


def test_a_donor_is_corrected(forms, session, pair):
    a, _, _ = pair
    response = forms.post(f"/donors/{a.id}/edit", edit_form(a, name="  Donor   Alpha ", type="government",
                                                             country="JP"))
    assert response.status_code == 302
    session.refresh(a)
    assert (a.name, a.name_key, a.type, a.country) == ("Donor Alpha", "donor alpha", "government", "JP")
    assert "Donor Alpha" in forms.client.get(f"/donors/{a.id}").get_data(as_text=True)


def test_the_edit_form_shows_the_donor_as_stored(client, pair):
    a, _, _ = pair
    page = client.get(f"/donors/{a.id}/edit").get_data(as_text=True)
    assert 'value="Donor A"' in page and f'name="version" type="hidden" value="{a.version}"' in page


def test_another_donors_name_is_refused_naming_that_donor(forms, session, pair):
    a, b, _ = pair
    response = forms.post(f"/donors/{a.id}/edit", edit_form(a, name="donor  b"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_beside(page, "name") == "Another donor is already called Donor B."
    assert 'value="donor  b"' in page  # the input is kept
    session.refresh(a)
    assert a.name == "Donor A"


def test_a_name_of_201_characters_is_refused_beside_the_field(forms, session, pair):
    a, _, _ = pair
    response = forms.post(f"/donors/{a.id}/edit", edit_form(a, name="x" * 201))
    assert response.status_code == 400
    assert "at most 200 characters" in error_beside(response.get_data(as_text=True), "name")
    session.refresh(a)
    assert a.name == "Donor A"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "   ", "Enter the donor's name."),
    ("type", "charity", "'charity' is not a donor type."),
    ("country", "XX", "Choose a country from the list."),
])
def test_other_bad_fields_are_refused_beside_the_field(forms, pair, field, value, message):
    a, _, _ = pair
    response = forms.post(f"/donors/{a.id}/edit", edit_form(a, **{field: value}))
    assert response.status_code == 400
    assert error_beside(response.get_data(as_text=True), field) == message


@pytest.mark.parametrize("page", ["edit", "merge"])
def test_a_damaged_version_is_refused_not_a_500(forms, pair, page):
    a, b, _ = pair
    data = edit_form(a, version="1e9") if page == "edit" else {**confirm_form(a, b), "into_version": "x"}
    response = forms.post(f"/donors/{b.id if page == 'merge' else a.id}/{page}", data)
    assert response.status_code == 400
    assert STALE_FORM in html.unescape(response.get_data(as_text=True))


def test_saving_over_a_newer_version_is_refused_with_409(forms, session, pair):
    a, _, _ = pair
    first = forms.post(f"/donors/{a.id}/edit", edit_form(a, name="Donor Alpha"))
    assert first.status_code == 302
    second = forms.post(f"/donors/{a.id}/edit", edit_form(a, name="Donor Aleph", version="1"))
    page = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "changed by someone else" in page and 'value="Donor Aleph"' in page
    session.refresh(a)
    assert a.name == "Donor Alpha"


# Merging


def test_the_confirmation_page_says_what_moves_and_stores_nothing(forms, session, pair):
    a, b, _ = pair
    response = forms.post(f"/donors/{b.id}/merge", {"into": str(a.id)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Merge Donor B into Donor A?" in page
    assert "2 contributions" in page and "1 donor user " in page and "1 reminder " in page
    session.expire_all()
    assert b.merged_into_id is None
    assert {c.donor_id for c in session.scalars(select(Contribution))} == {a.id, b.id}


def test_a_merge_moves_contributions_users_contacts_and_reminders(forms, session, pair):
    a, b, user = pair
    contact = factories.add_contact(session, b)
    session.commit()
    assert "1 contact of Donor B move to Donor A" in forms.post(f"/donors/{b.id}/merge", {"into": str(a.id)}
                                                                ).get_data(as_text=True)
    response = merged(forms, session, a, b)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/donors/{a.id}")
    session.expire_all()
    assert b.merged_into_id == a.id
    assert {c.donor_id for c in session.scalars(select(Contribution))} == {a.id}
    assert user.donor_id == a.id
    assert {r.donor_id for r in session.scalars(select(Reminder))} == {a.id}
    assert contact.donor_id == a.id


def test_the_kept_donor_has_the_figures_of_both(forms, session, pair):
    a, b, _ = pair
    before = {f.donor_id: f for f in donor_figures(session, [a.id, b.id])}
    assert merged(forms, session, a, b).status_code == 302
    session.expire_all()
    after = {f.donor_id: f for f in donor_figures(session, [a.id, b.id])}
    for figure in ("pledged_cents", "committed_cents", "paid_cents", "received_cents", "contributions"):
        assert getattr(after[a.id], figure) == getattr(before[a.id], figure) + getattr(before[b.id], figure)
        assert getattr(after[b.id], figure) == 0


def test_the_merged_name_finds_the_kept_donor_in_the_contribution_form(forms, session, gap, pair):
    a, b, _ = pair
    merged(forms, session, a, b)
    response = forms.post("/gaps/KHM-SME/contributions/new", {**GOOD, "new_donor": "  donor b "})
    assert response.status_code == 302
    stale_pick = forms.post("/gaps/KHM-SME/contributions/new", {**GOOD, "new_donor": "", "donor_id": str(b.id),
                                                                    "reference": "JP-2026-02"})
    assert stale_pick.status_code == 302
    session.expire_all()
    assert {c.donor_id for c in session.scalars(select(Contribution))} == {a.id}
    assert session.scalar(select(Donor).where(Donor.name_key == "government of japan")) is None


def test_a_merged_donor_leaves_the_lists_and_its_page_leads_to_the_kept_one(forms, client, session, pair):
    a, b, _ = pair
    merged(forms, session, a, b)
    listing = client.get("/donors").get_data(as_text=True)
    assert ">Donor A</a>" in listing and ">Donor B</a>" not in listing
    assert f'value="{b.id}"' not in client.get("/gaps/KHM-SME/contributions/new").get_data(as_text=True)
    assert "Donor A" in client.get("/donors?q=donor b").get_data(as_text=True)  # the old name still searches
    old_page = client.get(f"/donors/{b.id}")
    assert old_page.status_code == 302 and old_page.headers["Location"].endswith(f"/donors/{a.id}")


def test_the_history_says_what_was_merged_into_whom(forms, session, pair):
    a, b, _ = pair
    moved = session.scalars(select(Contribution).where(Contribution.donor_id == b.id)).first()
    merged(forms, session, a, b)
    reason = f"Donor Donor B (No. {b.id}) merged into Donor A (No. {a.id})."
    donor_entry = audit.history(session, "donor", b.id)[-1]
    assert (json.loads(donor_entry.after), donor_entry.reason) == ({"merged_into_id": a.id}, reason)
    contribution_entry = audit.history(session, "contribution", moved.id)[-1]
    assert (json.loads(contribution_entry.after), contribution_entry.reason) == ({"donor_id": a.id}, reason)
    assert reason in forms.client.get(f"/contributions/{moved.id}").get_data(as_text=True)


def test_donors_merged_before_follow_to_the_kept_one(forms, session, pair):
    a, b, _ = pair
    older = donors.find_or_add_donor(session, "Donor B (old name)")
    session.commit()
    assert merged(forms, session, b, older).status_code == 302
    session.expire_all()
    assert merged(forms, session, a, b).status_code == 302
    session.expire_all()
    assert older.merged_into_id == a.id
    assert donors.find_donor(session, "donor b (old name)") is a


@pytest.mark.parametrize(("into", "message"), [
    ("self", "A donor cannot be merged into itself; pick another donor."),
    ("alias", "Donor C was itself merged into Donor A; pick Donor A."),
    ("missing", "That donor no longer exists; pick another."),
    ("words", "Pick a donor from the list."),
])
def test_a_merge_into_a_wrong_donor_is_refused(forms, session, pair, into, message):
    a, b, _ = pair
    c = donors.find_or_add_donor(session, "Donor C")
    session.commit()
    assert merged(forms, session, a, c).status_code == 302
    into_id = {"self": str(b.id), "alias": str(c.id), "missing": "9999", "words": "Donor A"}[into]
    response = forms.post(f"/donors/{b.id}/merge", {"into": into_id})
    assert response.status_code == 400
    assert error_beside(response.get_data(as_text=True), "into") == message
    session.expire_all()
    assert b.merged_into_id is None


def test_a_donor_already_merged_cannot_be_merged_again(forms, session, pair):
    a, b, _ = pair
    c = donors.find_or_add_donor(session, "Donor C")
    session.commit()
    merged(forms, session, a, b)
    assert "was already merged into Donor A" in forms.client.get(f"/donors/{b.id}/merge").get_data(as_text=True)
    response = forms.client.post(f"/donors/{b.id}/merge", data={**confirm_form(c, b),
                                                                "csrf_token": forms.token(f"/donors/{a.id}/merge")})
    assert response.status_code == 400
    session.expire_all()
    assert b.merged_into_id == a.id


def test_a_merge_confirmed_over_a_newer_version_is_refused_with_409(forms, session, pair):
    a, b, _ = pair
    confirmation = confirm_form(a, b)
    assert forms.post(f"/donors/{a.id}/edit", edit_form(a, name="Donor Alpha")).status_code == 302
    response = forms.post(f"/donors/{b.id}/merge", confirmation)
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    session.expire_all()
    assert b.merged_into_id is None
    assert {c.donor_id for c in session.scalars(select(Contribution))} == {a.id, b.id}


# Access


@pytest.mark.parametrize("page", ["edit", "merge"])
def test_viewers_may_not_correct_or_merge(app, client_as, pair, page):
    app.config["WTF_CSRF_ENABLED"] = False  # so that the POST meets the access rule, not the CSRF check
    _, b, _ = pair
    viewer = client_as("viewer")
    assert viewer.get(f"/donors/{b.id}/{page}").status_code == 403
    assert viewer.post(f"/donors/{b.id}/{page}", data={"name": "X", "into": "1"}).status_code == 403


def test_the_donor_page_offers_edit_and_merge_to_editors_only(client, client_as, pair):
    a, _, _ = pair
    assert "Merge into another donor…" in client.get(f"/donors/{a.id}").get_data(as_text=True)
    assert "Merge into another donor…" not in client_as("viewer").get(f"/donors/{a.id}").get_data(as_text=True)


def test_a_confirmed_merge_into_a_donor_that_does_not_exist_is_refused_beside_the_field(forms, session, pair):
    """A confirmation edited to name no donor: refused like a wrong pick, nothing moved."""
    a, b, _ = pair
    response = forms.post(f"/donors/{b.id}/merge", {**confirm_form(a, b), "into": "9999"})
    assert response.status_code == 400
    assert error_beside(response.get_data(as_text=True), "into") == "That donor no longer exists; pick another."
    session.expire_all()
    assert b.merged_into_id is None
