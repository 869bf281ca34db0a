"""The forms that correct a donor, merge one donor into another, and add or correct its contacts."""
from __future__ import annotations

from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Optional, ValidationError

from tracker.core.models import ContactRole, DonorType
from tracker.web import history
from tracker.web.forms import (
    COUNTRIES,
    STALE_FORM,
    Creating,
    Form,
    Limit,
    Versioned,
    WholeNumber,
    options,
    picked_record,
)
from tracker.web.history import Column, label


class DonorForm(Versioned, Form):
    """The name's length and uniqueness are the service's rules (``tracker.donors.rules``): it
    judges the name as stored, trimmed and with its spaces folded."""

    name = StringField("Name", validators=[InputRequired("Enter the donor's name.")])
    type = SelectField("Type", choices=options((t.value, t.value.capitalize()) for t in DonorType),
                       validate_choice=False)
    country = SelectField("Country", choices=[SelectChoice("", "—"), *COUNTRIES], validate_choice=False)
    remind_focal_point = BooleanField("Send reminders to the focal point")
    named_publicly = BooleanField("May be named publicly (public pages and open data)")


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


class ContactForm(Form):
    """A donor's contact. The languages offered come from TRACKER_LANGUAGES (set by the view);
    the e-mail's form, the role and the language are the service's rules
    (``tracker.donors.contacts``)."""

    name = StringField("Name", validators=[InputRequired("Enter the contact's name."), Limit(200)])
    email = StringField("E-mail", validators=[InputRequired("Enter the contact's e-mail address."), Limit(254)])
    role = SelectField("Role", choices=options((r.value, r.value.capitalize()) for r in ContactRole),
                       validate_choice=False)
    language = SelectField("Preferred language", choices=[], validate_choice=False)


class NewContactForm(Creating, ContactForm):
    pass


class EditContactForm(Versioned, ContactForm):
    retired = BooleanField("Retired: no longer writes for this donor and gets no reminders")


#: How a donor's history reads (``tracker.web.history``): its columns named as on these forms.
HISTORY = {"donor": {
    "name": Column(label(DonorForm.name)),
    "name_key": Column("Name as searched", shown=False),
    "type": Column(label(DonorForm.type), history.word),
    "country": Column(label(DonorForm.country), history.country),
    "merged_into_id": Column("Merged into", history.donor),
    "remind_focal_point": Column(label(DonorForm.remind_focal_point), history.yes_no),
    "named_publicly": Column(label(DonorForm.named_publicly), history.yes_no),
}, "donor contact": {
    "donor_id": Column("Donor", history.donor),
    "name": Column(label(ContactForm.name)),
    "email": Column(label(ContactForm.email)),
    "role": Column(label(ContactForm.role), history.word),
    "language": Column(label(ContactForm.language)),
    "retired_at": Column("Retired", history.moment),
}}
