"""The trend of a gap drawn as a small SVG: requirement, funding and shortfall over time.

Only geometry lives here; the template draws it (no JavaScript, no inline styles: the lines
are coloured by their CSS class). Figures hold between snapshots, so each line is drawn as
steps, not slopes that would suggest money arriving gradually.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tracker.core.figures import GapFigures
from tracker.core.money import format_amount, usd
from tracker.core.words import counted

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 4, 636, 22, 176
#: (label, CSS class, figure) of each line, drawn in this order.
SERIES = (("Requirement", "requirement", "requirement_cents"), ("Funding", "funding", "funding_cents"),
          ("Shortfall", "shortfall", "shortfall_cents"))


@dataclass(frozen=True)
class Line:
    label: str
    css_class: str
    points: str  # "x,y x,y …" in the SVG's own units


@dataclass(frozen=True)
class Trend:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    lines: list[Line]
    top_usd: Decimal
    start: datetime
    end: datetime
    summary: str


def trend(history: Sequence[tuple[datetime, GapFigures]]) -> Trend | None:
    """The drawing of ``history`` (oldest first), or None when there is nothing to draw."""
    if not history:
        return None
    start, end = history[0][0], history[-1][0]
    span = (end - start).total_seconds() or 1.0
    top = max(max(getattr(f, attr) for _, f in history) for _, _, attr in SERIES) or 1

    def x(at: datetime) -> float:
        return LEFT + (RIGHT - LEFT) * (at - start).total_seconds() / span

    def y(cents: int) -> float:
        return BOTTOM - (BOTTOM - TOP) * cents / top

    lines = [Line(label, css, _steps([(x(at), y(getattr(f, attr))) for at, f in history]))
             for label, css, attr in SERIES]
    return Trend(WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM, lines, usd(top), start, end, _summary(history))


def _steps(points: list[tuple[float, float]]) -> str:
    """A staircase through ``points``, carried on to the right edge; a flat line for one point."""
    stairs = [points[0]]
    for (x, y), (_, previous_y) in zip(points[1:], points):
        stairs += [(x, previous_y), (x, y)]
    stairs.append((float(RIGHT), stairs[-1][1]))
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in stairs)


def _dollars(cents: int) -> str:
    return f"US$ {format_amount(usd(cents))}"


def _moved(first: int, last: int) -> str:
    """How a figure moved between two snapshots, in words: a figure that did not move "stayed"."""
    if first == last:
        return f"stayed at {_dollars(last)}"
    return f"went from {_dollars(first)} to {_dollars(last)}"


def _summary(history: Sequence[tuple[datetime, GapFigures]]) -> str:
    """The trend in words, for screen readers and anyone who cannot see the lines."""
    (first_at, first), (last_at, last) = history[0], history[-1]
    requirement = f"against a requirement of {_dollars(last.requirement_cents)}."
    if len(history) == 1:
        return (f"On {first_at:%Y-%m-%d} (1 snapshot): funding {_dollars(first.funding_cents)}, "
                f"the shortfall {_dollars(first.shortfall_cents)}, {requirement}")
    return (f"From {first_at:%Y-%m-%d} to {last_at:%Y-%m-%d} ({counted(len(history), 'snapshot')}): "
            f"funding {_moved(first.funding_cents, last.funding_cents)}, "
            f"the shortfall {_moved(first.shortfall_cents, last.shortfall_cents)}, {requirement}")
