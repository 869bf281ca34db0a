"""``make screenshots``: PNGs of the main pages at laptop and phone widths, for review without
running the app. Builds a throwaway SQLite database with the Cambodia gaps and a few
example contributions, serves it, and photographs each page in Debian's Chromium.

Usage: ``python -m tests.browser.screenshots [FOLDER]`` (default: docs/screenshots).
"""
from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests import factories
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, host_site, sign_in
from tests.serving import serving, throwaway_app
from tracker.core import db
from tracker.gaps import rules as gaps
from tracker.gaps import seed

WIDTHS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}
PAGES = {
    "dashboard": "/",
    "gap": "/gaps/KHM-AGRI",
    "record-contribution": "/gaps/KHM-AGRI/contributions/new",
    "contribution": "/contributions/1",
    "contributions": "/contributions",
    "schedule": "/contributions/1/schedule",
    "donors": "/donors",
    "portfolio": "/portfolio",
}
#: Pages seen signed out.
PUBLIC_PAGES = {"public-page": "/p/ILO-SP-KHM", "public-embed": "/p/ILO-SP-KHM/embed"}


def example_ledger() -> None:
    """What a programme has after a few months: commitments, a pledge, payments, a schedule."""
    with db.writing() as session:
        seed.load_seed(session, "ilo-cambodia")
        agri, sme = gaps.get_gap(session, "KHM-AGRI"), gaps.get_gap(session, "KHM-SME")
        eu = factories.add_contribution(session, agri, "1000000.00", currency="EUR", rate="0.92",
                                        donor="Example Donor: European Union", reference="EU-2026-11")
        factories.add_schedule(session, eu, 4, first_due=date.today() + timedelta(days=20))
        factories.add_payment(session, eu, "250000.00", rate="0.91", received=date.today() - timedelta(days=3))
        japan = factories.add_contribution(session, sme, "30000000", currency="JPY", rate="150",
                                           donor="Example Donor: Japan", reference="JP-2026-01")
        factories.add_payment(session, japan, "30000000", rate="152", received=date.today() - timedelta(days=40))
        factories.add_contribution(session, sme, "120000.00", donor="Example Donor: Australia", status="pledged")
        factories.add_contribution(session, agri, "2500000.00", donor="Example Donor: World Bank",
                                   status="pledged", reference="WB-PIPE-3")
        factories.add_user(session, "officer@example.org", "editor")
        factories.publish(session, "ILO-SP-KHM", named=("Example Donor: Japan", "Example Donor: European Union"))


def photograph_public(browser, base_url: str, folder: Path, app) -> list[Path]:
    """The public page and the embed, signed out, at both widths; the embed framed 280 px wide by
    another site (which the setting then allows)."""
    saved = []
    for device, viewport in WIDTHS.items():
        context = browser.new_context(base_url=base_url, viewport=viewport, device_scale_factor=1)
        page = context.new_page()
        for name, url in PUBLIC_PAGES.items():
            page.goto(url)
            saved.append(folder / f"{name}-{device}.png")
            page.screenshot(path=str(saved[-1]), full_page=True)
        context.close()
    with host_site(base_url) as origin:
        app.config["TRACKER_EMBED_ORIGINS"] = origin
        context = browser.new_context(viewport={"width": 360, "height": 1000}, device_scale_factor=1)
        page = context.new_page()
        page.goto(f"{origin}/support")
        page.frame_locator("iframe").get_by_role("heading", name="Funding gaps").wait_for()
        saved.append(folder / "public-embed-framed-280.png")
        page.screenshot(path=str(saved[-1]), full_page=True)
        context.close()
    return saved


def photograph(base_url: str, folder: Path, app) -> list[Path]:
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        saved += photograph_public(browser, base_url, folder, app)
        for device, viewport in WIDTHS.items():
            context = browser.new_context(base_url=base_url, viewport=viewport, device_scale_factor=1)
            page = context.new_page()
            sign_in(page, "officer@example.org")
            for name, url in PAGES.items():
                page.goto(url)
                path = folder / f"{name}-{device}.png"
                page.screenshot(path=str(path), full_page=True)
                saved.append(path)
            context.close()
        browser.close()
    return saved


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "docs/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    with throwaway_app("screens") as app:
        example_ledger()
        with serving(app, quiet=True) as url:
            saved = photograph(url, folder, app)
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
