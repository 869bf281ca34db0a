"""What every form shares. Fields parse what was typed; the ledger's rules live in the domains'
service modules, whose ``InvalidInput`` errors come back here beside the right field."""
from __future__ import annotations

import re
import secrets
from decimal import Decimal

from flask import request
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp, StopValidation, ValidationError
from wtforms.widgets import Select, html_params

from tracker.core import countries, money
from tracker.core.errors import InvalidInput
from tracker.web.params import MAX_ID, control_character, whole_number

DATE_MESSAGE = "Enter the date as YYYY-MM-DD."
_SIGNED_DIGITS = re.compile("-?[0-9]+")


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a select."""
    return [SelectChoice(value, label) for value, label in pairs]


COUNTRIES = options(countries.by_name())
CURRENCY_CHOICES = options((c.code, f"{c.code} — {c.name}") for c in money.CURRENCIES.values())


class Form(FlaskForm):
    """A form that can also show the errors the services raise.

    Before any validator runs (some look records up), every field is checked for control
    characters (see ``tracker.web.params``); a field holding one is refused beside it and
    nothing else is checked, so no such value reaches the database. Hidden fields (the
    version, the one-time key) have no place on the page for a message, so what is wrong with
    them is said for the form as a whole.
    """

    def validate(self, extra_validators=None) -> bool:
        valid = self._without_control_characters() and super().validate(extra_validators)
        for field in self:
            if isinstance(field, HiddenField) and field.errors:
                self.form_errors.extend(field.errors)
        return valid

    def _without_control_characters(self) -> bool:
        clean = True
        for field in self:
            code = next(filter(None, (control_character(text, multi_line=isinstance(field, TextAreaField))
                                      for text in _sent_text(field))), None)
            if code:
                field.errors = [f"Remove the control character ({code}) from “{field.label.text}”: it is invisible "
                                "and cannot be stored."]
                clean = False
        return clean

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


def _sent_text(field) -> list[str]:
    """What the request sent for ``field``: its values, or the names of its files."""
    sent = []
    for value in field.raw_data or ():
        if isinstance(value, FileStorage):
            sent.append(value.filename or "")
        elif isinstance(value, str):
            sent.append(value)
    return sent


class WholeNumber:
    """A value, when one is sent, that is a whole number from ``lowest`` to ``highest`` in the
    digits 0 to 9 (``tracker.web.params``): a version, or a record picked from a select. It stops
    the field's checks, so later ones (which may look the record up) can take it as a number."""

    def __init__(self, message: str, lowest: int = 0, highest: int = MAX_ID):
        self.message, self.lowest, self.highest = message, lowest, highest

    def __call__(self, form, field):
        if field.data and whole_number(field.data, self.lowest, self.highest) is None:
            raise StopValidation(self.message)


def picked_record(message: str) -> WholeNumber:
    """The value of a select of records (a donor …), when one is picked: a record number."""
    return WholeNumber(message, lowest=1)


class WholeNumberField(IntegerField):
    """A number typed in the digits 0 to 9 (spaces around it aside), from ``lowest`` to
    ``highest`` — its column's range; WTForms' IntegerField takes ``١٢``, ``+1`` and ``1_0``
    and any size."""

    def __init__(self, label=None, validators=None, lowest: int = 0, highest: int = MAX_ID, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.lowest, self.highest = lowest, highest

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip()
        self.data = whole_number(text, self.lowest, self.highest)
        if self.data is None:
            raise ValueError(self._refusal(text))

    def _refusal(self, text: str) -> str:
        if not _SIGNED_DIGITS.fullmatch(text):
            return "Not a valid integer value. Write a whole number with the digits 0 to 9."
        if text.startswith("-") or whole_number(text, highest=self.lowest) is not None:
            return f"The number must be at least {self.lowest:,}."
        return f"The number must be at most {self.highest:,}."


class Limit(Length):
    """At most ``max`` characters, said beside the field when more were typed.

    Unlike WTForms' Length it puts no ``maxlength`` on the input: a browser given one cuts
    pasted text silently, and the person never learns that the name or reference was cut.
    """

    def __init__(self, max: int):
        super().__init__(max=max, message=f"At most {max:,} characters are allowed here (%(length)d typed).")
        self.field_flags = {}

    def __call__(self, form, field):
        if len(field.data or "") > self.max:
            raise ValidationError(self.message % {"length": len(field.data)})


def date_field(label: str, required: bool = False) -> DateField:
    validators = [InputRequired(f"Enter the {label.lower()}.")] if required else [Optional()]
    return DateField(label, validators=validators, format="%Y-%m-%d", invalid_value_message=DATE_MESSAGE)


STALE_FORM = "This form is incomplete or out of date; open the page again and make your change."


def version_field() -> HiddenField:
    """The version of the record an edit form began from (see ``tracker.web.saving``).

    Required in the post itself: a form built with ``obj=`` would otherwise take a missing
    version from the database row, and a stale form would overwrite what others saved.
    """
    return HiddenField(validators=[InputRequired(STALE_FORM), WholeNumber(STALE_FORM)])


def original_field() -> HiddenField:
    """The values an edit form showed when it was opened (JSON), so that a 409 can tell what
    this person changed from what someone else changed meanwhile. Only advises the merge the
    conflict page offers; nothing is saved from it."""
    return HiddenField()


def submission_field() -> HiddenField:
    """The one-time key of a form that creates something (see ``tracker.web.saving``): a new
    one each time the empty form is shown, kept across re-shows of the same attempt."""
    return HiddenField(default=lambda: secrets.token_urlsafe(24),
                       validators=[InputRequired(STALE_FORM), Regexp(r"^[A-Za-z0-9_-]{16,64}$", message=STALE_FORM)])


def duplicate_field(what: str) -> BooleanField:
    """The tick that records a likely duplicate anyway, once the page has named the match."""
    return BooleanField(f"Yes, this is a second, separate {what}: record it")


class Versioned:
    """An edit form's hidden state: the version it began from and what it showed then."""

    version = version_field()
    original = original_field()


class Creating:
    """A creating form's hidden state: its one-time key, and the copy of it that survives the
    browser's Back button (see ``static/one-time-key.js``), which wins when present."""

    submission = submission_field()
    kept_submission = HiddenField(validators=[Optional(), Regexp(r"^[A-Za-z0-9_-]{16,64}$", message=STALE_FORM)])

    def one_time_key(self) -> str | None:
        return self.kept_submission.data or self.submission.data or None


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


class PeriodForm(Form):
    """A period read from the query string (GET: no CSRF token, it changes nothing); either end
    may be left open."""

    class Meta:
        csrf = False

    date_from = date_field("From")
    date_to = date_field("To")

    def __init__(self):
        super().__init__(formdata=request.args)

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date cannot be before the start date.")


class LongSelect(Select):
    """A select whose options are written in one pass, for lists as long as every donor or
    every gap: WTForms builds each option through ``html_params``, which costs about 0.1 ms an
    option, a tenth of a second for the filters of a large programme. No option groups."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        options_html = "".join(
            f'<option value="{escape(choice.value)}"{" selected" if choice.selected else ""}>{escape(choice.label)}'
            "</option>" for choice in field.iter_choices())
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options_html}</select>")
