"""The forms that correct a donor and merge one donor into another."""
from __future__ import annotations

from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Optional, ValidationError

from tracker.core.models import DonorType
from tracker.web import history
from tracker.web.forms import COUNTRIES, STALE_FORM, Form, Versioned, WholeNumber, options, picked_record
from tracker.web.history import Column, label


class DonorForm(Versioned, Form):
    """The name's length and uniqueness are the service's rules (``tracker.donors.rules``): it
    judges the name as stored, trimmed and with its spaces folded."""

    name = StringField("Name", validators=[InputRequired("Enter the donor's name.")])
    type = SelectField("Type", choices=options((t.value, t.value.capitalize()) for t in DonorType),
                       validate_choice=False)
    country = SelectField("Country", choices=[SelectChoice("", "—"), *COUNTRIES], validate_choice=False)


class MergeForm(Form):
    """Step one picks the donor to merge into (``into``, a select of live donors by name);
    step two, the confirmation, posts it again with both donors' versions and ``confirmed``."""

    into = SelectField("Merge into", choices=[], validate_choice=False,
                       validators=[InputRequired("Pick the donor to merge into."),
                                   picked_record("Pick a donor from the list.")])
    version = HiddenField(validators=[Optional(), WholeNumber(STALE_FORM)])
    into_version = HiddenField(validators=[Optional(), WholeNumber(STALE_FORM)])
    confirmed = HiddenField(validators=[Optional()])

    def validate_confirmed(self, field):
        """The confirmation carries both donors' versions as the page showed them; never filled in."""
        if field.data and not (self.version.data and self.into_version.data):
            raise ValidationError(STALE_FORM)


#: How a donor's history reads (``tracker.web.history``): its columns named as on these forms.
HISTORY = {"donor": {
    "name": Column(label(DonorForm.name)),
    "name_key": Column("Name as searched", shown=False),
    "type": Column(label(DonorForm.type), history.word),
    "country": Column(label(DonorForm.country), history.country),
    "merged_into_id": Column("Merged into", history.donor),
}}
