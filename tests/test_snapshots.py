"""The recompute job's snapshots: one when a figure changed, one per gap per day, the trend they draw."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from tests import factories
from tracker.core.figures import gap_figures
from tracker.core.models import GapSnapshot
from tracker.gaps import snapshots

MORNING = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def snapshot_count(session, gap=None) -> int:
    query = select(func.count()).select_from(GapSnapshot)
    return session.scalar(query.where(GapSnapshot.gap_id == gap.id) if gap else query)


def test_a_snapshot_when_figures_change_and_one_per_day(session):
    sme = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    agri = factories.add_gap(session, "KHM-AGRI", requirement="15000000.00")
    session.commit()
    assert snapshots.record_snapshots(session, MORNING) == 2
    assert snapshots.record_snapshots(session, MORNING + timedelta(minutes=15)) == 0  # nothing moved
    factories.add_contribution(session, sme, "250000.00")
    assert snapshots.record_snapshots(session, MORNING + timedelta(minutes=30)) == 1
    assert (snapshot_count(session, sme), snapshot_count(session, agri)) == (2, 1)
    assert snapshots.record_snapshots(session, MORNING + timedelta(days=1)) == 2  # the daily one
    session.commit()


def test_snapshots_hold_what_the_figures_module_computes(session):
    gap = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    factories.add_contribution(session, gap, "1000000", currency="JPY", rate="150")
    factories.add_contribution(session, gap, "100.10", status="pledged")
    session.commit()
    snapshots.record_snapshots(session, MORNING)
    [(taken_at, recorded)] = snapshots.history(session, gap)
    assert recorded == gap_figures(session)[0]


def test_the_gap_page_draws_the_trend_as_svg_without_inline_styles(client, session):
    gap = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    session.commit()
    snapshots.record_snapshots(session, MORNING)
    factories.add_contribution(session, gap, "250000.00")
    snapshots.record_snapshots(session, MORNING + timedelta(days=3))
    session.commit()
    page = client.get("/gaps/KHM-SME").get_data(as_text=True)
    svg = re.search(r'<figure class="trend">.*?</figure>', page, re.S).group(0)
    assert [cls for cls in re.findall(r'<polyline class="(\w+)"', svg)] == ["requirement", "funding", "shortfall"]
    assert "the shortfall went from US$ 720,000.00 to US$ 470,000.00" in svg
    assert "(2 snapshots)" in svg
    assert "style=" not in page and "<script>" not in page


def test_a_gap_without_history_says_so(client, session):
    factories.add_gap(session, "KHM-SME")
    session.commit()
    assert "No history yet" in client.get("/gaps/KHM-SME").get_data(as_text=True)


def test_one_snapshot_reads_as_one_and_a_figure_that_did_not_move_stayed(session):
    from tracker.gaps.trend import trend

    gap = factories.add_gap(session, "KHM-SME", requirement="720000.00")
    session.commit()
    snapshots.record_snapshots(session, MORNING)
    assert trend(snapshots.history(session, gap)).summary == (
        "On 2026-06-01 (1 snapshot): funding US$ 0.00, the shortfall US$ 720,000.00, "
        "against a requirement of US$ 720,000.00.")
    snapshots.record_snapshots(session, MORNING + timedelta(days=1))  # the daily one, nothing moved
    assert trend(snapshots.history(session, gap)).summary == (
        "From 2026-06-01 to 2026-06-02 (2 snapshots): funding stayed at US$ 0.00, the shortfall stayed at "
        "US$ 720,000.00, against a requirement of US$ 720,000.00.")
