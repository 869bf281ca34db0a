"""Malformed values in addresses, query strings and forms answer 4xx with a message, never a 500
(issue 11): each case found by probing the running app, through the real request path with
CSRF on, on both databases. The fuzz walk (test_fuzz.py) tries every parameter of every route."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select

from tests import factories
from tests.pages import form_posting_to
from tests.web.test_contributions import error_beside
from tests.web.test_errors import main_of
from tracker.core.models import Contribution, Donor, Payment
from tracker.web.forms import Form

GAP = "KHM-X"


@pytest.fixture
def world(session):
    """An open gap with a EUR contribution and its payment, a second contribution without
    payments, and a second donor."""
    gap = factories.add_gap(session, GAP)
    paid = factories.add_contribution(session, gap, "100.00", currency="EUR", rate="0.9", donor="Sweden")
    payment = factories.add_payment(session, paid, "10.00", rate="0.9")
    unpaid = factories.add_contribution(session, gap, "50.00", donor="Norway", reference="NO-1")
    session.commit()
    return {"paid": paid.id, "payment": payment.id, "unpaid": unpaid.id, "donor": paid.donor_id,
            "other_donor": unpaid.donor_id}


def post_shown(browser, url: str, page: str | None = None, **changes):
    """Post the form of ``page`` (default: ``url``) that posts to ``url``, as shown, with ``changes``
    (None leaves a field out), the way a browser, or someone editing the request, sends it."""
    page = page or url
    shown = form_posting_to(browser.get(page).get_data(as_text=True), url, page)
    assert shown is not None, f"no form posting to {url} on {page}"
    sent = {**shown.values, **changes}
    return browser.post(url, data={k: v for k, v in sent.items() if v is not None})


def message_of(response) -> str:
    return main_of(response.get_data(as_text=True))


@pytest.mark.parametrize("url", ["/contributions?page=²", "/donors?page=²", f"/gaps/{GAP}?page=²",
                                 "/contributions?page=١", "/donors?page=99999999999999999999",
                                 "/contributions?page=" + "9" * 5000, "/contributions?page=%201", "/?page=1_0"])
def test_a_page_number_not_written_in_ascii_digits_within_range_is_a_400(client, world, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "The page number must be a whole number from 1 to 2,147,483,647" in message_of(response)


def test_a_page_past_the_end_still_shows_the_last_page(client, world):
    assert client.get("/contributions?page=2147483647").status_code == 200


@pytest.mark.parametrize("limit", ["²", "١٠", "1e3", "-1", "99999999999999999999", "9" * 5000])
def test_the_job_history_refuses_a_malformed_limit_in_json(client_as, limit):
    response = client_as("admin").get(f"/api/v1/jobs/runs?limit={limit}")
    assert response.status_code == 400 and response.is_json
    assert response.json["message"] == ("The limit must be a whole number from 1 to 1,000, "
                                        "written with the digits 0 to 9.")


@pytest.mark.parametrize("donor", ["²", "١", "99999999999999999999", "3000000000", "-1", " 1"])
def test_a_malformed_donor_filter_of_a_report_is_said_beside_the_field(client, world, donor):
    response = client.get(f"/reports/status.xlsx?donor={donor}")
    assert response.status_code == 400
    assert error_beside(response.get_data(as_text=True), "donor") == "Pick a donor from the list."


@pytest.mark.parametrize("number", ["99999999999999999999", "3000000000", "2147483648", "²", "١", "0"])
@pytest.mark.parametrize("address", ["/contributions/{}", "/contributions/{}/edit", "/payments/{}/void",
                                     "/donors/{}", "/contributions/{}/schedule", "/donors/{}/statement.xlsx"])
def test_a_record_number_a_column_cannot_hold_names_no_record(client, world, address, number):
    assert client.get(address.format(number)).status_code == 404


def test_digits_of_another_script_do_not_name_a_record(client, world):
    """/contributions/١ is not contribution 1: only ASCII digits are read as numbers."""
    assert client.get(f"/contributions/{world['paid']}").status_code == 200
    assert client.get("/contributions/\u0661").status_code == 404


@pytest.mark.parametrize("url, parameter", [
    ("/contributions?q=a%00b", "q"), ("/donors?q=%00", "q"), ("/contributions?sort=%1b", "sort"),
    ("/reports/status.xlsx?gap=KHM%00", "gap"), ("/admin/audit?actor=a%00", "actor"),
])
def test_a_control_character_in_the_query_string_is_a_400_naming_it(client_as, world, url, parameter):
    response = client_as("admin").get(url)
    assert response.status_code == 400
    assert f"“{parameter}” holds a control character" in message_of(response)


@pytest.mark.parametrize("url", ["/gaps/A%00B", "/gaps/A%00B/edit", "/import/abc%00def", "/admin/jobs/re%00/run"])
def test_a_control_character_in_the_address_is_a_400(client_as, world, url):
    response = client_as("admin").get(url)
    assert response.status_code == 400 and "The address holds a control character" in message_of(response)


def test_a_control_character_in_an_api_address_answers_json(client):
    response = client.get("/api/v1/gaps/A%00B")
    assert response.status_code == 400 and response.is_json and "control character" in response.json["message"]


@pytest.mark.parametrize("field, value", [("reference", "NO\x00-1"), ("reference", "NO\r\n1"),
                                          ("new_donor", "Nor\x1bway"), ("amount", "5\x00"),
                                          ("note", "line\x00")])
def test_a_control_character_in_a_form_field_is_refused_beside_it(client, session, world, field, value):
    url = f"/gaps/{GAP}/contributions/new"
    response = post_shown(client, url, **{"amount": "5", "donor_id": "", "new_donor": "Denmark", field: value})
    assert response.status_code == 400
    assert "control character" in error_beside(response.get_data(as_text=True), field)
    assert session.scalar(select(Donor).where(Donor.name == "Denmark")) is None


def test_tabs_and_line_breaks_are_kept_in_a_multi_line_note(client, session, world):
    url = f"/contributions/{world['unpaid']}/edit"
    assert post_shown(client, url, note="First line\r\n\tindented").status_code == 302
    assert session.get(Contribution, world["unpaid"]).note == "First line\r\n\tindented"


def test_a_control_character_in_a_hidden_field_is_said_for_the_form(client, world):
    response = post_shown(client, f"/payments/{world['payment']}/void", reason="typo", version="1\x00")
    assert response.status_code == 400 and "control character" in message_of(response)


@pytest.mark.parametrize("email", ["editor\x00@example.org", "\x00", "a@b\r\n.org"])
def test_a_control_character_in_the_sign_in_email_is_a_400(anonymous, client, email):
    response = post_shown(anonymous, "/login", email=email, password=factories.PASSWORD)
    assert response.status_code == 400
    assert "control character" in error_beside(response.get_data(as_text=True), "email")


VERSIONED = {  # the versioned form at each address, with what makes the rest of it valid
    "/contributions/{paid}/edit": {},
    "/contributions/{unpaid}/cancel": {"reason": "Withdrawn"},
    "/payments/{payment}/edit": {},
    "/payments/{payment}/void": {"reason": "Typed twice"},
    "/donors/{donor}/edit": {},
    f"/gaps/{GAP}/edit": {},
    "/contributions/{unpaid}/write-off": {"reason": "Given up", "confirm": "y"},
}


@pytest.mark.parametrize("version", ["abc", "²", "١", "", None, "99999999999999999999", "1.0", " 1"])
@pytest.mark.parametrize("address", VERSIONED)
def test_a_malformed_or_missing_version_is_a_400_and_changes_nothing(client, session, world, address, version):
    url = address.format(**world)
    before = _versions(session)
    response = post_shown(client, url, version=version, **VERSIONED[address])
    assert response.status_code == 400
    assert "This form is incomplete or out of date" in message_of(response)
    assert _versions(session) == before


@pytest.mark.parametrize("version", ["abc", "²", None])
@pytest.mark.parametrize("which", ["schedule", "schedule/typed"])
def test_a_malformed_version_of_a_schedule_form_is_a_400(client, session, world, which, version):
    url = f"/contributions/{world['unpaid']}/{which}"
    page = f"/contributions/{world['unpaid']}/schedule"
    plan = {"count": "2", "first_due_date": "2030-01-31"} if which == "schedule" else {"lines": "2030-01-31 10"}
    before = _versions(session)
    response = post_shown(client, url, page, version=version, **plan)
    assert response.status_code == 400 and _versions(session) == before


def _versions(session) -> list[int]:
    session.expire_all()
    try:
        return [c.version for c in session.scalars(select(Contribution).order_by(Contribution.id))] + \
               [p.version for p in session.scalars(select(Payment).order_by(Payment.id))] + \
               [d.version for d in session.scalars(select(Donor).order_by(Donor.id))]
    finally:
        session.rollback()


@pytest.mark.parametrize("donor_id", ["²", "١", "99999999999999999999", "3000000000", "2147483648", "-1", "1e9"])
@pytest.mark.parametrize("address", [f"/gaps/{GAP}/contributions/new", "/contributions/{paid}/edit"])
def test_a_malformed_donor_number_is_refused_beside_the_donor(client, session, world, address, donor_id):
    response = post_shown(client, address.format(**world), donor_id=donor_id, amount="5")
    assert response.status_code == 400
    assert error_beside(response.get_data(as_text=True), "donor_id") == "Pick a donor from the list."


@pytest.mark.parametrize("into", ["²", "99999999999999999999", "3000000000"])
def test_a_malformed_donor_to_merge_into_is_refused_beside_it(client, world, into):
    response = post_shown(client, f"/donors/{world['donor']}/merge", into=into)
    assert response.status_code == 400
    assert error_beside(response.get_data(as_text=True), "into") == "Pick a donor from the list."


@pytest.mark.parametrize("address, fields", [
    (f"/gaps/{GAP}/contributions/new", {"donor_id": "", "new_donor": "Denmark", "amount": "5", "currency": "EUR"}),
    ("/contributions/{paid}/edit", {}),
    ("/contributions/{paid}/payments/new", {"amount": "1"}),
    ("/payments/{payment}/edit", {}),
])
def test_a_form_post_without_the_rate_field_is_answered_not_a_500(client, world, address, fields):
    """No rate sent at all is no rate typed: the rate on file is used, or the form says one is needed."""
    response = post_shown(client, address.format(**world), rate=None, **fields)
    assert response.status_code in {302, 400}
    if response.status_code == 400:
        assert "rate" in error_beside(response.get_data(as_text=True), "rate")


@pytest.mark.parametrize("field", ["count", "impact_count"])
@pytest.mark.parametrize("value", ["١", "²", "99999999999999999999999", "1_0", "+1", "1e3"])
def test_a_number_field_takes_ascii_digits_within_range_only(client, world, field, value):
    if field == "count":
        url = f"/contributions/{world['unpaid']}/schedule"
        response = post_shown(client, url, count=value, first_due_date="2030-01-31")
    else:
        response = post_shown(client, f"/gaps/{GAP}/edit", impact_count=value)
    assert response.status_code == 400
    assert error_beside(response.get_data(as_text=True), field)


def test_the_audit_trail_refuses_a_record_number_beyond_the_column(client_as):
    response = client_as("admin").get("/admin/audit?record_type=&record_id=99999999999999999999")
    assert response.status_code == 400 and error_beside(response.get_data(as_text=True), "record_id")


@pytest.mark.parametrize("amount", ["١٠٠", "٥", "1٠"])
def test_an_amount_in_digits_of_another_script_is_refused_not_read(client, session, world, amount):
    response = post_shown(client, "/contributions/{paid}/payments/new".format(**world), amount=amount)
    assert response.status_code == 400 and "digits" in error_beside(response.get_data(as_text=True), "amount")


@pytest.mark.parametrize("target", ["/\r\nSet-Cookie: stolen=1", "/\\evil.example", "/\t/evil.example",
                                    "//evil.example", "https://evil.example/", "/ok\x00"])
def test_signing_in_never_follows_a_next_that_leaves_the_site_or_splits_the_header(anonymous, client, target):
    login = "/login?" + _query(next=target)
    response = post_shown(anonymous, login, "/login", email="editor@example.org", password=factories.PASSWORD)
    assert response.status_code in {302, 400}
    if response.status_code == 302:
        assert response.headers["Location"] == "/"
    assert "stolen" not in str(response.headers)


def test_signing_in_follows_a_path_on_this_site(anonymous, client):
    response = post_shown(anonymous, "/login?" + _query(next="/contributions?q=a b&page=1"),
                          email="editor@example.org", password=factories.PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/contributions?q=a%20b&page=1"


def _query(**args) -> str:
    return urlencode(args)


def _subclasses(cls) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_subclasses(direct)}}


def test_every_form_of_the_tracker_refuses_control_characters(app):
    """The check is in the base form: a form built on FlaskForm directly would let NUL through."""
    forms = {form for form in _subclasses(FlaskForm) if form.__module__.startswith("tracker.")}
    assert len(forms) > 10 and all(issubclass(form, Form) for form in forms), forms
