"""The filter form of the workbooks: the contributions' filters and, for the workbooks only, a programme."""
from __future__ import annotations

from dataclasses import replace

from wtforms import SelectField
from wtforms.validators import ValidationError

from tracker.contributions.filters import ContributionFilters
from tracker.contributions.forms import ContributionFiltersForm
from tracker.programmes.rules import get_programme, programme_choices
from tracker.web import session
from tracker.web.forms import options


class ReportFiltersForm(ContributionFiltersForm):
    programme = SelectField("Programme", choices=[], validate_choice=False)

    def __init__(self):
        super().__init__()
        self.programme.choices = options([("", "Every programme"), *programme_choices(session())])

    def validate_programme(self, field):
        if field.data and get_programme(session(), field.data) is None:
            raise ValidationError(f"There is no programme with the code {field.data}.")

    def filters(self) -> ContributionFilters:
        code = self.programme.data
        return replace(super().filters(), programme_code=code.strip().upper() if code else None)
