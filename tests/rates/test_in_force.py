"""An import prices a row at the rate a form would prefill: the same tables, in the same order."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tracker.contributions.rates import RatesOnFile, rate_on
from tracker.rates import rules


@pytest.mark.parametrize("day", [date(2026, 3, 10), date(2026, 3, 20), date(2026, 4, 2), date(2026, 2, 28)])
def test_an_import_finds_the_rate_a_form_finds(session, day):
    rules.add_rate(session, "EUR", date(2026, 3, 1), Decimal("0.851"), "un-operational")
    rules.add_rate(session, "EUR", date(2026, 3, 15), Decimal("0.870"), "ecb")  # later, but a table behind
    rules.add_rate(session, "EUR", date(2026, 2, 27), Decimal("0.900"), "typed")
    session.commit()
    assert RatesOnFile(session, ["EUR"]).resolve("EUR", None, day) == rate_on(session, "EUR", day)
