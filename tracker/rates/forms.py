"""The rates page's forms: add a rate, correct one, import a published table."""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, ValidationError

from tracker.core import money
from tracker.core.rates import KINDS
from tracker.rates.files import SOURCES
from tracker.web import history
from tracker.web.forms import CURRENCY_CHOICES, Creating, Form, Limit, Versioned, date_field, options
from tracker.web.history import Column, label


class RateForm(Creating, Form):
    currency = SelectField("Currency", choices=CURRENCY_CHOICES, default="EUR", validate_choice=False)
    day = date_field("Date (for a UN month, its first day)", required=True)
    rate = StringField("Exchange rate (units per US$)")
    kind = SelectField("Table", choices=options(KINDS.items()), default="typed")
    source = StringField("Source", validators=[Limit(200)])

    rate_value = None

    def validate_currency(self, field):
        self.parsed("currency", money.currency)

    def validate_rate(self, field):
        self.rate_value = self.parsed("rate", money.parse_rate)


class CorrectRateForm(Versioned, Form):
    rate = StringField("Exchange rate (units per US$)")
    reason = TextAreaField("Reason for the correction", validators=[InputRequired("Say why the rate is corrected."),
                                                                   Limit(2000)])

    rate_value = None

    def validate_rate(self, field):
        self.rate_value = self.parsed("rate", money.parse_rate)


class RateFileForm(Form):
    file = FileField("Rate table (.csv or .xlsx)", validators=[FileRequired("Choose the file to import.")])
    source = SelectField("Published by", choices=options(SOURCES.items()))

    def validate_file(self, field):
        if not field.data.filename.lower().endswith((".xlsx", ".csv")):
            raise ValidationError("Upload an Excel workbook (.xlsx) or a CSV file (.csv).")


def _kind(value, _side) -> str:
    return KINDS.get(value, value)


#: How the history of exchange rates reads (``tracker.web.history``): their columns named as on these forms.
HISTORY = {
    "exchange rate": {
        "currency": Column(label(RateForm.currency)),
        "date": Column("Date"),
        "units_per_usd": Column(label(RateForm.rate), history.rate),
        "kind": Column(label(RateForm.kind), _kind),
        "source": Column(label(RateForm.source)),
    },
}
