"""The forms of signing in, changing or setting one's password, the administrators' changes
to users, and narrowing the audit trail."""
from __future__ import annotations

from wtforms import HiddenField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Optional, ValidationError

from tracker.core import audit
from tracker.core.models import Role
from tracker.web import history
from tracker.web.forms import STALE_FORM, Creating, Form, Limit, WholeNumber, WholeNumberField, date_field, options
from tracker.web.history import Column, label

ROLE_CHOICES = options([(Role.VIEWER, "Viewer: reads everything"), (Role.EDITOR, "Editor: records and edits"),
                        (Role.ADMIN, "Administrator: also users and jobs"),
                        (Role.DONOR, "Donor: one donor's own records")])


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


class NewPasswordForm(Form):
    """The password a sign-in link sets: typed twice, no current one."""

    new_password = PasswordField("New password", validators=[InputRequired("Enter a new password.")])
    confirm = PasswordField("New password again", validators=[InputRequired("Type the new password again.")])

    validate_confirm = PasswordForm.validate_confirm


class RoleFields:
    """A role and, for a donor user, the donor's name (a list of names to pick from beside it).
    A role left out is refused by the select itself ("Not a valid choice")."""

    role = SelectField("Role", choices=ROLE_CHOICES)
    donor = StringField("Donor (donor users only)", validators=[Limit(200)])


class ScopeFields:
    """Every programme, or only those picked (offered by the view): for an editor or viewer."""

    scope = SelectField("Programmes", choices=options([("all", "Every programme"),
                                                       ("some", "Only the programmes picked below")]),
                        default="all")  # a form without it (a script's invitation) leaves every programme
    programmes = SelectMultipleField("Programmes picked", choices=[], validate_choice=False)

    def picked(self) -> list[str] | None:
        """The codes picked; None: every programme."""
        return None if self.scope.data == "all" else list(self.programmes.data or [])


class InviteForm(RoleFields, ScopeFields, Creating, Form):
    email = StringField("Email", validators=[InputRequired("Enter the email of the person to invite."), Limit(254)])


class UserChangeForm(Form):
    """What every change to a user carries: the version of the user as the page showed it."""

    version = HiddenField(validators=[InputRequired(STALE_FORM), WholeNumber(STALE_FORM)])


class RoleForm(RoleFields, UserChangeForm):
    pass


class ScopeForm(ScopeFields, UserChangeForm):
    pass


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
    "must_change_password": Column("Must change password", history.yes_no),
    "scoped": Column("Limited to some programmes", history.yes_no),
}, "user programme": {
    "user_id": Column("User", history.number),
    "programme_id": Column("Programme", history.programme),
}, "sign-in link": {
    "user_id": Column("User", history.number),
    "purpose": Column("Purpose", history.word),
    "token_hash": Column("Link"),
    "expires_at": Column("Expires", history.moment),
    "used_at": Column("Used", history.moment),
}}
