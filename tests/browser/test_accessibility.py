"""Every page passes axe-core with no serious or critical violation, works with the keyboard
alone, and shows where the focus is."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import AXE, sign_in
from tests.web.test_access import url_of

SERIOUS = {"serious", "critical"}
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({rule: v.id, impact: v.impact, help: v.help,
                                      where: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


def violations(page: Page) -> list[dict]:
    """axe-core's serious and critical findings on the page as it stands."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs axe-core with npm ci --prefix tests/browser")
    page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in SERIOUS]


#: GET routes that answer JSON to a page's script, or data, XML and images (open data, badges), not a page.
JSON = {"rates.rate_in_force", "iati.export", "iati.published", "public.gaps_json", "public.gaps_csv", "public.badge",
        "public.static"}


def pages(app, values) -> list[str]:
    """Every page a person opens: each GET route of the app, JSON and static files aside."""
    return sorted({url_of(app, rule, values) for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.endpoint.startswith(("api.", "static"))
                   and rule.endpoint not in JSON
                   and not rule.rule.endswith(".xlsx") and "token" not in rule.arguments})


@pytest.fixture
def values(people, session):
    from tests import factories
    from tracker.gaps import rules as gaps
    from tracker.rates import rules as rates

    made = factories.add_contribution(session, gaps.get_gap(session, "KHM-SME"), "90000.00", donor="Korea")
    factories.add_schedule(session, made, 3)
    paid_in = factories.add_payment(session, made, "10000.00")
    admin = factories.add_user(session, "admin@example.org", "admin")
    contact = factories.add_contact(session, made.donor)
    rate = rates.add_rate(session, "EUR", date(2026, 3, 1), Decimal("0.9"), "un-operational")
    factories.publish(session, "ILO-SP-KHM", named=("Government of Japan",))
    session.commit()
    return {"code": "KHM-AGRI", "gap": "KHM-AGRI", "programme": "ILO-SP-KHM",
            "contribution_id": made.id, "payment_id": paid_in.id, "donor_id": people["japan"],
            "reminder_id": 1, "user_id": admin.id, "contact_id": contact.id, "rate_id": rate.id,
            "name": "recompute", "filename": "style.css", "token": "no-such-upload"}


def test_every_page_passes_axe(app, open_tab, values):
    page = open_tab(bypass_csp=True)  # axe is injected as a script the page's CSP would refuse
    sign_in(page, "admin@example.org")
    found = {}
    for url in pages(app, values):
        response = page.goto(url)
        assert response.status == 200, url
        found[url] = violations(page)
    assert len(found) >= 15, sorted(found)  # every page was visited, not none
    assert {url: v for url, v in found.items() if v} == {}


def test_the_sign_in_page_a_form_with_errors_and_a_donors_view_pass_axe(open_tab, values):
    page = open_tab(bypass_csp=True)
    page.goto("/login")
    assert violations(page) == []
    page.get_by_role("button", name="Sign in").click()
    assert violations(page) == []
    sign_in(page, "officer@example.org")
    page.goto("/gaps/KHM-SME/contributions/new")
    page.get_by_role("button", name="Record contribution").click()
    expect(page.locator("#amount-error")).to_be_visible()
    assert violations(page) == []
    donor = open_tab(bypass_csp=True)
    sign_in(donor, "japan@example.org")
    for url in ("/", "/gaps/KHM-AGRI", f"/donors/{values['donor_id']}", "/no-such-page"):
        donor.goto(url)
        assert violations(donor) == [], url


def test_a_contribution_can_be_recorded_with_the_keyboard_alone(open_tab, people):
    page = open_tab()
    page.goto("/login")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.get_by_label("Email").focus()
    page.keyboard.type("officer@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery staple")
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    page.goto("/gaps/KHM-SME/contributions/new")
    page.get_by_label("New donor's name").focus()
    page.keyboard.type("New Zealand")
    for _ in range(3):  # type, country, then amount
        page.keyboard.press("Tab")
    expect(page.get_by_label("Amount")).to_be_focused()
    page.keyboard.type("5000")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("from New Zealand recorded")


def test_focus_is_visible(open_tab, people):
    page = open_tab()
    sign_in(page, "officer@example.org")
    page.keyboard.press("Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
