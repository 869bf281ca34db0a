"""The public page and the embed in Chromium: readable at phone and laptop widths (the embed
from 280 px, framed by an allowed site), axe-core clean, and refused to a site not allowed."""
from __future__ import annotations

import pytest

from tests import factories
from tests.browser.conftest import host_site
from tests.browser.test_accessibility import violations


@pytest.fixture
def published(session, people):
    factories.publish(session, "ILO-SP-KHM", named=("Government of Japan",))
    session.commit()


def _fits(page_or_frame) -> bool:
    """Nothing wider than the viewport: no sideways scrolling."""
    return page_or_frame.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("url", ["/p/ILO-SP-KHM", "/p/ILO-SP-KHM/embed"])
def test_the_public_page_and_the_embed_read_well_and_pass_axe(open_tab, published, width, url):
    page = open_tab(bypass_csp=True, viewport={"width": width, "height": 800})  # axe is an injected script
    assert page.goto(url).status == 200
    assert page.get_by_role("heading", name="Funding gaps").is_visible()
    assert page.get_by_text("Government of Japan").first.is_visible()
    assert page.locator("progress").count() == 2 and _fits(page)
    assert violations(page) == []


def test_an_allowed_site_frames_the_embed_at_280_px(app, open_tab, published, live_server):
    with host_site(live_server) as origin:
        app.config["TRACKER_EMBED_ORIGINS"] = origin
        page = open_tab(viewport={"width": 400, "height": 1000})
        page.goto(f"{origin}/support")
        frame = page.frame_locator("iframe")
        frame.get_by_role("heading", name="Funding gaps").wait_for()
        assert frame.get_by_text("US$ 15,000,000").is_visible()
        embedded = next(f for f in page.frames if f.url.endswith("/embed"))
        assert _fits(embedded) and embedded.evaluate("() => window.innerWidth") == 280


def test_a_site_not_allowed_cannot_frame_the_embed(app, open_tab, published, live_server):
    with host_site(live_server) as origin:
        app.config["TRACKER_EMBED_ORIGINS"] = "https://www.ilo.org"
        page = open_tab()
        page.goto(f"{origin}/support")
        page.wait_for_timeout(500)
        embedded = [f for f in page.frames if f != page.main_frame]
        assert embedded and "Funding gaps" not in embedded[0].content()
