"""The form that creates and revises a funding gap."""
from __future__ import annotations

from decimal import Decimal

from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from tracker.core import money
from tracker.core.models import GapStatus
from tracker.programmes.rules import programme_choices
from tracker.web import history, session
from tracker.web.forms import COUNTRIES, Creating, Form, Limit, Versioned, WholeNumberField, date_field, options
from tracker.web.history import Column, label
from tracker.web.params import MAX_BIG


class GapForm(Form):
    code = StringField("Code", validators=[InputRequired("Enter a short code, e.g. KHM-AGRI."), Limit(20)])
    title = StringField("Title", validators=[InputRequired("Enter the gap's title."), Limit(300)])
    country = SelectField("Country", choices=COUNTRIES, default="KH", validate_choice=False)
    programme = SelectField("Programme", choices=[], validate_choice=False,
                            validators=[InputRequired("Choose the programme the gap belongs to.")])
    description = TextAreaField("Description", validators=[Limit(10000)])
    requirement = StringField("Requirement (US$)")
    impact_count = WholeNumberField("Impact target", validators=[Optional()], highest=MAX_BIG)
    impact_unit = StringField("Impact unit (e.g. workers)", validators=[Limit(60)])
    impact_indicator = TextAreaField("Impact indicator", validators=[Limit(2000)])
    period_start = date_field("Period start")
    period_end = date_field("Period end")
    status = SelectField("Status", choices=options((s.value, s.value.capitalize()) for s in GapStatus),
                         validate_choice=False)
    published = BooleanField("Published: shown on the programme's public page and in open data")

    requirement_value: Decimal | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme.choices = options([("", "— Choose a programme —"), *programme_choices(session())])

    def validate_requirement(self, field):
        self.requirement_value = self.parsed("requirement", money.parse_amount, "USD")


class NewGapForm(Creating, GapForm):
    pass


class EditGapForm(Versioned, GapForm):
    pass


#: How a gap's history reads (``tracker.web.history``): its columns named as on this form.
HISTORY = {"gap": {
    "code": Column(label(GapForm.code)),
    "title": Column(label(GapForm.title)),
    "country": Column(label(GapForm.country), history.country),
    "programme_id": Column(label(GapForm.programme), history.programme),
    "programme": Column(label(GapForm.programme)),  # before programmes were records: its name
    "description": Column(label(GapForm.description)),
    "original_requirement_cents": Column("Original requirement", history.usd),
    "revised_requirement_cents": Column("Revised requirement", history.usd),
    "impact_count": Column(label(GapForm.impact_count), history.number),
    "impact_unit": Column(label(GapForm.impact_unit)),
    "impact_indicator": Column(label(GapForm.impact_indicator)),
    "period_start": Column(label(GapForm.period_start)),
    "period_end": Column(label(GapForm.period_end)),
    "status": Column(label(GapForm.status), history.word),
    "published": Column("Published", history.yes_no),
}}
