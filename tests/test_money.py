"""Exact money: parsing what people type, minor units, the one rounding rule."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.core import money


@pytest.mark.parametrize("code, exponent", [("USD", 2), ("JPY", 0), ("KWD", 3), ("EUR", 2), ("CLF", 4)])
def test_currencies_carry_their_iso_exponent(code, exponent):
    assert money.currency(code).exponent == exponent


def test_metals_and_fund_codes_are_not_currencies():
    for code in ("XAU", "XDR", "XXX"):
        with pytest.raises(money.MoneyError):
            money.currency(code)


@pytest.mark.parametrize("text, code, expected", [
    ("720000", "USD", Decimal("720000")),
    ("15,000,000.00", "USD", Decimal("15000000.00")),
    ("1000", "JPY", Decimal("1000")),
    ("1.125", "KWD", Decimal("1.125")),
    (" 12.5 ", "EUR", Decimal("12.5")),
])
def test_parse_amount_accepts_plain_numbers(text, code, expected):
    assert money.parse_amount(text, code) == expected


@pytest.mark.parametrize("text, code, message", [
    ("", "USD", "Enter the amount"),
    ("-5", "USD", "more than zero"),
    ("0", "USD", "more than zero"),
    ("0.00", "USD", "more than zero"),
    ("NaN", "USD", "digits"),
    ("sNaN", "USD", "digits"),
    ("Infinity", "USD", "digits"),
    ("1e3", "USD", "digits"),
    ("12.345", "USD", "at most 2 decimal places"),
    ("1.5", "JPY", "no decimal places"),
    ("1.0001", "KWD", "at most 3 decimal places"),
    ("1234567890123456", "USD", "more than 15 digits"),
    ("12345678901234.56", "USD", "more than 15 digits"),
    ("1,00", "USD", "digits"),
    ("$100", "USD", "digits"),
    ("9" * 5000, "USD", "more than 15 digits"),  # beyond the digits int() turns into text
    ("١٠٠", "USD", "digits"),  # digits of another script are refused, not read as 100
    ("1٠.5", "USD", "digits"),
])
def test_parse_amount_refuses_with_a_reason(text, code, message):
    with pytest.raises(money.MoneyError, match=message):
        money.parse_amount(text, code)


@pytest.mark.parametrize("text", ["0", "-1", "NaN", "Infinity", "1e2", "100000000", "1.12345678901"])
def test_parse_rate_refuses_implausible_rates(text):
    with pytest.raises(money.MoneyError):
        money.parse_rate(text)


def test_minor_units_round_trip():
    assert money.to_minor(Decimal("12.34"), "USD") == 1234
    assert money.to_minor(Decimal("500"), "JPY") == 500
    assert money.from_minor(1234, "USD") == Decimal("12.34")
    assert money.from_minor(1500, "KWD") == Decimal("1.500")


def test_usd_conversion_rounds_half_to_even():
    assert money.usd_cents(Decimal("0.125"), Decimal(1)) == 12
    assert money.usd_cents(Decimal("0.135"), Decimal(1)) == 14
    assert money.usd_cents(Decimal("1000000"), Decimal("150")) == 666667
    assert money.usd_cents(Decimal("100"), Decimal("0.92")) == 10870


def test_usd_conversion_refuses_a_non_positive_rate():
    with pytest.raises(money.MoneyError):
        money.usd_cents(Decimal(1), Decimal(0))


amounts = st.integers(min_value=1, max_value=10**13).map(lambda cents: Decimal(cents).scaleb(-2))
rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(20000), places=4)


within_bounds = st.tuples(amounts, rates).filter(lambda part: part[0] / part[1] <= money.usd(money.MAX_USD_CENTS))


@given(st.lists(within_bounds, min_size=1, max_size=40))
def test_parts_add_up_to_the_total(parts):
    """The total of frozen US$ values is the exact sum of each part's cents."""
    cents = [money.usd_cents(amount, rate) for amount, rate in parts]
    assert money.usd(sum(cents)) == sum((money.usd(c) for c in cents), Decimal(0))
    for (amount, rate), part in zip(parts, cents):
        assert abs(Decimal(part) / 100 - amount / rate) <= Decimal("0.005")


def test_a_us_dollar_value_beyond_what_one_record_may_hold_is_refused():
    assert money.usd_cents(Decimal("100000000000.00"), Decimal(1)) == money.MAX_USD_CENTS
    with pytest.raises(money.MoneyError, match="the most one record may hold"):
        money.usd_cents(Decimal("100000000000.01"), Decimal(1))
    with pytest.raises(money.MoneyError, match="below 0.0001"):
        money.parse_rate("0.00009")


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(["USD", "JPY", "KWD", "CLF"]))
def test_minor_units_survive_a_round_trip(minor, code):
    assert money.to_minor(money.from_minor(minor, code), code) == minor


@pytest.mark.parametrize("rate, shown", [("150", "150"), ("4100", "4100"), ("0.9200", "0.92"), ("151.37", "151.37"),
                                         ("0.0000012345", "0.0000012345")])
def test_a_rate_is_shown_as_people_write_it(rate, shown):
    assert money.format_rate(Decimal(rate)) == shown
