"""The form that creates and revises a programme."""
from __future__ import annotations

from flask import request
from wtforms import BooleanField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, ValidationError

from tracker.core.listing import MAX_SEARCH, search_text
from tracker.programmes.portfolio import PortfolioFilters, organisations
from tracker.programmes.rules import DESCRIPTION_LENGTH
from tracker.web import history, session
from tracker.web.forms import COUNTRIES, Creating, Form, Limit, LongSelect, Versioned, options
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


PUBLISHED = {"yes": True, "no": False}


class PortfolioFiltersForm(Form):
    """The portfolio's filters, read from the query string (GET: no CSRF token, it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField("Search", validators=[Limit(MAX_SEARCH)])
    country = SelectField("Country", choices=[SelectChoice("", "Every country"), *COUNTRIES], widget=LongSelect(),
                          validate_choice=False)
    organisation = SelectField("Organisation", choices=[], validate_choice=False)
    published = SelectField("Published", validate_choice=False, choices=options(
        [("", "Published or not"), ("yes", "Published programmes"), ("no", "Unpublished programmes")]))

    def __init__(self):
        super().__init__(formdata=request.args)
        self.known_organisations = organisations(session())
        self.organisation.choices = options([("", "Every organisation"),
                                             *((name, name) for name in self.known_organisations)])

    def validate_country(self, field):
        if field.data and field.data not in {choice.value for choice in COUNTRIES}:
            raise ValidationError(f"“{field.data}” is not an ISO 3166 country code; pick a country from the list.")

    def validate_organisation(self, field):
        if field.data and field.data not in self.known_organisations:
            raise ValidationError(f"No programme names the organisation “{field.data}”; pick one from the list.")

    def validate_published(self, field):
        if field.data and field.data not in PUBLISHED:
            raise ValidationError("Choose yes (published programmes) or no (unpublished ones).")

    def filters(self) -> PortfolioFilters:
        """The validated filters (call after ``validate()``)."""
        return PortfolioFilters(country=self.country.data or None, organisation=self.organisation.data or None,
                                published=PUBLISHED.get(self.published.data), search=search_text(self.q.data))


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
