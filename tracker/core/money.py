"""Exact money: ISO 4217 currencies, parsing of what people type, conversion to US dollars.

Amounts are stored as integers of minor units of their currency (cents for USD, yen for
JPY, fils for KWD) so that SUM is exact on every database, and handled as ``Decimal`` in
Python. Nothing in the money path ever goes through ``float``.

Rounding rule (the only one): a foreign amount is converted to US dollars as
``amount / rate`` (the rate is in units of the currency per US$) and rounded to the cent
half-to-even (banker's rounding), which carries no upward bias when thousands of
conversions are added up. Each record's US$ value is frozen when it is recorded, and every
total is the SUM of those frozen cents, so parts always add up to totals exactly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import pycountry

#: ISO 4217 minor-unit exponents that differ from 2.
_EXPONENTS = {
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}
#: Codes that are not money a donor pays in: precious metals, fund units, test codes.
_NOT_MONEY = set("XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX BOV CHE CHW COU MXV USN".split())

#: Most significant digits an amount or rate may carry (beyond that, typing errors).
MAX_DIGITS = 15
#: Decimal places an exchange rate may carry.
RATE_PLACES = 10
#: Rates at or above this many units per US$ are typing errors (no currency trades near it).
RATE_CEILING = Decimal(10) ** 8
#: Rates below this many units per US$ are typing errors too: no currency is worth US$ 10,000.
RATE_FLOOR = Decimal("0.0001")
#: The largest US$ value one record (a contribution, a payment, a requirement) may carry:
#: US$ 100 billion, far above any single aid flow. At it, a SUM of 922,000 records still fits
#: the 64-bit integers both databases add up exactly (SQLite raises "integer overflow" beyond).
MAX_USD_CENTS = 10**13
#: An amount or rate as typed, in the ASCII digits: ``\d`` would take every script's digits, which
#: Decimal reads ('١٠٠' is 100), and the web refuses them everywhere (``tracker.web.params``).
_NUMBER = re.compile(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?$")
CENT = Decimal("0.01")


class MoneyError(ValueError):
    """What a person typed is not an acceptable amount or rate; the message says why."""


@dataclass(frozen=True)
class Currency:
    code: str
    name: str
    exponent: int

    @property
    def quantum(self) -> Decimal:
        """The smallest unit, e.g. Decimal('0.01') for USD and Decimal('1') for JPY."""
        return Decimal(1).scaleb(-self.exponent)


CURRENCIES: dict[str, Currency] = {
    c.alpha_3: Currency(c.alpha_3, c.name, _EXPONENTS.get(c.alpha_3, 2))
    for c in sorted(pycountry.currencies, key=lambda c: c.alpha_3)
    if c.alpha_3 not in _NOT_MONEY
}
USD = CURRENCIES["USD"]


def currency(code: str) -> Currency:
    """The currency for an ISO 4217 code, in any case; ``MoneyError`` when unknown."""
    found = CURRENCIES.get((code or "").strip().upper())
    if found is None:
        raise MoneyError(f"{code!r} is not an ISO 4217 currency code, such as USD, EUR or JPY.")
    return found


def _parse_number(text: str | None, what: str) -> Decimal:
    """Parse plain digits with optional thousands commas and decimal point; nothing else.

    Exponents (1e3), NaN, Infinity and signs are refused here, so no later step meets them.
    """
    cleaned = (text or "").strip()
    if not cleaned:
        raise MoneyError(f"Enter the {what}.")
    if cleaned.startswith("-"):
        raise MoneyError(f"The {what} must be more than zero.")
    if not _NUMBER.match(cleaned):
        raise MoneyError(f"Enter the {what} as digits with an optional decimal point, e.g. 1250000.50.")
    value = Decimal(cleaned.replace(",", ""))
    if value == 0:
        raise MoneyError(f"The {what} must be more than zero.")
    if _integer_digits(value) + _places(value) > MAX_DIGITS:
        raise MoneyError(f"The {what} has more than {MAX_DIGITS} digits; check it for a typing error.")
    return value


def _integer_digits(value: Decimal) -> int:
    """Digits before the decimal point, leading zeros excluded (counted, not printed: a value
    of thousands of digits is beyond what int() turns into text)."""
    return value.adjusted() + 1 if value >= 1 else 0


def _places(value: Decimal) -> int:
    """Decimal places as typed: '12.50' has two."""
    return max(0, -value.as_tuple().exponent)


def parse_amount(text: str | None, code: str) -> Decimal:
    """The amount typed for ``code``, checked against the currency's minor units."""
    cur = currency(code)
    value = _parse_number(text, "amount")
    if _places(value) > cur.exponent:
        allowed = "no decimal places" if cur.exponent == 0 else f"at most {cur.exponent} decimal places"
        raise MoneyError(f"{cur.code} amounts have {allowed}.")
    return value


def parse_rate(text: str | None) -> Decimal:
    """An exchange rate in units of a currency per US dollar."""
    value = _parse_number(text, "exchange rate")
    if _places(value) > RATE_PLACES:
        raise MoneyError(f"An exchange rate has at most {RATE_PLACES} decimal places.")
    if value >= RATE_CEILING:
        raise MoneyError(f"An exchange rate of {RATE_CEILING:,} or more units per US$ is not plausible.")
    if value < RATE_FLOOR:
        raise MoneyError(f"An exchange rate below {RATE_FLOOR} units per US$ is not plausible.")
    return value


def to_minor(amount: Decimal, code: str) -> int:
    """``amount`` in minor units; refuses a value with more places than the currency has."""
    minor = amount.scaleb(currency(code).exponent)
    if minor != minor.to_integral_value():
        raise MoneyError(f"{amount} has more decimal places than {code} allows.")
    return int(minor)


def from_minor(minor: int, code: str) -> Decimal:
    """Minor units back to a ``Decimal`` amount with the currency's places, e.g. 1050 → 10.50."""
    cur = currency(code)
    return Decimal(int(minor)).scaleb(-cur.exponent).quantize(cur.quantum)


def usd_cents(amount: Decimal, rate: Decimal) -> int:
    """US cents for ``amount`` at ``rate`` units per US$, by the module's one rounding rule."""
    if rate <= 0:
        raise MoneyError("The exchange rate must be more than zero.")
    if amount / rate > usd(MAX_USD_CENTS):
        raise MoneyError(f"At this rate the amount is worth more than US$ {usd(MAX_USD_CENTS):,.0f}, "
                         "the most one record may hold; check the amount and the rate.")
    return int((amount / rate).quantize(CENT, rounding=ROUND_HALF_EVEN).scaleb(2))


def usd(cents: int) -> Decimal:
    """US cents as a ``Decimal`` of dollars with two places."""
    return Decimal(int(cents)).scaleb(-2).quantize(CENT)


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` as a percentage of ``whole`` to two places (half-even); None when whole is 0."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_EVEN)


def format_amount(value: Decimal, code: str = "USD") -> str:
    """``value`` with thousands separators and the currency's places, e.g. '15,000,000.00'."""
    places = currency(code).exponent
    return f"{value:,.{places}f}"


def format_minor(minor: int, code: str) -> str:
    """Minor units as people read them in a sentence, e.g. '1,000.00 EUR'."""
    return f"{format_amount(from_minor(minor, code), code)} {currency(code).code}"


def format_rate(rate: Decimal) -> str:
    """An exchange rate as people write it: '150', '0.92', '4100' (never '1.5E+2', which a
    form would then refuse)."""
    return f"{rate.normalize():f}"
