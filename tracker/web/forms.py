"""What every form shares. Fields parse what was typed; the ledger's rules live in the domains'
service modules, whose ``InvalidInput`` errors come back here beside the right field."""
from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectChoice
from wtforms.validators import InputRequired, Optional, ValidationError

from tracker.core import countries, money
from tracker.core.errors import InvalidInput

DATE_MESSAGE = "Enter the date as YYYY-MM-DD."
#: Largest record number a column can hold (PostgreSQL INTEGER); a larger one names no record.
MAX_ID = 2**31 - 1


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a select."""
    return [SelectChoice(value, label) for value, label in pairs]


COUNTRIES = options(countries.by_name())
CURRENCY_CHOICES = options((c.code, f"{c.code} — {c.name}") for c in money.CURRENCIES.values())


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


def version_field() -> HiddenField:
    """The version of the record an edit form began from (see ``tracker.web.saving``)."""
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
