"""The forms of signing in, changing one's password, and narrowing the audit trail."""
from __future__ import annotations

from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Optional, ValidationError

from tracker.core import audit
from tracker.web import history
from tracker.web.forms import Form, Limit, WholeNumberField, date_field, options
from tracker.web.history import Column, label


class SignInForm(Form):
    email = StringField("Email", validators=[InputRequired("Enter your email."), Limit(254)])
    password = PasswordField("Password", validators=[InputRequired("Enter your password."), Limit(1024)])


class PasswordForm(Form):
    current_password = PasswordField("Current password", validators=[InputRequired("Enter your current password.")])
    new_password = PasswordField("New password", validators=[InputRequired("Enter a new password.")])
    confirm = PasswordField("New password again", validators=[InputRequired("Type the new password again.")])

    def validate_confirm(self, field):
        if field.data != self.new_password.data:
            raise ValidationError("The two new passwords differ.")


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # a GET search form changes nothing

    record_type = SelectField("Record", choices=options([("", "All records"),
                                                         *((t, t.capitalize()) for t in audit.AUDITED.values())]))
    record_id = WholeNumberField("Record number", validators=[Optional()], lowest=1)
    actor = StringField("Changed by (email)", validators=[Optional()])
    since = date_field("From")
    until = date_field("To")


#: How a user's history reads (``tracker.web.history``).
HISTORY = {"user": {
    "email": Column(label(SignInForm.email)),
    "password_hash": Column(label(SignInForm.password)),
    "role": Column("Role", history.word),
    "donor_id": Column("Donor", history.donor),
    "active": Column("Active", history.yes_no),
}}
