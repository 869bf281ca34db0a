"""History in people's words: record pages and /admin/audit name each field as its form does,
show amounts in their currency, US$ as US$, donors and gaps by name with a link, statuses as
words; the values as stored stay open to administrators only."""
from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from sqlalchemy import inspect

from tests import factories
from tracker.contributions import rules as contributions
from tracker.contributions.forms import ContributionForm
from tracker.core import audit
from tracker.users.views import EVERY_RECORD
from tracker.web.history import RECORD_NUMBER, label

#: What the trail stores and nobody should have to read on a page.
RAW_NAMES = ("amount minor", "amount_minor", "usd cents", "usd_cents", "donor id", "donor_id", "name key",
             "name_key", "gap_id", "rate_date")


def text_of(page: str) -> str:
    """The page as a person reads it: tags dropped (the raw values' <details> too), spaces folded."""
    page = re.sub(r"<details class=\"raw\">.*?</details>", "", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def history_of(page: str) -> str:
    return page[page.index('id="history-heading"'):]


@pytest.fixture
def commitment(session):
    """250,000 EUR from the EU, edited to 300,000 EUR, with a payment against it."""
    gap = factories.add_gap(session, "KHM-SME", title="Small enterprises")
    made = factories.add_contribution(session, gap, "250000.00", currency="EUR", rate="0.92",
                                      donor="European Union", reference="EU-1")
    contributions.edit_contribution(session, made, contributions.ContributionInput(
        donor=made.donor, status="committed", amount=Decimal("300000.00"), currency="EUR", rate=Decimal("0.92"),
        rate_date=made.rate_date, decision_date=made.decision_date, reference="EU-1"), made.version)
    factories.add_payment(session, made, "1000.00", rate="0.9")
    session.commit()
    return made


def test_a_contribution_s_history_reads_as_its_form_does(client, commitment):
    page = client.get(f"/contributions/{commitment.id}").get_data(as_text=True)
    said = text_of(history_of(page))
    assert "Amount : 250,000.00 EUR → changed to 300,000.00 EUR" in said
    assert "US$ (frozen) : US$ 271,739.13 → changed to US$ 326,086.96" in said
    assert "Status : Committed" in said and "Decision date : 2026-01-15" in said
    assert "Agreement reference : EU-1" in said
    assert not [name for name in RAW_NAMES if name in said]


def test_donors_and_gaps_are_named_and_linked(client, commitment):
    history = history_of(client.get(f"/contributions/{commitment.id}").get_data(as_text=True))
    assert f'<a href="/donors/{commitment.donor_id}">European Union</a>' in history
    assert '<a href="/gaps/KHM-SME">KHM-SME Small enterprises</a>' in history


def test_the_payments_of_a_contribution_are_in_its_history(client, commitment):
    said = text_of(history_of(client.get(f"/contributions/{commitment.id}").get_data(as_text=True)))
    assert "Payment No. 1" in said and "Amount : 1,000.00 EUR" in said and "US$ : US$ 1,111.11" in said


def test_a_write_off_is_in_the_contribution_s_history(client, session, commitment):
    contributions.write_off(session, commitment, "The donor closed the programme", commitment.version)
    session.commit()
    said = text_of(history_of(client.get(f"/contributions/{commitment.id}").get_data(as_text=True)))
    assert "Write-off No. 1" in said and "Written off : 299,000.00 EUR" in said
    assert "Reason for writing off : The donor closed the programme" in said


def test_only_administrators_can_open_the_values_as_stored(client_as, commitment):
    url = f"/contributions/{commitment.id}"
    assert "Values as stored" not in client_as("editor").get(url).get_data(as_text=True)
    assert "Values as stored" not in client_as("viewer").get(url).get_data(as_text=True)
    admin = client_as("admin").get(url).get_data(as_text=True)
    raw = re.search(r'<details class="raw">.*?</details>', history_of(admin), re.S).group(0)
    assert "&#34;amount_minor&#34;: 25000000" in raw


def test_the_audit_trail_reads_the_same(client_as, commitment):
    page = client_as("admin").get("/admin/audit?record_type=contribution").get_data(as_text=True)
    said = text_of(page)
    assert "Amount : 250,000.00 EUR → changed to 300,000.00 EUR" in said
    assert f'<a href="/contributions/{commitment.id}">Contribution No. {commitment.id}</a>' in page
    assert "Values as stored" in page


def test_an_amount_keeps_the_currency_it_was_in_when_the_currency_changes_later(client, session):
    gap = factories.add_gap(session, "KHM-SME")
    made = factories.add_contribution(session, gap, "100.00", currency="EUR", rate="0.8")
    for amount, currency in (("200.00", "EUR"), ("300.00", "USD")):
        contributions.edit_contribution(session, made, contributions.ContributionInput(
            donor=made.donor, status="committed", amount=Decimal(amount), currency=currency,
            rate=None if currency == "USD" else Decimal("0.8"), rate_date=made.rate_date,
            decision_date=made.decision_date), made.version)
    session.commit()
    said = text_of(history_of(client.get(f"/contributions/{made.id}").get_data(as_text=True)))
    assert "Amount : 100.00 EUR → changed to 200.00 EUR" in said
    assert "Amount : 200.00 EUR → changed to 300.00 USD" in said


def test_a_donor_s_history_names_what_it_was_merged_into_and_hides_its_search_key(client_as, session):
    gap = factories.add_gap(session, "KHM-SME")
    kept = factories.add_contribution(session, gap, "10.00", donor="Sweden").donor
    gone = factories.add_contribution(session, gap, "20.00", donor="Swedish Government").donor
    from tracker.donors import rules as donors

    donors.merge_donors(session, gone, kept, gone.version, kept.version)
    session.commit()
    page = client_as("admin").get(f"/admin/audit?record_type=donor&record_id={gone.id}").get_data(as_text=True)
    said = text_of(page)
    assert "Merged into : — → changed to Sweden" in said
    assert f'<a href="/donors/{kept.id}">Sweden</a>' in page
    assert "Name as searched" not in said and "Name : Swedish Government" in said


def test_labels_are_the_form_s_own():
    assert EVERY_RECORD["contribution"]["reference"].label == label(ContributionForm.reference)
    assert EVERY_RECORD["contribution"]["donor_note"].label == "Note to the donor"


def test_every_audited_column_is_named():
    """A column added to an audited table fails here until its history has a label."""
    unnamed = [(kind, column.key) for model, kind in audit.AUDITED.items()
               for column in inspect(model).column_attrs
               if column.key not in audit.SKIPPED and column.key not in RECORD_NUMBER
               and column.key not in EVERY_RECORD.get(kind, {})]
    assert unnamed == []



def test_a_longer_trail_takes_no_more_queries(app, client_as, session, commitment):
    """Names and currencies are read once for the whole page of entries, never once per row."""
    from tests.web.test_tables import statements_for

    admin = client_as("admin")
    few = statements_for(app, admin, "/admin/audit")
    for n in range(6):
        made = factories.add_contribution(session, commitment.gap, "10.00", currency="EUR", rate="0.9",
                                          donor=f"Donor {n}")
        factories.add_payment(session, made, "1.00", rate="0.9")
    session.commit()
    assert statements_for(app, admin, "/admin/audit") == few
