"""The form that creates and revises a programme."""
from __future__ import annotations

from wtforms import BooleanField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired

from tracker.programmes.rules import DESCRIPTION_LENGTH
from tracker.web import history
from tracker.web.forms import COUNTRIES, Creating, Form, Limit, Versioned
from tracker.web.history import Column, label


class ProgrammeForm(Form):
    code = StringField("Code", validators=[InputRequired("Enter a short code, e.g. ILO-SP-KHM."), Limit(20)])
    name = StringField("Name", validators=[InputRequired("Enter the programme's name."), Limit(200)])
    organisation = StringField("Organisation", validators=[Limit(200)])
    countries = SelectMultipleField("Countries", choices=COUNTRIES, validate_choice=False, default=["KH"])
    contact = StringField("Public contact (e-mail or web address)", validators=[Limit(300)])
    description = TextAreaField("Public description", validators=[Limit(DESCRIPTION_LENGTH)])
    published = BooleanField("Published: its published gaps are shown without sign-in")


class NewProgrammeForm(Creating, ProgrammeForm):
    pass


class EditProgrammeForm(Versioned, ProgrammeForm):
    pass


#: How a programme's history reads (``tracker.web.history``): its columns named as on this form.
HISTORY = {"programme": {
    "code": Column(label(ProgrammeForm.code)),
    "name": Column(label(ProgrammeForm.name)),
    "organisation": Column(label(ProgrammeForm.organisation)),
    "countries": Column(label(ProgrammeForm.countries), history.countries),
    "contact": Column(label(ProgrammeForm.contact)),
    "description": Column(label(ProgrammeForm.description)),
    "published": Column(label(ProgrammeForm.published), history.yes_no),
}}
