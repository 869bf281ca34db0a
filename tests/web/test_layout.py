"""The layout promises that a test client can check: the stylesheet's rules for a 360 px screen
and for print, and pages whose controls carry the classes those rules hide. (How the pages look
in a real browser is checked by the browser tests.)"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import tracker
from tests import factories

STYLE = (Path(tracker.__file__).parent / "web" / "static" / "style.css").read_text()


def media_block(query: str) -> str:
    """The rules inside ``@media <query> { … }``, braces balanced."""
    start = STYLE.index("{", STYLE.index(f"@media {query}")) + 1
    depth, end = 1, start
    while depth:
        depth += {"{": 1, "}": -1}.get(STYLE[end], 0)
        end += 1
    return STYLE[start:end - 1]


def test_print_hides_navigation_and_controls_and_needs_no_background():
    rules = media_block("print")
    hidden = re.search(r"([^{}]*)\{\s*display:\s*none", rules).group(1)
    for selector in (".top", ".actions", ".row-actions", ".pager", "form", "button", ".flashes"):
        assert selector in [s.strip() for s in hidden.split(",")], selector
    assert re.search(r"body\s*\{[^}]*background:\s*#fff", rules)
    assert ".table-wrap { overflow: visible" in rules  # a printed table is never cut at the wrapper


def test_a_narrow_screen_stacks_forms_and_wraps_the_navigation():
    assert re.search(r"\.top ul \{[^}]*flex-wrap: wrap", STYLE)
    assert re.search(r"\.table-wrap \{[^}]*overflow-x: auto", STYLE)  # wide tables scroll in their box
    # … and hold their screen-reader-only text, which would otherwise widen the whole page
    assert re.search(r"\.table-wrap \{[^}]*position: relative", STYLE)
    assert ".row { grid-template-columns: 1fr; }" in media_block("(max-width: 40rem)")


def test_focus_is_always_visible():
    assert re.search(r":focus-visible \{ outline: 3px solid", STYLE)


@pytest.fixture
def gap_page(client, session):
    gap = factories.add_gap(session, "KHM-SME")
    factories.add_contribution(session, gap, "100.00")
    session.commit()
    return client.get("/gaps/KHM-SME").get_data(as_text=True)


def test_the_gap_page_puts_its_controls_where_print_hides_them(gap_page):
    assert re.search(r'<div class="actions">\s*<a class="button" href="/gaps/KHM-SME/contributions/new"', gap_page)
    assert '<td class="row-actions">' in gap_page and '<th scope="col" class="row-actions">' in gap_page


def test_scrolling_tables_can_be_reached_by_keyboard_and_are_named(gap_page):
    wrap = re.search(r'<div class="table-wrap"[^>]*>', gap_page).group(0)
    assert 'tabindex="0"' in wrap and 'role="region"' in wrap and 'aria-labelledby="contributions-caption"' in wrap
    assert '<caption id="contributions-caption">' in gap_page


def test_amounts_are_right_aligned_with_their_currency(gap_page):
    assert '<td data-label="Amount" class="num">100.00 USD</td>' in gap_page
    assert re.search(r'<th scope="col" class="num"[^>]*>\s*<a class="sort"[^>]*>Amount', gap_page)
    assert '<th scope="col" class="num">Funding (US$)</th>' in gap_page
