"""The forms that record, edit and cancel contributions and record, correct and void payments.

Each comes in its creating shape (a one-time key, the duplicate tick) or its editing shape (the
version it began from); see ``tracker.web.saving``.
"""
from __future__ import annotations

from sqlalchemy import select
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, ValidationError

from tracker.contributions.filters import ContributionFilters
from tracker.core import money
from tracker.core.models import Contribution, ContributionStatus, Donor, DonorType, Gap
from tracker.donors import rules as donors
from tracker.gaps.rules import get_gap
from tracker.web import history, session
from tracker.web.forms import (
    COUNTRIES,
    CURRENCY_CHOICES,
    Creating,
    CurrencyAmountMixin,
    Form,
    Limit,
    LongSelect,
    PeriodForm,
    Versioned,
    date_field,
    duplicate_field,
    options,
    picked_record,
)
from tracker.web.history import Column, label

RECORDABLE = options((s.value, s.value.capitalize()) for s in ContributionStatus if s != ContributionStatus.CANCELLED)


class ContributionForm(CurrencyAmountMixin, Form):
    donor_id = SelectField("Donor", choices=[], validate_choice=False,
                           validators=[picked_record("Pick a donor from the list.")])
    new_donor = StringField("New donor's name", validators=[Limit(200)])
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
    reference = StringField("Agreement reference", validators=[Limit(100)])
    note = TextAreaField("Internal note", validators=[Limit(5000)])
    donor_note = TextAreaField("Note to the donor", validators=[Limit(5000)])

    def currency_code(self) -> str:
        return self.currency.data

    def validate_donor_id(self, field):
        if not field.data and not (self.new_donor.data or "").strip():
            raise ValidationError("Pick a donor, or type the name of a new one.")


class NewContributionForm(Creating, ContributionForm):
    confirm_duplicate = duplicate_field("contribution")


class EditContributionForm(Versioned, ContributionForm):
    pass


class PaymentForm(CurrencyAmountMixin, Form):
    date_received = date_field("Date received", required=True)
    amount = StringField("Amount")
    rate = StringField("Exchange rate (units per US$)")
    reference = StringField("Payment reference", validators=[Limit(100)])

    def __init__(self, currency: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._currency = currency

    def currency_code(self) -> str:
        return self._currency

    def validate_currency(self, field):  # the payment is in the contribution's currency
        return None


class NewPaymentForm(Creating, PaymentForm):
    confirm_duplicate = duplicate_field("payment")


class EditPaymentForm(Versioned, PaymentForm):
    pass


class CancelForm(Versioned, Form):
    reason = TextAreaField("Reason for cancelling", validators=[InputRequired("Say why the contribution is cancelled."),
                                                                Limit(2000)])


class VoidPaymentForm(Versioned, Form):
    reason = TextAreaField("Reason for voiding", validators=[InputRequired("Say why the payment is voided."),
                                                             Limit(2000)])


#: How the history of contributions and payments reads (``tracker.web.history``):
#: their columns named as on these forms.
HISTORY = {
    "contribution": {
        "gap_id": Column("Gap", history.gap),
        "donor_id": Column(label(ContributionForm.donor_id), history.donor),
        "status": Column(label(ContributionForm.status), history.word),
        "amount_minor": Column(label(ContributionForm.amount), history.amount),
        "currency": Column(label(ContributionForm.currency)),
        "rate": Column(label(ContributionForm.rate), history.rate),
        "rate_date": Column(label(ContributionForm.rate_date)),
        "usd_cents": Column("US$ (frozen)", history.usd),
        "decision_date": Column(label(ContributionForm.decision_date)),
        "reference": Column(label(ContributionForm.reference)),
        "donor_note": Column(label(ContributionForm.donor_note)),
        "note": Column(label(ContributionForm.note)),
        "cancel_reason": Column(label(CancelForm.reason)),
        "cancelled_at": Column("Cancelled on", history.moment),
        "overdue_since": Column("Overdue since"),
    },
    "payment": {
        "contribution_id": Column("Contribution", history.contribution),
        "date_received": Column(label(PaymentForm.date_received)),
        "amount_minor": Column(label(PaymentForm.amount), history.amount),
        "rate": Column(label(PaymentForm.rate), history.rate),
        "usd_cents": Column("US$", history.usd),
        "reference": Column(label(PaymentForm.reference)),
        "voided_at": Column("Voided on", history.moment),
        "void_reason": Column(label(VoidPaymentForm.reason)),
    },
}


PICK_DONOR = "Pick a donor from the list."
#: What the filter form offers for cancelled contributions: shown after the others, or left out.
CANCELLED_CHOICES = options([("", "Shown last"), ("hide", "Hidden")])


class ContributionFiltersForm(PeriodForm):
    """The filters of contribution tables and of the workbooks, read from the query string.

    A page that is one gap's or one donor's passes that field in ``fixed``: it is not offered,
    and whatever the address says of it is ignored (the page's scope wins).
    """

    gap = SelectField("Funding gap", choices=[], validate_choice=False, widget=LongSelect())
    donor = SelectField("Donor", choices=[], validate_choice=False, validators=[picked_record(PICK_DONOR)],
                        widget=LongSelect())
    status = SelectField("Status", validate_choice=False, choices=options(
        [("", "Any status"), *((s.value, s.value.capitalize()) for s in ContributionStatus)]))
    currency = SelectField("Currency", validate_choice=False, choices=[], widget=LongSelect())
    overdue = BooleanField("Overdue only")
    cancelled = SelectField("Cancelled contributions", choices=CANCELLED_CHOICES, default="")

    def __init__(self, fixed: tuple[str, ...] = ()):
        super().__init__()
        for name in fixed:
            delattr(self, name)
        if "gap" not in fixed:
            gaps = session().execute(select(Gap.code, Gap.title).order_by(Gap.code))
            self.gap.choices = options([("", "All gaps"), *((code, f"{code} — {title}") for code, title in gaps)])
        if "donor" not in fixed:
            self.donor.choices = options([("", "All donors"), *donors.donor_choices(session())])
        offered = self._currencies_offered()
        self.currency.choices = [SelectChoice("", "Any currency"), *(c for c in CURRENCY_CHOICES if c.value in offered)]

    def _currencies_offered(self) -> set[str]:
        """The currencies contributions are recorded in (and the one asked for, to say it is unknown)."""
        return {*session().scalars(select(Contribution.currency).distinct()), self.currency.data}

    def validate_gap(self, field):
        if field.data and get_gap(session(), field.data) is None:
            raise ValidationError(f"There is no funding gap with the code {field.data}.")

    def validate_donor(self, field):
        if field.data and session().get(Donor, int(field.data)) is None:
            raise ValidationError(PICK_DONOR)

    def validate_status(self, field):
        if field.data and field.data not in {s.value for s in ContributionStatus}:
            raise ValidationError("Choose pledged, committed, paid or cancelled.")

    def validate_currency(self, field):
        if field.data and field.data not in money.CURRENCIES:
            raise ValidationError(f"“{field.data}” is not a currency the tracker knows; pick one from the list.")

    def filters(self) -> ContributionFilters:
        """The validated filters (call after ``validate()``)."""
        gap, donor = getattr(self, "gap", None), getattr(self, "donor", None)
        return ContributionFilters(
            gap_code=gap.data.upper() if gap and gap.data else None,
            donor_id=int(donor.data) if donor and donor.data else None,
            status=self.status.data or None, currency=self.currency.data or None,
            date_from=self.date_from.data, date_to=self.date_to.data, overdue=self.overdue.data,
            hide_cancelled=self.cancelled.data == "hide",
        )
