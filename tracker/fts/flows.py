"""An FTS flow export's rows into flows: what each says about the money, in our terms.

The layout is FTS's own (``id``, ``amountUSD``, ``originalAmount``, ``originalCurrency``,
``exchangeRate``, ``srcOrganization`` …); headers are matched as they are spelt
there, in any case. The Humanitarian Data Exchange puts a row of HXL hashtags (``#x_id`` …) under
the header: it is not a flow, and is passed over.

What a flow is worth in US$ is FTS's ``amountUSD``, always: FTS's totals are the sum of those
values, and so are ours for the flows kept. When FTS gives the original amount and currency, they
are kept with FTS's published rate; that rate is rounded (four to six places), so the amount ÷
the rate may differ from ``amountUSD`` by a little. The frozen US$ value is ``amountUSD`` itself
(``ContributionInput.usd_cents``), never recomputed from the rounded rate. A published rate that
does not agree with ``amountUSD`` within ``RATE_TOLERANCE`` (a rate given the other way round, or
a typing error), or none at all, is replaced by originalAmount ÷ amountUSD to the places a rate
has (``as_rate``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from tracker.core import money
from tracker.core.models import ContributionStatus, DonorType
from tracker.donors.rules import clean_name
from tracker.imports.files import Cell, Table

#: The columns a file must have to be imported as FTS flows (the README lists every column read).
REQUIRED = ("id", "amountUSD", "status")
STATUSES = {"pledge": ContributionStatus.PLEDGED, "commitment": ContributionStatus.COMMITTED,
            "paid": ContributionStatus.PAID}
#: ``flowType`` values (normalised) whose flows are not funding of the plan.
LEFT_OUT_TYPES = {"parked": "a parked flow (FTS has not yet assigned it to its final destination)",
                  "pass through": "a pass-through flow (counted where it finally goes, not here)"}
#: ``boundary`` values whose flows are not money coming into the plan.
LEFT_OUT_BOUNDARIES = {"internal": "an internal flow (money moving within the plan)",
                       "outgoing": "an outgoing flow (money leaving the plan)"}
#: Words in ``srcOrganizationTypes`` and the donor type they mean, the first that matches wins.
DONOR_TYPES = (("government", DonorType.GOVERNMENT), ("un agenc", DonorType.MULTILATERAL),
               ("multilateral", DonorType.MULTILATERAL), ("pooled fund", DonorType.MULTILATERAL),
               ("inter-governmental", DonorType.MULTILATERAL), ("intergovernmental", DonorType.MULTILATERAL),
               ("foundation", DonorType.FOUNDATION), ("private sector", DonorType.PRIVATE_SECTOR),
               ("corporat", DonorType.PRIVATE_SECTOR), ("private", DonorType.PRIVATE_SECTOR))
#: Where a flow that names no source organisation is recorded, so that the plan's total still matches FTS.
PLACEHOLDER_DONOR = "Source not given in FTS"
#: How far amount ÷ FTS's rate may be from ``amountUSD`` for the rate to be kept as published.
RATE_TOLERANCE = Decimal("0.01")


def is_fts_layout(headers: tuple[str, ...]) -> bool:
    """Whether a file's headers are an FTS flow export's: the web import then offers this import."""
    found = {h.casefold() for h in headers}
    return {c.casefold() for c in (*REQUIRED, "srcOrganization", "destPlanCode")} <= found


def missing_columns(headers: tuple[str, ...]) -> list[str]:
    found = {h.casefold() for h in headers}
    return [c for c in REQUIRED if c.casefold() not in found]


@dataclass(frozen=True)
class Flow:
    """One FTS flow, read. ``left_out`` or ``refused`` says why it becomes no contribution."""

    row: int
    flow_id: int | None
    plan_code: str = ""
    plan_name: str = ""
    donor: str = ""
    donor_type: str = DonorType.OTHER.value
    status: str = ""
    amount: Decimal = Decimal(0)
    currency: str = "USD"
    rate: Decimal | None = None
    usd_cents: int = 0
    decision_date: date | None = None
    rate_date: date | None = None
    left_out: str = ""
    refused: str = ""


def read_flows(table: Table) -> list[Flow]:
    """Every row of ``table`` as a ``Flow`` (the HXL hashtag row passed over)."""
    at = {h.casefold(): i for i, h in enumerate(table.headers)}
    flows = []
    for number, cells in table.rows:
        def cell(name: str, cells=cells) -> Cell:
            i = at.get(name.casefold())
            return cells[i] if i is not None and i < len(cells) else None
        if _text(cell("id")).startswith("#"):
            continue
        flows.append(_flow(number, cell))
    return flows


def _flow(row: int, cell) -> Flow:
    flow_id = _whole(_text(cell("id")))
    if flow_id is None:
        return Flow(row, None, refused=f"The flow id “{_text(cell('id'))}” is not a whole number.")
    donor = clean_name(_text(cell("srcOrganization"))) or PLACEHOLDER_DONOR
    base = Flow(row, flow_id, plan_code=_text(cell("destPlanCode")).upper(), plan_name=_text(cell("destPlan")),
                donor=donor, donor_type=donor_type(_text(cell("srcOrganizationTypes"))))
    left_out = _left_out(cell)
    if left_out:
        return replace(base, left_out=left_out)
    status = STATUSES.get(_text(cell("status")).casefold())
    if status is None:
        return replace(base, refused=f"The FTS status “{_text(cell('status'))}” is not pledge, commitment or paid.")
    try:
        usd = _decimal(cell("amountUSD"), "amountUSD")
        if usd == 0:
            return replace(base, left_out="Its amount is zero (amountUSD 0).")
        usd_cents = int(usd.quantize(money.CENT, rounding=ROUND_HALF_EVEN).scaleb(2))
        decision_date = _day(cell("decisionDate"), "decisionDate") or _day(cell("date"), "date")
        rate_date = _day(cell("date"), "date") or decision_date
        amount, currency, rate = _money(cell, usd)
    except money.MoneyError as error:
        return replace(base, refused=str(error))
    return replace(base, status=status.value, amount=amount, currency=currency, rate=rate, usd_cents=usd_cents,
                    decision_date=decision_date, rate_date=rate_date)


def donor_type(types: str) -> str:
    """Our donor type for FTS's ``srcOrganizationTypes`` (e.g. "Government", "UN agency")."""
    words = types.casefold()
    return next((ours.value for word, ours in DONOR_TYPES if word in words), DonorType.OTHER.value)


def _left_out(cell) -> str:
    kind = " ".join(_text(cell("flowType")).casefold().replace("-", " ").split())
    boundary = _text(cell("boundary")).casefold()
    why = LEFT_OUT_TYPES.get(kind) or LEFT_OUT_BOUNDARIES.get(boundary)
    return f"It is {why}." if why else ""


def _money(cell, usd: Decimal) -> tuple[Decimal, str, Decimal | None]:
    """The amount, currency and rate a flow is recorded with (see the module doc)."""
    original = _text(cell("originalAmount"))
    code = _text(cell("originalCurrency")).upper()
    if not original or not code or code == "USD" or _decimal(original, "originalAmount") == 0:
        return usd, "USD", None
    currency = money.currency(code)
    amount = _decimal(original, "originalAmount").quantize(currency.quantum, rounding=ROUND_HALF_EVEN)
    published = _published_rate(_text(cell("exchangeRate")))
    if published is not None and abs(amount / published - usd) <= usd * RATE_TOLERANCE:
        return amount, currency.code, published
    return amount, currency.code, as_rate(amount / usd)


def _published_rate(text: str) -> Decimal | None:
    """FTS's published rate as a rate of ours; None when there is none, or it is not a plausible rate."""
    try:
        return as_rate(Decimal(text)) if text else None
    except (InvalidOperation, money.MoneyError):
        return None


def as_rate(value: Decimal) -> Decimal:
    """``value`` rounded half-even to the places a rate may carry: ``RATE_PLACES``, fewer for a rate
    of many units per US$ (``MAX_DIGITS`` in all); ``MoneyError`` when it is no plausible rate."""
    places = min(money.RATE_PLACES, money.MAX_DIGITS - max(value.adjusted() + 1, 0))
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN).normalize()
    return money.parse_rate(format(rounded, "f"))


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).strip()


def _whole(text: str) -> int | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return int(value) if value.is_finite() and value == value.to_integral_value() and 0 < value < 10**15 else None


def _decimal(value: Cell, column: str) -> Decimal:
    """A non-negative amount as FTS writes it (plain digits, maybe a decimal point; no thousands commas)."""
    text = _text(value).replace(",", "")
    try:
        found = Decimal(text or "0")
    except InvalidOperation:
        raise money.MoneyError(f"{column} “{_text(value)}” is not a number.") from None
    if not found.is_finite() or found < 0 or found.adjusted() >= money.MAX_DIGITS:
        raise money.MoneyError(f"{column} “{_text(value)}” is not an amount.")
    return found


def _day(value: Cell, column: str) -> date | None:
    """FTS dates are ISO dates or date-times (``2020-03-15T00:00:00Z``); a cell may hold a date."""
    if isinstance(value, datetime):
        return value.date()
    text = _text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise money.MoneyError(f"{column} “{text}” is not a date (YYYY-MM-DD).") from None
