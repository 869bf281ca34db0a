"""The forms that plan a contribution's instalments (generated or typed) and write off its unpaid rest."""
from __future__ import annotations

import re
from datetime import date

from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, ValidationError

from tracker.core import money
from tracker.schedules import instalments
from tracker.web import history
from tracker.web.forms import DATE_MESSAGE, Creating, Form, Limit, Versioned, WholeNumberField, date_field, options
from tracker.web.history import Column, label

FREQUENCIES = options((f.value, f.value.capitalize()) for f in instalments.GENERATED)
_TYPED_LINE = re.compile(r"^(\S+)\s+(\S+)$")


class ScheduleForm(Creating, Versioned, Form):
    """Instalments generated from a number, a frequency and a first due date."""

    count = WholeNumberField("Number of instalments", validators=[
        InputRequired("Enter the number of instalments."),
        NumberRange(min=1, max=instalments.MAX_INSTALMENTS,
                    message=f"Choose from 1 to {instalments.MAX_INSTALMENTS} instalments.")])
    frequency = SelectField("Frequency", choices=FREQUENCIES, default="quarterly", validate_choice=False)
    first_due_date = date_field("First due date", required=True)

    def plan(self) -> instalments.GeneratedPlan:
        return instalments.GeneratedPlan(self.count.data, self.frequency.data, self.first_due_date.data)


class TypedScheduleForm(Creating, Versioned, Form):
    """Instalments typed by hand, one per line: a due date and an amount."""

    lines = TextAreaField("Instalments, one per line: due date and amount", validators=[Limit(20_000)])

    typed: tuple[tuple[date, int], ...] = ()

    def __init__(self, currency: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._currency = currency

    def validate_lines(self, field):
        self.typed = tuple(self._line(number, text) for number, text in enumerate((field.data or "").splitlines(), 1)
                           if text.strip())
        if not self.typed:
            raise ValidationError("Type at least one instalment: its due date, a space, then its amount.")

    def _line(self, number: int, text: str) -> tuple[date, int]:
        found = _TYPED_LINE.match(text.strip())
        if not found:
            raise ValidationError(f"Line {number}: write the due date, a space, then the amount, "
                                  "e.g. 2027-03-31 250000.00.")
        try:
            day = date.fromisoformat(found.group(1))
        except ValueError:
            raise ValidationError(f"Line {number}: {DATE_MESSAGE}") from None
        try:
            amount = money.parse_amount(found.group(2), self._currency)
        except money.MoneyError as error:
            raise ValidationError(f"Line {number}: {error}") from None
        return day, money.to_minor(amount, self._currency)

    def plan(self) -> instalments.TypedPlan:
        return instalments.TypedPlan(self.typed)


class WriteOffForm(Creating, Versioned, Form):
    reason = TextAreaField("Reason for writing off", validators=[
        InputRequired("Say why the unpaid rest is written off."), Limit(2000)])
    confirm = BooleanField("I confirm: the unpaid rest no longer counts as funding.",
                           validators=[DataRequired("Tick the box to confirm the write-off.")])


#: How the history of instalments and write-offs reads (``tracker.web.history``), named as on
#: the schedule page and the write-off form.
HISTORY = {
    "payment schedule": {
        "contribution_id": Column("Contribution", history.contribution),
        "frequency": Column(label(ScheduleForm.frequency), history.word),
        "instalment_count": Column(label(ScheduleForm.count), history.number),
        "first_due_date": Column(label(ScheduleForm.first_due_date)),
    },
    "reminder": {
        "contribution_id": Column("Contribution", history.contribution),
        "instalment_id": Column("Instalment", history.number),
        "donor_id": Column("Donor", history.donor),
        "kind": Column("Kind", history.word),
        "due_date": Column("Due date"),
        "amount_due_minor": Column("Amount due", history.amount),
        "currency": Column("Currency"),
        "subject": Column("Subject"),
        "body": Column("Letter"),
        "sent_at": Column("Sent on", history.moment),
        "recipient_name": Column("Recipient"),
        "recipient_email": Column("Recipient's e-mail"),
        "attempts": Column("Refused deliveries", history.number),
        "failure": Column("Mail server's refusal"),
        "failed_at": Column("Given up on", history.moment),
        "sent_via": Column("Sent by", history.word),
    },
    "instalment": {
        "contribution_id": Column("Contribution", history.contribution),
        "number": Column("Instalment", history.number),
        "due_date": Column("Due date"),
        "amount_minor": Column("Amount", history.amount),
        "paid_minor": Column("Received", history.amount),
        "status": Column("Status", history.word),
    },
    "write-off": {
        "contribution_id": Column("Contribution", history.contribution),
        "amount_minor": Column("Written off", history.amount),
        "usd_cents": Column("US$", history.usd),
        "reason": Column(label(WriteOffForm.reason)),
        "written_off_at": Column("Written off on", history.moment),
    },
}
