"""The dashboard's picture: the gaps side by side as horizontal bars, largest shortfall first.

Only geometry lives here; the template draws it (no JavaScript, no inline styles). Each bar
is a gap's money on one common scale, so bars compare: funded, then the open pledges that
would cover part of the shortfall, then what is still missing if every pledge is honoured.
Only the ``TOP`` largest shortfalls are drawn, so that the picture stays readable with a
thousand gaps; the dashboard's table, sorted the same way, has the rest.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from tracker.core.figures import GapFigures
from tracker.core.listing import sorted_rows
from tracker.core.money import usd
from tracker.gaps.rules import BY_SHORTFALL, FIGURES_SORTING

#: Bars drawn at most.
TOP = 10
_HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class Bar:
    """One gap's bar: the width of each band in percent of the chart's full width."""

    figures: GapFigures
    funded_pct: Decimal
    pledged_pct: Decimal
    missing_pct: Decimal

    @property
    def pledged_x_pct(self) -> Decimal:
        return self.funded_pct

    @property
    def missing_x_pct(self) -> Decimal:
        return self.funded_pct + self.pledged_pct

    @property
    def pledged_towards_shortfall_usd(self) -> Decimal:
        return usd(min(self.figures.pledged_cents, self.figures.shortfall_cents))


@dataclass(frozen=True)
class ShortfallChart:
    bars: list[Bar]
    gaps: int  # every gap, drawn or not
    full_width_usd: Decimal

    @property
    def all_drawn(self) -> bool:
        return len(self.bars) == self.gaps


def _share(cents: int, scale: int) -> Decimal:
    return (Decimal(100) * cents / scale).quantize(_HUNDREDTH, ROUND_HALF_EVEN) if scale else Decimal(0)


def _bar(figures: GapFigures, scale: int) -> Bar:
    pledged = min(figures.pledged_cents, figures.shortfall_cents)
    missing = figures.shortfall_cents - pledged
    return Bar(figures, _share(figures.funding_cents, scale), _share(pledged, scale), _share(missing, scale))


def shortfall_chart(figures: Sequence[GapFigures], top: int = TOP) -> ShortfallChart | None:
    """The ``top`` gaps with the largest shortfall (the dashboard table's order when sorted by
    shortfall), on a scale whose full width is the largest bar; None when there is no gap."""
    if not figures:
        return None
    drawn = sorted_rows(figures, FIGURES_SORTING, BY_SHORTFALL, FIGURES_SORTING.columns["gap"].by)[:top]
    scale = max(f.funding_cents + f.shortfall_cents for f in drawn)  # = max(requirement, funding)
    return ShortfallChart([_bar(f, scale) for f in drawn], len(figures), usd(scale))
