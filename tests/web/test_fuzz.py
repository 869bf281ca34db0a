"""The fuzz walk (issue 11): every route of the URL map, with every method, gets hostile values
and hypothesis-generated text in each parameter it takes — each path argument, each query
argument, each form field and file — as an editor (an administrator where the route needs
one; nobody for signing in), on both databases, through the real request path with CSRF on.
No response may be a 5xx.

Parameters are learned, not listed: path arguments from the rule, query arguments from what
the view asks ``request.args`` for, form fields from the page that shows the form
(``tests/pages.py``) and from the form classes the view builds. What is declared, in
:data:`ROUTES`, is only how to reach each route: which records its path names, who may use it,
which page shows its form and what makes that form valid (so that a value is also tried in a
post that gets as far as the ledger's rules). A route missing from :data:`ROUTES` fails
:func:`test_every_route_is_walked`.

Each parameter gets each of :data:`HOSTILE` (the value left out too), then a fixed number of
hypothesis examples per route and method (derandomized: every run tries the same ones).
"""
from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote, urlencode

import pytest
from argon2 import PasswordHasher
from flask import Request
from flask_wtf.file import FileRequired
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property
from wtforms.validators import DataRequired, InputRequired

from tests import factories
from tests.conftest import FormClient, hidden_fields, sign_in
from tests.fts import exports as fts_exports
from tests.imports import files
from tests.pages import form_posting_to
from tests.web.test_imports import submit, upload
from tracker.contributions import rules as contributions
from tracker.core.models import Reminder, User
from tracker.rates import rules as rates
from tracker.schedules import outbox
from tracker.users import passwords
from tracker.users import rules as users
from tracker.web import forms as web_forms

EDITOR, ADMIN, NOBODY = "editor", "admin", None

#: Values every parameter gets; None leaves the parameter out.
HOSTILE = [
    None, "", "0", "-1", " 1", "1e9", "²", "١٢", "3000000000", "99999999999999999999", "9" * 5000, "\x00", "\r\n",
    "x" * 10_000, "🎉",
]
#: More values of the same kinds, drawn by hypothesis among the generated ones.
MORE_HOSTILE = [
    "+1", "1.5", "1_0", "９", "2147483648", "a\x00b", "/\r\nSet-Cookie: fuzz=1", "\t", "\x1b[2J", "\x85", "\u202e",
    "\ufeff", "é", "<script>alert(1)</script>", "' OR '1'='1", "%00", "../../etc/passwd", "/\\evil.example",
    "//evil.example", "NaN", "-Infinity", "2026-02-30", "9999-12-31", " ",
]
#: Generated values per route and method, on top of HOSTILE for every parameter.
EXAMPLES = 20
TEXT = st.one_of(
    st.sampled_from(MORE_HOSTILE),
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.integers().map(str),
    st.from_regex(r"[0-9]{1,40}", fullmatch=True),
    st.text("0123456789.,-+eE ²١٢\x00\r\n", max_size=12),
)


@dataclass(frozen=True)
class Route:
    """How to reach one route. ``records`` names the world's record for a path argument where
    it is not the usual one; ``shown`` is the endpoint of the page that shows the form (default:
    the route itself); ``valid`` what the form needs besides what the page fills in, as format
    strings of the world's records; ``prepare`` builds the page itself when it is a step of a post."""

    role: str | None = EDITOR
    records: dict[str, str] = field(default_factory=dict)
    shown: str | None = None
    valid: dict[str, str] = field(default_factory=dict)
    prepare: Callable | None = None


def _merge_confirmation(browser, url: str, world: dict) -> str:
    """The merge's second step (both versions, ``confirmed``), as its first step shows it."""
    token = hidden_fields(browser.get(url).get_data(as_text=True))["csrf_token"]
    return browser.post(url, data={"csrf_token": token, "into": world["other_donor"]}).get_data(as_text=True)


ROUTES: dict[str, Route] = {
    "static": Route(),
    "dashboard.index": Route(),
    "api.gaps": Route(),
    "api.gap": Route(),
    "api.job_runs": Route(ADMIN),
    "gaps.new": Route(valid={"code": "FZ-NEW", "title": "Fuzzed", "programme": "TEST", "requirement": "1000"}),
    "gaps.show": Route(),
    "gaps.edit": Route(),
    "programmes.index": Route(),
    "portfolio.index": Route(),
    "programmes.show": Route(),
    "programmes.new": Route(valid={"code": "FZ-PROG", "name": "Fuzzed programme", "countries": "KH"}),
    "programmes.edit": Route(),
    "contributions.index": Route(),
    "contributions.new": Route(valid={"donor_id": "{donor}", "amount": "5"}),
    "contributions.show": Route(),
    "contributions.edit": Route(),
    "contributions.cancel": Route(records={"contribution_id": "unpaid"}, valid={"reason": "Withdrawn"}),
    "contributions.new_payment": Route(valid={"amount": "1"}),
    "contributions.edit_payment": Route(),
    "contributions.void_payment": Route(valid={"reason": "Typed twice"}),
    "schedules.show": Route(),
    "schedules.generate": Route(shown="schedules.show", valid={"count": "2", "first_due_date": "2030-01-31"}),
    "schedules.typed": Route(shown="schedules.show", valid={"lines": "2030-01-31 10"}),
    "schedules.write_off": Route(valid={"reason": "Given up", "confirm": "y"}),
    "outbox.index": Route(),
    "outbox.mark_sent": Route(shown="outbox.index"),
    "donors.index": Route(),
    "donors.show": Route(),
    "donors.edit": Route(),
    "donors.merge": Route(prepare=_merge_confirmation),
    "donors.new_contact": Route(valid={"name": "Fuzz Contact", "email": "fuzz@donor.example"}),
    "donors.edit_contact": Route(),
    "reports.index": Route(),
    "reports.status": Route(shown="reports.index"),
    "reports.contributions": Route(shown="reports.index"),
    "reports.statement_page": Route(),
    "reports.statement_workbook": Route(shown="reports.statement_page"),
    "iati.export": Route(),
    "iati.published": Route(),
    "imports.upload": Route(),
    "rates.index": Route(),
    "rates.add": Route(shown="rates.index", valid={"day": "2026-03-02", "rate": "0.9"}),
    "rates.import_table": Route(shown="rates.index", valid={"source": "ecb"}),
    "rates.correct": Route(valid={"reason": "Revised"}),
    "rates.rate_in_force": Route(),
    "imports.template": Route(),
    "imports.columns": Route(),
    "imports.done": Route(records={"token": "imported"}),
    "imports.skipped": Route(records={"token": "imported"}),
    "imports.progress": Route(records={"token": "imported"}),
    "fts.plans_page": Route(records={"token": "fts_upload"}, valid={"plan_0": "KHM-SME"}),
    "fts.done": Route(records={"token": "fts_upload"}),
    "auth.login": Route(NOBODY, valid={"email": "editor@example.org", "password": factories.PASSWORD}),
    "auth.logout": Route(shown="dashboard.index"),
    "auth.password": Route(),
    "admin.audit_trail": Route(ADMIN),
    "admin.users": Route(ADMIN),
    "admin.invite": Route(ADMIN, valid={"email": "fuzzed@example.org", "role": "viewer"}),
    "admin.user": Route(ADMIN),
    "admin.user_role": Route(ADMIN, shown="admin.user", valid={"role": "donor", "donor": "Norway"}),
    "admin.user_access": Route(ADMIN, shown="admin.user"),
    "admin.user_scope": Route(ADMIN, shown="admin.user", valid={"scope": "all"}),
    "admin.user_reset": Route(ADMIN, shown="admin.user"),
    "auth.link": Route(NOBODY, records={"token": "link"},
                       valid={"new_password": factories.PASSWORD, "confirm": factories.PASSWORD}),
    "jobs.index": Route(ADMIN),
    "jobs.run_now": Route(ADMIN, shown="jobs.index"),
    "public.page": Route(NOBODY),
    "public.embed": Route(NOBODY),
    "public.badge": Route(NOBODY),
    "public.gaps_json": Route(NOBODY),
    "public.gaps_csv": Route(NOBODY),
    "public.static": Route(NOBODY, records={"filename": "public_stylesheet"}),
}

#: The world's record each path argument names, unless the route says otherwise.
RECORDS = {"contribution_id": "contribution", "payment_id": "payment", "donor_id": "donor", "contact_id": "contact",
           "user_id": "user", "reminder_id": "reminder", "rate_id": "rate", "code": "gap", "gap": "gap",
           "programme": "programme",
           "token": "upload",
           "name": "job", "filename": "stylesheet"}
ARGUMENT = re.compile(r"<(?:[^<>:]+:)?(\w+)>")
CSV = files.csv_file(files.CLEAN)
REQUIRED = (InputRequired, DataRequired, FileRequired)


class _AskedArgs(ImmutableMultiDict):
    """Query arguments that remember each name a view asks for, present or not."""

    asked: set[str] = set()

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):
        self.asked.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self.asked.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        self.asked.add(key)
        return super().__contains__(key)


class AskingRequest(Request):
    @cached_property
    def args(self):
        return _AskedArgs(Request.args.fget(self))


@pytest.fixture
def world(app, session, client) -> dict[str, str]:
    """One of everything a route can name: a gap with a EUR contribution (a payment, a schedule,
    a reminder), a contribution without payments, two donors, an upload waiting for its
    columns and one imported."""
    gap = factories.add_gap(session, "KHM-SME")
    paid = factories.add_contribution(session, gap, "1000.00", currency="EUR", rate="0.9", donor="Sweden")
    payment = factories.add_payment(session, paid, "10.00", rate="0.9")
    factories.add_schedule(session, paid, 2, "quarterly", contributions.today() + timedelta(days=7))
    outbox.write_reminders(session, datetime.now(UTC), outbox.ReminderRules(14, 4, 7))
    unpaid = factories.add_contribution(session, gap, "50.00", donor="Norway", reference="NO-1")
    contact = factories.add_contact(session, paid.donor)
    factories.add_user(session, "admin@example.org", ADMIN)
    invited, link = users.invite_user(session, "invited@example.org", "viewer", None, 72)
    rate = rates.add_rate(session, "EUR", date(2026, 3, 1), Decimal("0.9"), "un-operational")
    made = {"rate": rate.id, "gap": gap.code, "programme": gap.programme.code,
            "contribution": paid.id, "unpaid": unpaid.id, "payment": payment.id,
            "user": invited.id, "link": link,
            "donor": paid.donor_id, "other_donor": unpaid.donor_id, "reminder": session.scalar(select(Reminder.id)),
            "contact": contact.id}
    session.commit()  # and no transaction left open: the app must be able to write (SQLite)
    forms = FormClient(client)
    imported = upload(forms, files.workbook(files.WITH_ERRORS))
    assert submit(forms, imported, "confirm", skip_invalid="y").status_code == 302
    return {**{name: str(value) for name, value in made.items()}, "job": "recompute", "stylesheet": "style.css",
            "public_stylesheet": "public.css",
            "upload": upload(forms, CSV, "pledges.csv").rsplit("/", 1)[1], "imported": imported.rsplit("/", 1)[1],
            "fts_upload": upload(forms, fts_exports.csv_file(), "fts.csv").rsplit("/", 1)[1]}


@pytest.fixture
def walker(app, session, world, monkeypatch):
    app.request_class = AskingRequest
    # The walk signs in hundreds of times: neither throttling nor argon2's cost is what it tests.
    app.config["LOGIN_MAX_FAILURES"] = 10**9
    quick = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", quick)
    monkeypatch.setattr(users, "_dummy_hash", lambda: quick.hash("no such account"))
    built: dict[str, bool] = {}  # the fields of the forms a request built: whether each is required
    original = web_forms.Form.process

    def process(form, *args, **kwargs):
        built.update({f.name: any(isinstance(v, REQUIRED) for v in f.validators) for f in form})
        return original(form, *args, **kwargs)

    monkeypatch.setattr(web_forms.Form, "process", process)
    return lambda endpoint: Walk(app, session, world, endpoint, built)


class Walk:
    """One route's walk: its baseline request, then one parameter at a time changed."""

    def __init__(self, app, session, world: dict[str, str], endpoint: str, built: dict[str, bool]):
        self.app, self.session, self.world, self.built = app, session, world, built
        self.route = ROUTES[endpoint]
        self.rule = next(app.url_map.iter_rules(endpoint))
        self.path_values = {name: world[self.route.records.get(name, RECORDS[name])] for name in self.rule.arguments}
        self.browser = app.test_client()
        self._sign_in()
        self._form: dict[str, str] | None = None
        self._query: dict[str, str] | None = None
        self._files: list[str] = []
        self._names: list[str] = []
        self._required: set[str] = {"csrf_token"}

    def _sign_in(self) -> None:
        if self.route.role is None:
            return
        self.session.expire_all()
        user = self.session.scalars(select(User).where(User.email == f"{self.route.role}@example.org")).one()
        self.session.expunge(user)  # as read now: the rollback expires nothing of it
        self.session.rollback()  # no transaction left open: the app must be able to write (SQLite)
        sign_in(self.browser, user)

    def url(self, changed: dict[str, str] | None = None) -> str:
        values = {**self.path_values, **(changed or {})}
        return ARGUMENT.sub(lambda found: quote(values[found.group(1)], safe=""), self.rule.rule)

    def _shown_page(self) -> tuple[str, str]:
        if self.route.prepare is not None:
            return self.url(), self.route.prepare(self.browser, self.url(), self.world)
        shown = self.url() if self.route.shown is None else self._url_of(self.route.shown)
        with self.browser.get(shown) as response:
            return shown, response.get_data(as_text=True) if response.mimetype == "text/html" else ""

    def _url_of(self, endpoint: str) -> str:
        rule = next(self.app.url_map.iter_rules(endpoint))
        return ARGUMENT.sub(lambda found: quote(self.path_values[found.group(1)], safe=""), rule.rule)

    def query(self) -> dict[str, str]:
        """What the page's search or filter form sends to a GET route as shown (nothing without one)."""
        if self._query is None:
            page_url, page = self._shown_page()
            shown = form_posting_to(page, self.url(), page_url, method="GET")
            self._query = {} if shown is None else shown.values
        return self._query

    def form(self, first: bool = False) -> dict[str, str]:
        """What the page's form sends, made valid; read again after a post that changed something."""
        if self._form is None:
            page_url, page = self._shown_page()
            shown = form_posting_to(page, self.url(), page_url)
            assert shown is not None or not first, f"no form posting to {self.url()} on {page_url}"
            if shown is None:  # the record moved on (cancelled, merged …): the CSRF token still goes
                self._form = {"csrf_token": hidden_fields(self.browser.get("/").get_data(as_text=True))
                              .get("csrf_token", "")}
                return self._form
            valid = {name: value.format(**self.world) for name, value in self.route.valid.items()}
            pressed = dict(list(shown.buttons.items())[:1])
            self._form = {**shown.values, **valid, **pressed}
            self._files = shown.files
            self._names = [*shown.names, *shown.files]
        return self._form

    def slots(self, method: str) -> list[tuple[str, str]]:
        """Every parameter of this route and method, learned from a first, valid request."""
        _AskedArgs.asked = set()
        self.built.clear()
        sent = dict(self.form(first=True)) if method == "POST" else {}
        self.send(method)
        found = [("path", name) for name in self.rule.arguments]
        found += [("query", name) for name in sorted(_AskedArgs.asked)]
        if method == "POST":
            self._required |= {name for name, required in self.built.items() if required}
            names = dict.fromkeys([*self._names, *self.built, *sent])
            found += [("form", name) for name in names if name not in self._files]
            found += [("file", name) for name in self._files]
        return found

    def send(self, method: str, slot: tuple[str, str] | None = None, value: str | None = None) -> None:
        kind, name = slot or ("", "")
        if kind == "path" and value is None:
            return  # an address always has its parts
        url = self.url({name: value} if kind == "path" else None)
        query = dict(self.query()) if method == "GET" else {}
        if kind == "query":
            query.pop(name, None)
            if value is not None:
                query[name] = value
        if query:
            url += "?" + urlencode(query)
        if method != "POST":
            self._answered(self.browser.open(url, method=method), method, url, slot, value)
            return
        data = dict(self.form())
        if kind == "form":
            data.pop(name, None)
            if value is not None:
                data[name] = value
        for upload_field in self._files:
            if (kind, name) != ("file", upload_field) or value is not None:
                filename = value if (kind, name) == ("file", upload_field) else "pledges.csv"
                data[upload_field] = (io.BytesIO(CSV), filename)
        self._answered(self.browser.post(url, data=data), method, url, slot, value)

    def _answered(self, response, method, url, slot, value) -> None:
        response.close()  # a download streams: closing it ends the request and its database session
        where = f"{method} {url[:200]} with {slot}={value!r:.80}" if slot else f"{method} {url[:200]}"
        assert response.status_code < 500, f"{where} answered {response.status_code}"
        if value is None and slot is not None and slot[0] in {"form", "file"} and slot[1] in self._required:
            assert response.status_code >= 400, f"{where}: a required field left out, answered {response.status_code}"
        if 300 <= response.status_code < 400:
            self._form = None  # something was saved, or the form moved on: read it again
            if response.headers.get("Location", "").startswith("/login"):
                self._sign_in()


def test_every_route_is_walked(app):
    """A new route must be added to ROUTES (with what reaching it needs) to be walked."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - ROUTES.keys() == set(), "routes the fuzz walk does not know"
    assert ROUTES.keys() - endpoints == set(), "ROUTES names routes that no longer exist"


WALKED = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None)


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_no_malformed_value_answers_a_server_error(walker, endpoint):
    walk = walker(endpoint)
    for method in sorted(walk.rule.methods):
        if method in {"HEAD", "OPTIONS"}:
            walk.send(method)
            continue
        slots = walk.slots(method)
        for slot in slots:
            for value in HOSTILE:
                walk.send(method, slot, value)
        if not slots:
            continue

        @WALKED
        @given(slot=st.sampled_from(slots), value=TEXT)
        def generated(slot, value):
            walk.send(method, slot, value)

        generated()
