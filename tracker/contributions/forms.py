"""The forms that record, edit and cancel contributions and record payments."""
from __future__ import annotations

from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from tracker.core.models import ContributionStatus, DonorType
from tracker.web.forms import (
    COUNTRIES,
    CURRENCY_CHOICES,
    CurrencyAmountMixin,
    Form,
    date_field,
    options,
    version_field,
)

RECORDABLE = options((s.value, s.value.capitalize()) for s in ContributionStatus if s != ContributionStatus.CANCELLED)


class ContributionForm(CurrencyAmountMixin, Form):
    donor_id = SelectField("Donor", choices=[], validate_choice=False)
    new_donor = StringField("New donor's name", validators=[Length(max=200)])
    donor_type = SelectField("New donor's type", choices=options((t.value, t.value.capitalize()) for t in DonorType))
    donor_country = SelectField("New donor's country", choices=[SelectChoice("", "—"), *COUNTRIES],
                                validate_choice=False)
    amount = StringField("Amount")
    currency = SelectField("Currency", choices=CURRENCY_CHOICES, default="USD", validate_choice=False)
    rate = StringField("Exchange rate (units per US$)")
    rate_date = date_field("Rate date")
    status = SelectField("Status", choices=RECORDABLE, default=ContributionStatus.PLEDGED.value,
                         validate_choice=False)
    decision_date = date_field("Decision date")
    reference = StringField("Agreement reference", validators=[Length(max=100)])
    note = TextAreaField("Note", validators=[Length(max=5000)])
    version = version_field()

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
    version = version_field()
