"""The filters of the Excel reports, read from the query string. A bad value answers 400 with
the message beside its field, as on every form."""
from __future__ import annotations

from flask import request
from sqlalchemy import select
from wtforms import SelectField
from wtforms.validators import ValidationError

from tracker.core.models import ContributionStatus, Donor, Gap
from tracker.donors import rules as donors
from tracker.exports.rows import ReportFilters
from tracker.gaps.rules import get_gap
from tracker.web import session
from tracker.web.forms import Form, date_field, options, picked_record

PICK_DONOR = "Pick a donor from the list."


class PeriodForm(Form):
    """A period read from the query string (GET: no CSRF token, it changes nothing); either end
    may be left open. A donor's statement asks for nothing more."""

    class Meta:
        csrf = False

    date_from = date_field("From")
    date_to = date_field("To")

    def __init__(self):
        super().__init__(formdata=request.args)

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date cannot be before the start date.")


class ReportFiltersForm(PeriodForm):
    """The report filters: a period, and the gap, donor and status."""

    gap = SelectField("Funding gap", choices=[], validate_choice=False)
    donor = SelectField("Donor", choices=[], validate_choice=False, validators=[picked_record(PICK_DONOR)])
    status = SelectField("Contribution status", validate_choice=False, choices=options(
        [("", "Any status"), *((s.value, s.value.capitalize()) for s in ContributionStatus)]))
    def __init__(self):
        super().__init__()
        gaps = session().execute(select(Gap.code, Gap.title).order_by(Gap.code))
        self.gap.choices = options([("", "All gaps"), *((code, f"{code} — {title}") for code, title in gaps)])
        self.donor.choices = options([("", "All donors"), *donors.donor_choices(session())])

    def validate_gap(self, field):
        if field.data and get_gap(session(), field.data) is None:
            raise ValidationError(f"There is no funding gap with the code {field.data}.")

    def validate_donor(self, field):
        if field.data and session().get(Donor, int(field.data)) is None:
            raise ValidationError(PICK_DONOR)

    def validate_status(self, field):
        if field.data and field.data not in {s.value for s in ContributionStatus}:
            raise ValidationError("Choose pledged, committed, paid or cancelled.")

    def filters(self) -> ReportFilters:
        """The validated filters (call after ``validate()``)."""
        return ReportFilters(
            gap_code=self.gap.data.upper() if self.gap.data else None,
            donor_id=int(self.donor.data) if self.donor.data else None,
            status=self.status.data or None, date_from=self.date_from.data, date_to=self.date_to.data,
        )

