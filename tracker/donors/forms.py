"""The forms that correct a donor and merge one donor into another."""
from __future__ import annotations

from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Optional, ValidationError

from tracker.core.models import DonorType
from tracker.web.forms import COUNTRIES, MAX_ID, Form, options, version_field


def _a_version(form, field):
    """A version is a whole number; a browser never sends anything else, so this form is damaged.
    Said above the form: a hidden field has no place to show its error."""
    if field.data and not field.data.isdigit():
        form.form_errors.append("This form is damaged; open the page again.")
        raise ValidationError(form.form_errors[-1])


class DonorForm(Form):
    """The name's length and uniqueness are the service's rules (``tracker.donors.rules``): it
    judges the name as stored, trimmed and with its spaces folded."""

    name = StringField("Name", validators=[InputRequired("Enter the donor's name.")])
    type = SelectField("Type", choices=options((t.value, t.value.capitalize()) for t in DonorType),
                       validate_choice=False)
    country = SelectField("Country", choices=[SelectChoice("", "—"), *COUNTRIES], validate_choice=False)
    version = version_field()

    validate_version = _a_version


class MergeForm(Form):
    """Step one picks the donor to merge into (``into``, a select of live donors by name);
    step two, the confirmation, posts it again with both donors' versions and ``confirmed``."""

    into = SelectField("Merge into", choices=[], validate_choice=False,
                       validators=[InputRequired("Pick the donor to merge into.")])
    version = version_field()
    into_version = HiddenField(validators=[Optional()])
    confirmed = HiddenField(validators=[Optional()])

    validate_version = validate_into_version = _a_version

    def validate_into(self, field):
        if not field.data.isdigit() or int(field.data) > MAX_ID:
            raise ValidationError("Pick a donor from the list.")
