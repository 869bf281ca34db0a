"""A donor's contacts through the real forms (CSRF on): added, corrected, retired, audited, seen by
staff only; the donor's switch that sends reminders to its focal point; the outbox naming each
reminder's recipient and a refusal."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.web.test_contributions import error_beside
from tracker.contributions import rules as contributions
from tracker.core import audit
from tracker.core.models import DonorContact, Reminder
from tracker.schedules import outbox

GOOD = {"name": "  Aiko   Tanaka ", "email": "aiko.tanaka@mofa.example", "role": "focal point", "language": "fr"}


@pytest.fixture
def donor(session):
    gap = factories.add_gap(session, "KHM-SME")
    made = factories.add_contribution(session, gap, "1000.00", donor="Government of Japan")
    session.commit()
    return made.donor


def contacts_of(session, donor) -> list[DonorContact]:
    session.expire_all()
    found = list(session.scalars(select(DonorContact).where(DonorContact.donor_id == donor.id)))
    session.commit()
    return found


@pytest.mark.settings(TRACKER_LANGUAGES="en,fr")
def test_an_editor_adds_a_contact_shown_on_the_donor_page(forms, session, donor):
    page = forms.client.get(f"/donors/{donor.id}/contacts/new").get_data(as_text=True)
    assert '<option value="fr">French</option>' in page and '<option value="en">English</option>' in page
    response = forms.post(f"/donors/{donor.id}/contacts/new", GOOD)
    assert response.status_code == 302
    [contact] = contacts_of(session, donor)
    assert (contact.name, contact.email, contact.role, contact.language) == (
        "Aiko Tanaka", "aiko.tanaka@mofa.example", "focal point", "fr")
    shown = forms.client.get(f"/donors/{donor.id}").get_data(as_text=True)
    assert "Aiko Tanaka" in shown and "aiko.tanaka@mofa.example" in shown and "French" in shown
    assert [e.action for e in audit.history(session, "donor contact", contact.id)] == ["create"]


def test_a_resubmitted_new_contact_form_adds_one_contact(forms, session, donor):
    data = {**forms.hidden(f"/donors/{donor.id}/contacts/new"), **GOOD, "language": "en"}
    for _ in range(2):
        assert forms.client.post(f"/donors/{donor.id}/contacts/new", data=data).status_code == 302
    assert len(contacts_of(session, donor)) == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "   ", "Enter the contact's name."),
    ("email", "not an address", "Enter a valid e-mail address"),
    ("email", "", "Enter the contact's e-mail address."),
    ("role", "boss", "Choose a role: focal point, finance, programme, other."),
    ("language", "xx", "Choose a language from the list."),
    ("name", "x" * 201, "At most 200 characters"),
])
def test_bad_contact_input_is_refused_beside_the_field(forms, session, donor, field, value, message):
    response = forms.post(f"/donors/{donor.id}/contacts/new", {**GOOD, "language": "en", field: value})
    assert response.status_code == 400
    assert message in error_beside(response.get_data(as_text=True), field)
    assert contacts_of(session, donor) == []


def test_a_contact_is_corrected_and_retired_never_deleted(forms, session, donor):
    contact = factories.add_contact(session, donor)
    session.commit()
    url = f"/donors/contacts/{contact.id}/edit"
    changed = {"name": "Aiko Tanaka-Sato", "email": "aiko@mofa.example", "role": "finance", "language": "en"}
    assert forms.post(url, {**changed, "retired": "y"}).status_code == 302
    [found] = contacts_of(session, donor)
    assert (found.name, found.role, found.retired_at is not None) == ("Aiko Tanaka-Sato", "finance", True)
    assert "retired" in forms.client.get(f"/donors/{donor.id}").get_data(as_text=True)
    actions = [e.action for e in audit.history(session, "donor contact", contact.id)]
    assert actions == ["create", "update"]


def test_a_stale_contact_form_is_a_conflict_not_an_overwrite(forms, session, donor):
    contact = factories.add_contact(session, donor)
    session.commit()
    url = f"/donors/contacts/{contact.id}/edit"
    stale = forms.hidden(url)
    assert forms.post(url, {"name": "First Edit", "email": "a@b.example", "role": "other", "language": "en"}
                      ).status_code == 302
    response = forms.client.post(url, data={**stale, "name": "Second", "email": "c@d.example", "role": "other",
                                            "language": "en"})
    assert response.status_code == 409
    assert [c.name for c in contacts_of(session, donor)] == ["First Edit"]


def test_donor_users_never_see_contacts(client_as, session, donor):
    factories.add_contact(session, donor, name="Secret Person", email="secret@mofa.example")
    session.commit()
    own = client_as("donor", donor.id)
    page = own.get(f"/donors/{donor.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Secret Person" not in text and "secret@mofa.example" not in text and "Contacts" not in text
    assert own.get(f"/donors/{donor.id}/contacts/new").status_code == 403
    assert client_as("viewer").get(f"/donors/{donor.id}").get_data(as_text=True).count("Secret Person") == 1


def test_the_focal_point_switch_is_set_on_the_donor_form(forms, session, donor):
    data = {"name": donor.name, "type": donor.type, "country": "", "remind_focal_point": "y"}
    assert forms.post(f"/donors/{donor.id}/edit", data).status_code == 302
    session.refresh(donor)
    assert donor.remind_focal_point is True
    session.commit()  # the read ends, so that the next save can write (SQLite)
    assert re.search(r'<input[^>]*checked[^>]*name="remind_focal_point"',
                     forms.client.get(f"/donors/{donor.id}/edit").get_data(as_text=True))
    assert forms.post(f"/donors/{donor.id}/edit", {**data, "remind_focal_point": None}).status_code == 302
    session.refresh(donor)
    assert donor.remind_focal_point is False
    session.commit()


def test_the_outbox_shows_the_letter_its_recipient_and_a_refusal(client, session, donor):
    made = donor.contributions[0]
    factories.add_schedule(session, made, 1, "one-off", contributions.today() + timedelta(days=3))
    factories.add_contact(session, donor)
    donor.remind_focal_point = True
    outbox.write_reminders(session, datetime.now(UTC), outbox.ReminderRules(14, 3, 7, "The RM team"))
    reminder = session.scalar(select(Reminder))
    outbox.record_refusal(session, reminder.id, 550, "5.1.1 No such mailbox", datetime.now(UTC))
    session.commit()
    page = client.get("/reminders").get_data(as_text=True)
    assert "To: Aiko Tanaka &lt;aiko@donor.example&gt; (focal point)" in page
    assert "Dear Aiko Tanaka," in page and "The RM team" in page and "Mark this reminder" not in page
    assert "refused the recipient (1 attempt): 550 5.1.1 No such mailbox" in page
