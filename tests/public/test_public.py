"""The public pages, embed, badges and open data, seen by nobody signed in: only published gaps
of published programmes, only donors that may be named, nothing internal, cacheable."""
from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import event, select

from tests import factories
from tracker.core.models import Donor, Programme
from tracker.gaps import snapshots
from tracker.web.access import PUBLIC, PUBLIC_ENDPOINTS, allow, rule_of

SECRETS = ("SECRET-NOTE-7781", "SECRET-REF-4410", "SECRET-DONOR-NOTE-9923", "Secret Contact Person",
           "secret.contact@donor.example", "Unnameable Foundation", "HIDDEN-GAP-TITLE", "HIDDEN-PROGRAMME-NAME")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _recompute(session, now=NOW):
    snapshots.record_snapshots(session, now)
    snapshots.record_public_donors(session, now)
    session.commit()


@pytest.fixture
def published(session):
    """Programme PUB (published) with gap PUB-1 (published, funded by a named and an unnameable
    donor, with a secret note, reference, donor note and contact), PUB-2 (not published), and a
    published gap of an unpublished programme."""
    factories.add_programme(session, "PUB", name="Social Protection — Cambodia", organisation="ILO",
                            contact="https://www.ilo.org/cambodia", description="Extending social protection.",
                            published=True)
    gap = factories.add_gap(session, "PUB-1", "720000.00", programme="PUB", title="Culture of social security",
                            impact_count=1_500_000, impact_unit="workers", impact_indicator="SDG 1.3.1", published=True)
    factories.add_contribution(session, gap, "300000.00", donor="Government of Japan")
    hidden = factories.add_contribution(session, gap, "31200.00", donor="Unnameable Foundation",
                                        reference="SECRET-REF-4410", note="SECRET-NOTE-7781",
                                        donor_note="SECRET-DONOR-NOTE-9923")
    factories.add_contact(session, hidden.donor, name="Secret Contact Person", email="secret.contact@donor.example")
    factories.add_gap(session, "PUB-2", programme="PUB", title="HIDDEN-GAP-TITLE")
    factories.add_programme(session, "SHUT", name="HIDDEN-PROGRAMME-NAME")
    factories.add_gap(session, "SHUT-1", programme="SHUT", title="HIDDEN-GAP-TITLE", published=True)
    session.scalar(select(Donor).where(Donor.name == "Government of Japan")).named_publicly = True
    session.commit()
    _recompute(session)


PUBLIC_URLS = ("/p/PUB", "/p/PUB/embed", "/p/PUB/PUB-1/badge.svg", "/open/v1/gaps.json", "/open/v1/gaps.csv")


def test_the_page_shows_published_gaps_with_their_funding_impact_and_named_donors(anonymous, published):
    page = anonymous.get("/p/PUB").get_data(as_text=True)
    assert "Social Protection — Cambodia" in page and "Culture of social security" in page
    assert "US$ 720,000" in page and "Funded: US$ 331,200 (46 %)" in page
    assert "1,500,000 workers — SDG 1.3.1" in page and "Extending social protection." in page
    assert "Government of Japan (US$ 300,000), and other donors (US$ 31,200)" in page
    assert "as of <time datetime=\"2026-11-30T12:00:00+00:00\">2026-11-30 12:00 UTC" in page
    assert "https://www.ilo.org/cambodia" in page and "<script" not in page


@pytest.mark.parametrize("url", ["/p/SHUT", "/p/NOPE", "/p/SHUT/embed", "/p/PUB/PUB-2/badge.svg",
                                 "/p/SHUT/SHUT-1/badge.svg", "/p/PUB/SHUT-1/badge.svg", "/p/PUB/NOPE/badge.svg"])
def test_unpublished_and_unknown_are_the_same_404(anonymous, published, url):
    assert anonymous.get(url).status_code == 404


def test_no_internal_field_reaches_any_public_response(anonymous, published):
    for url in PUBLIC_URLS:
        response = anonymous.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert [secret for secret in SECRETS if secret.lower() in body.lower()] == [], url


def test_a_donor_no_longer_named_disappears_at_once_and_from_the_stored_figures(anonymous, published, session):
    session.scalar(select(Donor).where(Donor.name == "Government of Japan")).named_publicly = False
    session.commit()
    assert "Government of Japan" not in anonymous.get("/p/PUB").get_data(as_text=True)
    assert snapshots.record_public_donors(session, NOW + timedelta(minutes=15)) == 1


def test_public_pages_never_read_the_ledger(anonymous, published, app):
    statements = []
    engine = app.extensions["tracker.engine"]
    listen = lambda _c, _cur, statement, *_: statements.append(statement.lower())  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        for url in PUBLIC_URLS:
            assert anonymous.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert statements and not [s for s in statements if "from contribution" in s or "join contribution" in s
                               or "payment" in s]


def test_a_conditional_request_gets_304_until_the_figures_change(anonymous, published, session):
    for url in PUBLIC_URLS:
        first = anonymous.get(url)
        assert first.headers["Cache-Control"] == "public, max-age=900" and first.headers["ETag"], url
        again = anonymous.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"", url
        since = anonymous.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304, url
    tag = anonymous.get("/p/PUB").headers["ETag"]
    gap = factories.add_gap(session, "PUB-3", programme="PUB", published=True)
    factories.add_contribution(session, gap, "10.00")
    session.commit()
    _recompute(session, NOW + timedelta(minutes=15))
    assert anonymous.get("/p/PUB", headers={"If-None-Match": tag}).status_code == 200


def test_a_published_gap_without_a_snapshot_says_its_figures_are_not_yet_published(anonymous, published, session):
    factories.add_gap(session, "PUB-4", programme="PUB", title="Brand new", published=True)
    session.commit()
    page = anonymous.get("/p/PUB").get_data(as_text=True)
    assert "Brand new" in page and "Figures not yet published." in page
    assert "figures not yet published" in anonymous.get("/p/PUB/PUB-4/badge.svg").get_data(as_text=True)
    data = anonymous.get("/open/v1/gaps.json").json
    assert next(g for g in data["gaps"] if g["gap_code"] == "PUB-4")["totalFunding"] is None


def test_the_embed_cannot_be_framed_by_default_and_says_so(anonymous, published):
    response = anonymous.get("/p/PUB/embed")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "cannot be shown inside another site" in response.get_data(as_text=True)


@pytest.mark.settings(TRACKER_EMBED_ORIGINS="https://www.ilo.org")
def test_the_embed_may_be_framed_by_one_configured_origin(anonymous, published):
    response = anonymous.get("/p/PUB/embed")
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://www.ilo.org" in policy and "script-src" not in policy
    assert "X-Frame-Options" not in response.headers
    assert "cannot be shown" not in response.get_data(as_text=True)
    assert "frame-ancestors 'none'" in anonymous.get("/p/PUB").headers["Content-Security-Policy"]


@pytest.mark.settings(TRACKER_EMBED_ORIGINS="https://www.ilo.org https://example.org:8443")
def test_the_embed_may_be_framed_by_two_configured_origins(anonymous, published):
    policy = anonymous.get("/p/PUB/embed").headers["Content-Security-Policy"]
    assert "frame-ancestors https://www.ilo.org https://example.org:8443;" in policy + ";"


def test_the_badge_is_an_accessible_svg_without_script(anonymous, published):
    response = anonymous.get("/p/PUB/PUB-1/badge.svg")
    svg = response.get_data(as_text=True)
    assert response.mimetype == "image/svg+xml" and "<script" not in svg
    assert "US$ 720,000" in svg and "46 % funded" in svg and 'role="img"' in svg and "<title" in svg


def test_the_open_data_json_names_fts_fields_in_decimal_strings(anonymous, published):
    data = anonymous.get("/open/v1/gaps.json").json
    assert "CC BY 4.0" in data["licence"] and data["as_of"] == "2026-11-30T12:00:00+00:00"
    (gap,) = data["gaps"]
    assert gap["programme"] == {"code": "PUB", "name": "Social Protection — Cambodia", "organisation": "ILO"}
    assert (gap["origRequirements"], gap["revisedRequirements"], gap["totalFunding"], gap["progress"]) == (
        "720000.00", "720000.00", "331200.00", "46.00")
    assert gap["named_donors"] == [{"name": "Government of Japan", "funding_usd": "300000.00"}]
    assert gap["country"] == "KH"


@pytest.mark.settings(TRACKER_OPEN_DATA_LICENCE="=HYPERLINK(\"x\") Licence ODbL")
def test_the_open_data_csv_is_utf8_and_safe_from_formulas(anonymous, published, session):
    factories.add_gap(session, "PUB-5", programme="PUB", title="=1+1 Santé", published=True)
    session.commit()
    response = anonymous.get("/open/v1/gaps.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8"))))
    assert [row["title"] for row in rows] == ["Culture of social security", "'=1+1 Santé"]
    assert rows[0]["licence"].startswith("'=HYPERLINK") and rows[0]["totalFunding"] == "331200.00"
    assert rows[0]["named_donors"] == "Government of Japan: 300000.00"
    assert "ODbL" in json.loads(anonymous.get("/open/v1/gaps.json").data)["licence"]


def test_only_published_programmes_gaps_are_open_data(anonymous, published, session):
    session.scalar(select(Programme).where(Programme.code == "PUB")).published = False
    session.commit()
    assert anonymous.get("/open/v1/gaps.json").json["gaps"] == []
    assert anonymous.get("/p/PUB").status_code == 404


def test_every_public_view_is_on_the_explicit_list_and_nothing_else_is(app):
    declared = {endpoint for endpoint, view in app.view_functions.items() if rule_of(view) is PUBLIC}
    assert declared == set(PUBLIC_ENDPOINTS)


def test_a_view_declaring_public_without_being_listed_is_refused_to_everybody(database_url, tmp_path):
    from tracker import create_app

    app: Flask = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "x", "TRACKER_SEED": ""})
    app.instance_path = str(tmp_path)
    app.add_url_rule("/sneaky", "sneaky", allow(PUBLIC)(lambda: "open to the world?"))
    try:
        assert app.test_client().get("/sneaky").status_code == 403
    finally:
        app.extensions["tracker.engine"].dispose()


def test_a_gap_lists_its_five_largest_named_donors_and_counts_the_others(anonymous, session):
    factories.add_programme(session, "MANY", published=True)
    gap = factories.add_gap(session, "MANY-1", programme="MANY", published=True)
    for n in range(1, 8):
        factories.add_contribution(session, gap, f"{n}000.00", donor=f"Donor {n}")
    for donor in session.scalars(select(Donor)):
        donor.named_publicly = True
    session.commit()
    _recompute(session)
    page = anonymous.get("/p/MANY").get_data(as_text=True)
    assert "Donor 7 (US$ 7,000), Donor 6" in page and "Donor 3 (US$ 3,000), and other donors (US$ 3,000)" in page
    assert "Donor 2 " not in page and "Donor 1 " not in page


def test_the_funding_by_gap_and_donor_is_donor_figures_narrowed_to_each_gap(session):
    from tracker.contributions import rules as contributions
    from tracker.core.figures import donor_figures, donor_funding_by_gap
    from tracker.core.models import Gap

    one, two = factories.add_gap(session, "FIG-1"), factories.add_gap(session, "FIG-2")
    paid = factories.add_contribution(session, one, "1000.00", currency="EUR", rate="0.9", donor="Alpha")
    factories.add_payment(session, paid, "1000.00", rate="0.8")
    factories.add_contribution(session, one, "300.00", donor="Beta", status="pledged")
    factories.add_contribution(session, two, "200.00", donor="Alpha", status="paid")
    withdrawn = factories.add_contribution(session, two, "50.00", donor="Beta")
    contributions.cancel_contribution(session, withdrawn, "Withdrawn", withdrawn.version)
    factories.add_contribution(session, two, "70.00", donor="Beta")
    session.commit()
    found = donor_funding_by_gap(session, select(Gap.id), select(Donor.id))
    expected = {(gap.id, f.donor_id): f.funding_cents for gap in (one, two)
                for f in donor_figures(session, gap_codes=[gap.code])}
    assert found == expected and found[(one.id, paid.donor_id)] == 125_000
