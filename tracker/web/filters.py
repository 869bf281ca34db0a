"""How values look on pages: money with separators and its currency, one date format."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask

from tracker.core import money
from tracker.core.countries import country_name
from tracker.core.words import counted
from tracker.web import access
from tracker.web.paging import url_with


def usd(value: Decimal) -> str:
    return f"{money.format_amount(value)}"


def amount(value: Decimal, currency: str) -> str:
    return f"{money.format_amount(value, currency)} {currency}"


def rate(value: Decimal) -> str:
    return money.format_rate(value)


def pct(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value:,.2f} %"


def day(value: date | datetime | None) -> str:
    """Dates as 2026-11-24 (ISO 8601): unambiguous in every country the tracker serves."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def bar_width(value: Decimal | None) -> str:
    """A percentage clamped to 0–100 for drawing; the text beside the bar keeps the real figure."""
    if value is None:
        return "0"
    return str(min(Decimal(100), max(Decimal(0), value)))


def init_app(app: Flask) -> None:
    for name, function in {"usd": usd, "amount": amount, "rate": rate, "pct": pct, "day": day, "count": count,
                           "bar_width": bar_width, "counted": counted}.items():
        app.add_template_filter(function, name)
    app.jinja_env.globals.update(money=money, country_name=country_name, can_edit=access.can_edit,
                                 can_edit_every_programme=access.can_edit_every_programme,
                                 is_donor=access.is_donor, url_with=url_with)
