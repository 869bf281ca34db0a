"""The dashboard chart's geometry: largest shortfall first, one scale for every bar, bands that
add up to each gap's money, and only the top gaps when there are many."""
from __future__ import annotations

from decimal import Decimal

from tracker.core.figures import GapFigures
from tracker.gaps.shortfalls import shortfall_chart


def gap(code: str, requirement: int, funding: int = 0, pledged: int = 0) -> GapFigures:
    """Figures in whole dollars, for readability."""
    return GapFigures(0, code, f"Gap {code}", "open", requirement * 100, funding * 100, pledged * 100, 0, 0, 1)


def test_bars_come_largest_shortfall_first():
    chart = shortfall_chart([gap("A", 100, 90), gap("B", 1000, 100), gap("C", 500)])
    assert [bar.figures.code for bar in chart.bars] == ["B", "C", "A"]


def test_bars_share_one_scale_whose_full_width_is_the_largest_bar():
    chart = shortfall_chart([gap("BIG", 1000, 250, 250), gap("SMALL", 100)])
    big, small = chart.bars
    assert chart.full_width_usd == Decimal("1000.00")
    assert (big.funded_pct, big.pledged_pct, big.missing_pct) == (Decimal(25), Decimal(25), Decimal(50))
    assert (big.pledged_x_pct, big.missing_x_pct) == (Decimal(25), Decimal(50))
    assert (small.funded_pct, small.pledged_pct, small.missing_pct) == (Decimal(0), Decimal(0), Decimal(10))


def test_pledges_beyond_the_shortfall_are_not_drawn_and_a_surplus_widens_the_funded_band():
    chart = shortfall_chart([gap("PLEDGED", 100, 80, 50), gap("OVER", 100, 200)])
    pledged, over = chart.bars
    assert (pledged.funded_pct, pledged.pledged_pct, pledged.missing_pct) == (40, 10, 0)  # 80, 20 of 50, 0
    assert pledged.pledged_towards_shortfall_usd == Decimal("20.00")
    assert over.funded_pct == Decimal(100) and over.missing_pct == 0


def test_with_many_gaps_only_the_top_are_drawn():
    chart = shortfall_chart([gap(f"G{n:04d}", n) for n in range(1, 1001)], top=10)
    assert len(chart.bars) == 10 and chart.gaps == 1000 and not chart.all_drawn
    assert chart.bars[0].figures.code == "G1000" and chart.bars[-1].figures.code == "G0991"


def test_no_gap_draws_no_chart_and_zero_money_draws_empty_bars():
    assert shortfall_chart([]) is None
    [bar] = shortfall_chart([gap("ZERO", 0)]).bars
    assert (bar.funded_pct, bar.pledged_pct, bar.missing_pct) == (0, 0, 0)
