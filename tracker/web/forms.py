"""The forms people fill in. Fields parse what was typed; the ledger's rules live in the
service modules, whose ``InvalidInput`` errors come back here beside the right field."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pycountry
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from tracker import money, schedules
from tracker.errors import InvalidInput
from tracker.models import ContributionStatus, DonorType, GapStatus

DATE_MESSAGE = "Enter the date as YYYY-MM-DD."


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a select."""
    return [SelectChoice(value, label) for value, label in pairs]


COUNTRIES = options((c.alpha_2, c.name) for c in sorted(pycountry.countries, key=lambda c: c.name))
CURRENCY_CHOICES = options((c.code, f"{c.code} — {c.name}") for c in money.CURRENCIES.values())
RECORDABLE = options((s.value, s.value.capitalize()) for s in ContributionStatus if s != ContributionStatus.CANCELLED)


class Form(FlaskForm):
    """A form that can also show the errors the services raise."""

    def add_error(self, error: InvalidInput) -> None:
        field = getattr(self, error.field, None) if error.field else None
        if field is None:
            self.form_errors.append(error.message)
        else:
            field.errors = [*field.errors, error.message]

    def parsed(self, field: str, parse, *args):
        """Run ``parse`` on a text field; its MoneyError becomes the field's message."""
        try:
            return parse(getattr(self, field).data, *args)
        except money.MoneyError as error:
            raise ValidationError(str(error)) from None


def date_field(label: str, required: bool = False) -> DateField:
    validators = [InputRequired(f"Enter the {label.lower()}.")] if required else [Optional()]
    return DateField(label, validators=validators, format="%Y-%m-%d", invalid_value_message=DATE_MESSAGE)


def _version() -> HiddenField:
    return HiddenField(validators=[Optional()])


class CurrencyAmountMixin:
    """Amount and rate parsed for the chosen currency; results in ``amount_value``/``rate_value``."""

    amount_value: Decimal | None = None
    rate_value: Decimal | None = None

    def validate_currency(self, field):
        self.parsed("currency", money.currency)

    def validate_amount(self, field):
        try:
            code = money.currency(self.currency_code()).code
        except money.MoneyError:
            code = "USD"  # the currency field says what is wrong with the currency
        self.amount_value = self.parsed("amount", money.parse_amount, code)

    def validate_rate(self, field):
        if (field.data or "").strip():
            self.rate_value = self.parsed("rate", money.parse_rate)


class ContributionForm(CurrencyAmountMixin, Form):
    donor_id = SelectField("Donor", choices=[], validate_choice=False)
    new_donor = StringField("New donor's name", validators=[Length(max=200)])
    donor_type = SelectField("New donor's type", choices=options((t.value, t.value.capitalize()) for t in DonorType))
    donor_country = SelectField("New donor's country", choices=[SelectChoice("", "—"), *COUNTRIES], validate_choice=False)
    amount = StringField("Amount")
    currency = SelectField("Currency", choices=CURRENCY_CHOICES, default="USD", validate_choice=False)
    rate = StringField("Exchange rate (units per US$)")
    rate_date = date_field("Rate date")
    status = SelectField("Status", choices=RECORDABLE, default=ContributionStatus.PLEDGED.value,
                         validate_choice=False)
    decision_date = date_field("Decision date")
    reference = StringField("Agreement reference", validators=[Length(max=100)])
    note = TextAreaField("Note", validators=[Length(max=5000)])
    version = _version()

    def currency_code(self) -> str:
        return self.currency.data

    def validate_donor_id(self, field):
        if not field.data and not (self.new_donor.data or "").strip():
            raise ValidationError("Pick a donor, or type the name of a new one.")
        if field.data and not field.data.isdigit():
            raise ValidationError("Pick a donor from the list.")


class PaymentForm(CurrencyAmountMixin, Form):
    date_received = date_field("Date received", required=True)
    amount = StringField("Amount")
    rate = StringField("Exchange rate (units per US$)")
    reference = StringField("Payment reference", validators=[Length(max=100)])

    def __init__(self, currency: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._currency = currency

    def currency_code(self) -> str:
        return self._currency

    def validate_currency(self, field):  # the payment is in the contribution's currency
        return None


class CancelForm(Form):
    reason = TextAreaField("Reason for cancelling", validators=[InputRequired("Say why the contribution is cancelled."),
                                                                Length(max=2000)])
    version = _version()


class GapForm(Form):
    code = StringField("Code", validators=[InputRequired("Enter a short code, e.g. KHM-AGRI."), Length(max=20)])
    title = StringField("Title", validators=[InputRequired("Enter the gap's title."), Length(max=300)])
    country = SelectField("Country", choices=COUNTRIES, default="KH", validate_choice=False)
    programme = StringField("Programme", validators=[InputRequired("Enter the programme."), Length(max=200)])
    description = TextAreaField("Description", validators=[Length(max=10000)])
    requirement = StringField("Requirement (US$)")
    impact_count = IntegerField("Impact target", validators=[Optional(), NumberRange(min=0)])
    impact_unit = StringField("Impact unit (e.g. workers)", validators=[Length(max=60)])
    impact_indicator = TextAreaField("Impact indicator", validators=[Length(max=2000)])
    period_start = date_field("Period start")
    period_end = date_field("Period end")
    status = SelectField("Status", choices=options((s.value, s.value.capitalize()) for s in GapStatus),
                         validate_choice=False)
    version = _version()

    requirement_value: Decimal | None = None

    def validate_requirement(self, field):
        self.requirement_value = self.parsed("requirement", money.parse_amount, "USD")


FREQUENCIES = options((f.value, f.value.capitalize()) for f in schedules.GENERATED)
_TYPED_LINE = re.compile(r"^(\S+)\s+(\S+)$")


class ScheduleForm(Form):
    """Instalments generated from a number, a frequency and a first due date."""

    count = IntegerField("Number of instalments", validators=[
        InputRequired("Enter the number of instalments."),
        NumberRange(min=1, max=schedules.MAX_INSTALMENTS,
                    message=f"Choose from 1 to {schedules.MAX_INSTALMENTS} instalments.")])
    frequency = SelectField("Frequency", choices=FREQUENCIES, default="quarterly", validate_choice=False)
    first_due_date = date_field("First due date", required=True)
    version = _version()

    def plan(self) -> schedules.GeneratedPlan:
        return schedules.GeneratedPlan(self.count.data, self.frequency.data, self.first_due_date.data)


class TypedScheduleForm(Form):
    """Instalments typed by hand, one per line: a due date and an amount."""

    lines = TextAreaField("Instalments, one per line: due date and amount", validators=[Length(max=20_000)])
    version = _version()

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

    def plan(self) -> schedules.TypedPlan:
        return schedules.TypedPlan(self.typed)


class WriteOffForm(Form):
    reason = TextAreaField("Reason for writing off", validators=[
        InputRequired("Say why the unpaid rest is written off."), Length(max=2000)])
    confirm = BooleanField("I confirm: the unpaid rest no longer counts as funding.",
                           validators=[DataRequired("Tick the box to confirm the write-off.")])
    version = _version()
