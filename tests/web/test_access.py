"""Who may use what: every URL rule of the app, walked for every kind of visitor.

A route added without an entry here fails ``test_every_route_is_in_the_table`` until its
rule is declared (in the view, with ``tracker.web.access.allow``) and recorded here.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tests import factories
from tracker.schedules import outbox
from tracker.web.access import PUBLIC, rule_of

VISITORS = ("anonymous", "donor_a", "donor_b", "viewer", "editor", "admin", "scoped_viewer", "scoped_editor")

SIGNED_IN = dict(anonymous=302, donor_a=200, donor_b=200, viewer=200, editor=200, admin=200)
STAFF = dict(anonymous=302, donor_a=403, donor_b=403, viewer=200, editor=200, admin=200)
EDITORS = dict(anonymous=302, donor_a=403, donor_b=403, viewer=403, editor=200, admin=200)
ADMINS = dict(anonymous=302, donor_a=403, donor_b=403, viewer=403, editor=403, admin=200)
DONOR_A_OWN = dict(anonymous=302, donor_a=200, donor_b=404, viewer=200, editor=200, admin=200)
EVERYONE = dict.fromkeys(VISITORS, 200)
#: A POST with an empty form: refused before it is read (302/403), or read and found wanting.
EDITORS_POST = dict(EDITORS, editor=400, admin=400)
ADMINS_POST = dict(ADMINS, admin=400)

#: endpoint → expected status per visitor (GET, or POST for POST-only routes).
EXPECTED = {
    "static": EVERYONE,
    "auth.login": EVERYONE,
    "auth.logout": dict(SIGNED_IN, donor_a=302, donor_b=302, viewer=302, editor=302, admin=302),
    "auth.password": SIGNED_IN,
    "dashboard.index": SIGNED_IN,
    "gaps.show": SIGNED_IN,
    "gaps.new": EDITORS,
    "gaps.edit": EDITORS,
    "programmes.index": STAFF,
    "portfolio.index": STAFF,
    "programmes.show": STAFF,
    "programmes.new": EDITORS,
    "programmes.edit": EDITORS,
    "contributions.index": STAFF,
    "contributions.show": DONOR_A_OWN,
    "contributions.new": EDITORS,
    "contributions.edit": EDITORS,
    "contributions.cancel": EDITORS,
    "contributions.new_payment": EDITORS,
    "contributions.edit_payment": EDITORS,
    "contributions.void_payment": EDITORS,
    "donors.index": STAFF,
    "donors.show": DONOR_A_OWN,
    "donors.edit": EDITORS,
    "donors.merge": EDITORS,
    "donors.new_contact": EDITORS,
    "donors.edit_contact": EDITORS,
    "api.gaps": dict(SIGNED_IN, anonymous=401),
    "api.gap": dict(SIGNED_IN, anonymous=401),
    "schedules.show": DONOR_A_OWN,  # a donor user reads its own schedules
    "schedules.generate": EDITORS_POST,
    "schedules.typed": EDITORS_POST,
    "schedules.write_off": EDITORS,
    "outbox.index": STAFF,
    "outbox.mark_sent": dict(EDITORS, editor=404, admin=404),  # no reminder 1 here
    "jobs.index": ADMINS,
    "jobs.run_now": dict(ADMINS, admin=302),
    "api.job_runs": dict(ADMINS, anonymous=401),
    "reports.index": STAFF,
    "reports.status": STAFF,
    "reports.contributions": STAFF,
    "reports.statement_page": DONOR_A_OWN,
    "reports.statement_workbook": DONOR_A_OWN,
    "iati.export": STAFF,
    "iati.published": EVERYONE,  # the world's gap and programme are published
    "imports.upload": EDITORS,
    "rates.index": STAFF,
    "rates.add": EDITORS_POST,
    "rates.import_table": EDITORS_POST,
    "rates.correct": dict(EDITORS, editor=404, admin=404),  # no rate 1 here
    "rates.rate_in_force": dict(STAFF, viewer=400, editor=400, admin=400),  # no currency or date asked for
    "imports.template": EDITORS,
    "imports.columns": dict(EDITORS, editor=404, admin=404),  # no upload with this token
    "imports.done": dict(EDITORS, editor=404, admin=404),
    "imports.progress": dict(EDITORS, editor=404, admin=404),
    "imports.skipped": dict(EDITORS, editor=404, admin=404),
    "fts.plans_page": dict(EDITORS, editor=404, admin=404),
    "fts.done": dict(EDITORS, editor=404, admin=404),
    "admin.audit_trail": ADMINS,
    "admin.users": ADMINS,
    "admin.invite": ADMINS,
    "admin.user": ADMINS,
    "admin.user_role": ADMINS_POST,
    "admin.user_scope": ADMINS_POST,
    "admin.user_access": ADMINS_POST,
    "admin.user_reset": ADMINS_POST,
    "auth.link": dict.fromkeys(VISITORS, 404),  # no link has this token
    # The public face: the world's gap and programme are published, so everyone reads them.
    "public.page": EVERYONE,
    "public.embed": EVERYONE,
    "public.badge": EVERYONE,
    "public.gaps_json": EVERYONE,
    "public.gaps_csv": EVERYONE,
    "public.static": dict.fromkeys(VISITORS, 404),  # style.css is the app's; the public one is public.css
}
#: An editor or viewer limited to the world's programme may do what an unscoped one may with
#: its records, but not what concerns every programme.
EXPECTED = {endpoint: {"scoped_viewer": wanted["viewer"], "scoped_editor": wanted["editor"], **wanted}
            for endpoint, wanted in EXPECTED.items()}
EXPECTED["programmes.new"]["scoped_editor"] = 403
EXPECTED["donors.merge"]["scoped_editor"] = 403


@pytest.fixture
def world(session):
    """A gap with one contribution from donor A and one from donor B; URL values point at A's."""
    gap = factories.add_gap(session, "KHM-SME", published=True)
    gap.programme.published = True
    own = factories.add_contribution(session, gap, "100.00", donor="Donor A")
    other = factories.add_contribution(session, gap, "200.00", donor="Donor B")
    paid_in = factories.add_payment(session, own, "10.00")
    contact = factories.add_contact(session, own.donor)
    someone = factories.add_user(session, "someone@example.org", "viewer")
    session.commit()
    return {"code": gap.code, "gap": gap.code, "programme": gap.programme.code,
            "contribution_id": own.id, "payment_id": paid_in.id, "contact_id": contact.id,
            "user_id": someone.id,
            "donor_id": own.donor_id, "filename": "style.css",
            "reminder_id": 1, "rate_id": 1, "name": "recompute", "token": "no-such-upload",
            "donor_a": own.donor_id, "donor_b": other.donor_id}


@pytest.fixture
def elsewhere(session, world):
    """Another programme's gap, with a contribution from donor C (who gave nothing to the world's
    programme) paid in part and planned in instalments; URL values point at its records."""
    gap = factories.add_gap(session, "LAO-FAR", programme="FAR", country="LA")
    far = factories.add_contribution(session, gap, "700.00", donor="Donor C")
    paid_in = factories.add_payment(session, far, "70.00")
    factories.add_schedule(session, far, 2)
    session.commit()
    return {**world, "code": gap.code, "programme": gap.programme.code, "contribution_id": far.id,
            "payment_id": paid_in.id, "donor_id": far.donor_id}


@pytest.fixture
def visitors(app, anonymous, client_as, world, session):
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF has its own test; here only the access rules speak
    return {
        "anonymous": anonymous,
        "donor_a": client_as("donor", world["donor_a"]),
        "donor_b": client_as("donor", world["donor_b"]),
        "viewer": client_as("viewer"),
        "editor": client_as("editor"),
        "admin": client_as("admin"),
        "scoped_viewer": client_as("viewer", email="scoped.viewer@example.org", programmes=[world["programme"]]),
        "scoped_editor": client_as("editor", email="scoped.editor@example.org", programmes=[world["programme"]]),
    }


def rules(app):
    """Every rule; signing out last, since it ends the visitor's session."""
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint == "auth.logout", r.endpoint))


def url_of(app, rule, values) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})


def test_every_route_is_in_the_table(app):
    assert {rule.endpoint for rule in rules(app)} == set(EXPECTED)


def test_every_view_declares_who_may_use_it(app):
    assert len(app.view_functions) > 30
    from tracker.web.access import STATIC_ENDPOINTS

    undeclared = [name for name, view in app.view_functions.items()
                  if name not in STATIC_ENDPOINTS and rule_of(view) is None]
    assert undeclared == []


def test_each_visitor_gets_what_its_role_allows(app, visitors, world):
    found, wanted = {}, {}
    for rule in rules(app):
        url = url_of(app, rule, world)
        method = "get" if "GET" in rule.methods else "post"
        for name in VISITORS:
            response = getattr(visitors[name], method)(url)
            found[(rule.endpoint, name)] = response.status_code
            wanted[(rule.endpoint, name)] = EXPECTED[rule.endpoint][name]
            if name == "anonymous" and response.status_code == 302:
                assert "/login" in response.headers["Location"]
    assert {k: v for k, v in found.items() if v != wanted[k]} == {}


#: The pages of one record of a programme: to a user limited to another, it is not there.
ELSEWHERE = {"gaps.show", "gaps.edit", "programmes.show", "programmes.edit", "contributions.show",
             "contributions.edit", "contributions.cancel", "contributions.new", "contributions.new_payment",
             "contributions.edit_payment", "contributions.void_payment", "schedules.show", "schedules.generate",
             "schedules.typed", "schedules.write_off", "api.gap"}


def test_a_scoped_user_finds_nothing_of_another_programme(app, visitors, elsewhere):
    found, wanted = {}, {}
    for rule in rules(app):
        if rule.endpoint not in ELSEWHERE:
            continue
        url = url_of(app, rule, elsewhere)
        method = "get" if "GET" in rule.methods else "post"
        for name in ("scoped_viewer", "scoped_editor", "viewer", "editor"):
            found[(rule.endpoint, name)] = getattr(visitors[name], method)(url).status_code
            wanted[(rule.endpoint, name)] = (EXPECTED[rule.endpoint][name] if not name.startswith("scoped")
                                             else 404 if may_use(app, name, rule.endpoint) else 403)
    assert {k: v for k, v in found.items() if v != wanted[k]} == {}


def test_a_donor_sees_only_its_own_contributions_on_a_gap(visitors, world):
    page = visitors["donor_a"].get(f"/gaps/{world['code']}").get_data(as_text=True)
    assert "Donor A" in page and "Donor B" not in page
    assert "100.00" in page and "300.00" in page  # its own line, and the gap's public total funding


def test_anonymous_visitors_reach_the_public_list_and_nothing_else(app, visitors):
    """Signed out, a route answers without sending to the sign-in page only when it is on the list."""
    from tracker.web.access import PUBLIC_ENDPOINTS, STATIC_ENDPOINTS

    open_to_all = {endpoint for endpoint, expected in EXPECTED.items() if expected["anonymous"] not in (302, 401)}
    assert open_to_all == PUBLIC_ENDPOINTS | STATIC_ENDPOINTS


def test_refusals_are_logged(visitors, world, caplog):
    visitors["viewer"].get("/gaps/new")
    assert any("Refused GET /gaps/new" in record.getMessage() for record in caplog.records)


# Every page, for every role: no form, button or link that the viewer cannot use.

ROLES = {"anonymous": None, "donor_a": "donor", "donor_b": "donor", "viewer": "viewer", "editor": "editor",
         "admin": "admin", "scoped_viewer": "viewer", "scoped_editor": "editor"}


class Targets(HTMLParser):
    """What a page offers: each form's (method, target) (a button's ``formaction`` too), each link."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.forms: list[tuple[str, str]] = []
        self.links: list[str] = []
        self._method = None

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "form":
            self._method = (found.get("method") or "get").upper()
            self.forms.append((self._method, found.get("action") or self.page_path))
        elif tag in ("button", "input") and found.get("formaction") and self._method:
            self.forms.append((self._method, found["formaction"]))
        elif tag == "a" and found.get("href"):
            self.links.append(found["href"])


def offered(page: str, page_path: str) -> Targets:
    targets = Targets(page_path)
    targets.feed(page)
    return targets


def endpoint_of(app, url: str, method: str) -> str | None:
    """The endpoint a same-site URL reaches with ``method`` (None for another site or an anchor)."""
    parts = urlsplit(url)
    if parts.netloc or not parts.path.startswith("/"):
        return None
    try:
        return app.url_map.bind("localhost").match(parts.path, method=method)[0]
    except (NotFound, MethodNotAllowed):
        return "(no such page)"


def may_use(app, visitor: str, endpoint: str) -> bool:
    rule = rule_of(app.view_functions.get(endpoint))
    return rule is PUBLIC or (rule is not None and ROLES[visitor] in rule)


@pytest.fixture
def full_world(session, world):
    """The world with what makes the pages show all their controls: donor A's contribution
    planned in instalments, one due soon with its reminder in the outbox."""
    from tracker.core.models import Contribution

    own = session.get(Contribution, world["contribution_id"])
    factories.add_schedule(session, own, 2, first_due=datetime.now(UTC).date() + timedelta(days=3))
    outbox.write_reminders(session, datetime.now(UTC), outbox.ReminderRules(14, 3, 7))
    session.commit()
    return world


def pages_of(app, values) -> list[str]:
    """Every page a person opens (each GET route but the static files), signing out aside."""
    return sorted({url_of(app, rule, values) for rule in rules(app)
                   if "GET" in rule.methods and rule.endpoint != "static"})


def unusable(app, name: str, client, targets: Targets, opened: dict[str, int]) -> list[str]:
    """What a page offers ``name`` that it cannot use: a form whose post its role may not send,
    a link its role may not follow or that answers 403 or 404 (another donor's record).
    ``opened`` keeps the status of each link followed, so that each is followed once."""
    found = [f"{method} form to {target}" for method, target in targets.forms
             if (endpoint := endpoint_of(app, target, method)) is not None and not may_use(app, name, endpoint)]
    for link in targets.links:
        endpoint = endpoint_of(app, link, "GET")
        if endpoint is None:
            continue
        if link not in opened:
            opened[link] = client.get(link).status_code
        signs_in_first = name == "anonymous" and opened[link] == 302  # the sign-in page, then the page
        if opened[link] in (403, 404) or not (signs_in_first or may_use(app, name, endpoint)):
            found.append(f"link to {link} ({opened[link]})")
    return found


def test_no_page_offers_a_role_a_form_or_link_it_cannot_use(app, visitors, full_world):
    """A viewer is shown no Generate button, a donor user no Edit link: whatever a page offers,
    posting the form or following the link would not answer 403 (nor 404: another donor's)."""
    refused, seen = [], 0
    for name in VISITORS:
        opened = {}
        for url in pages_of(app, full_world):
            response = visitors[name].get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            seen += 1
            targets = offered(response.get_data(as_text=True), urlsplit(url).path)
            refused += [(name, url, what) for what in unusable(app, name, visitors[name], targets, opened)]
    assert seen > 60  # every role saw its pages, not only the sign-in page
    assert refused == []


def test_the_walk_finds_a_form_shown_to_a_role_that_may_not_post_it(app):
    """The check above, shown to bite: the schedule's Generate form as a viewer would have seen it."""
    page = '<form method="post" action="/contributions/1/schedule"><button>Generate</button></form>'
    method, target = offered(page, "/contributions/1/schedule").forms[0]
    assert not may_use(app, "viewer", endpoint_of(app, target, method))
    assert may_use(app, "editor", endpoint_of(app, target, method))
