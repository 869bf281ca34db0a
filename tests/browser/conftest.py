"""Real Chromium against a live server, on SQLite and on PostgreSQL.

Playwright drives Debian's Chromium (it cannot download its own browsers here); the app runs
on a threaded werkzeug server in this process (``live_server``). Pages are found the way a
person finds them: by labels, roles and visible text.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests import factories
from tracker.gaps import seed

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-default-apps", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/ensure-system-packages installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def cambodia(session):
    """The first customer's two gaps, as a new installation has them."""
    seed.load_seed(session, "ilo-cambodia")
    session.commit()


@pytest.fixture
def people(session, cambodia):
    """An editor, and a donor user for each of two donors with a contribution each."""

    from tracker.gaps import rules as gaps

    agri = gaps.get_gap(session, "KHM-AGRI")
    japan = factories.add_contribution(session, agri, "2000000", currency="JPY", rate="150",
                                       donor="Government of Japan",
                                       reference="JP-2026-01")
    sweden = factories.add_contribution(session, agri, "150000.00", donor="Sweden", reference="SE-2026-07",
                                        status="pledged")
    factories.add_user(session, "officer@example.org", "editor")
    factories.add_user(session, "japan@example.org", "donor", japan.donor_id)
    session.commit()
    return {"japan": japan.donor_id, "sweden": sweden.donor_id}


def _context(browser: Browser, base_url: str, **options) -> BrowserContext:
    context = browser.new_context(base_url=base_url, accept_downloads=True, **options)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def open_tab(browser, live_server) -> Iterator:
    """``open_tab()``: a new browser window (its own cookies) on the live server."""
    contexts: list[BrowserContext] = []

    def opened(**options) -> Page:
        context = _context(browser, live_server, **options)
        contexts.append(context)
        page = context.new_page()
        page.csp_errors = []
        page.on("console", lambda message: "Content Security Policy" in message.text
                and page.csp_errors.append(message.text))
        return page

    yield opened
    for context in contexts:
        context.close()


def sign_in(page: Page, email: str, password: str = factories.PASSWORD) -> None:
    """Sign in through the form, by its labels, as a person would."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


@contextmanager
def host_site(live_server: str, width: int = 280) -> Iterator[str]:
    """Another site (a server of its own on 127.0.0.1: another origin, and local, as Chromium
    wants for a frame of a local server) whose page frames the embed ``width`` px wide."""
    html = (f'<!doctype html><html lang="en"><title>Host</title><main><h1>Support us</h1>'
            f'<iframe title="Funding gaps" src="{live_server}/p/ILO-SP-KHM/embed" width="{width}" height="1500">'
            f'</iframe></main></html>').encode()

    class Host(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Host)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
