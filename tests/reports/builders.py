"""Plain rows for testing the builders without a database."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from reports.rows import (
    ContributionRow,
    DonorRow,
    GapRow,
    HistoryRow,
    InstalmentRow,
    MonthDue,
    Notes,
    PaymentRow,
    StatusReport,
)


def notes(**changes) -> Notes:
    return Notes(**{"title": "Funding gap status", "as_of": datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
                    "filters": [], "definitions": [("Funding", "Committed or paid.")], "source": "tests", **changes})


def gap(code: str = "KHM-SME", **changes) -> GapRow:
    fields = dict(code=code, title=f"Gap {code}", status="open", requirement=Decimal("720000.00"),
                  funding=Decimal("250000.00"), pledged=Decimal("10000.00"), received=Decimal("100000.00"),
                  written_off=Decimal("0.00"), exchange_difference=Decimal("0.00"),
                  shortfall=Decimal("470000.00"), surplus=Decimal("0.00"),
                  gap_if_pledges_honoured=Decimal("460000.00"), coverage=Decimal("0.3472"), impact_count=1_500_000,
                  impact_unit="workers", impact_indicator="N° of persons")
    return GapRow(**{**fields, **changes})


def contribution(number: int = 1, **changes) -> ContributionRow:
    fields = dict(number=number, gap_code="KHM-SME", donor="Sweden", status="committed",
                  decision_date=date(2026, 1, 15), amount=Decimal("1000.00"), currency="EUR", rate=Decimal("0.8"),
                  rate_date=date(2026, 1, 15), received=Decimal("0.00"), pledged_usd=Decimal("0.00"),
                  funding_usd=Decimal("1250.00"), received_usd=Decimal("0.00"), written_off_usd=Decimal("0.00"),
                  exchange_difference_usd=Decimal("0.00"), reference=f"REF-{number}", note="", cancel_reason="")
    return ContributionRow(**{**fields, **changes})


def payment(**changes) -> PaymentRow:
    fields = dict(contribution=1, gap_code="KHM-SME", donor="Sweden", date_received=date(2026, 2, 1),
                  amount=Decimal("500.00"), currency="EUR", rate=Decimal("0.8"), usd=Decimal("625.00"), reference="")
    return PaymentRow(**{**fields, **changes})


def donor(**changes) -> DonorRow:
    fields = dict(name="Sweden", type="government", country="Sweden", pledged=Decimal("0.00"),
                  committed=Decimal("1250.00"), paid=Decimal("0.00"), funding=Decimal("1250.00"),
                  received=Decimal("625.00"), cancelled=Decimal("0.00"), contributions=1)
    return DonorRow(**{**fields, **changes})


def instalment(number: int = 1, **changes) -> InstalmentRow:
    fields = dict(contribution=1, gap_code="KHM-SME", donor="Sweden", number=number, due_date=date(2026, 3, 31),
                  amount=Decimal("500.00"), currency="EUR", paid=Decimal("0.00"), outstanding=Decimal("500.00"),
                  status="pending", outstanding_usd=Decimal("625.00"))
    return InstalmentRow(**{**fields, **changes})


def months() -> list[MonthDue]:
    return [MonthDue(None, 1, Decimal("625.00")), *(MonthDue(date(2026, m, 1), 0, Decimal("0.00"))
                                                    for m in range(1, 13))]


def history(days: int = 3) -> list[HistoryRow]:
    return [HistoryRow(day=date(2026, 1, d), gap_code="KHM-SME", requirement=Decimal("720000.00"),
                       funding=Decimal(10000 * d), shortfall=Decimal(720000 - 10000 * d), total_day=date(2026, 1, d),
                       total_requirement=Decimal("720000.00"), total_funding=Decimal(10000 * d),
                       total_shortfall=Decimal(720000 - 10000 * d)) for d in range(1, days + 1)]


def status_report(**changes) -> StatusReport:
    fields = dict(notes=notes(), gaps=[gap()], contributions=iter([contribution()]), payments=iter([payment()]),
                  donors=[donor()], schedule=iter([instalment(1, status="overdue"), instalment(2)]), months=months(),
                  history=iter(history()))
    return StatusReport(**{**fields, **changes})
