"""The import's forms: the upload, and the choice of columns with the preview and confirmation."""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectChoice, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import ValidationError

from tracker.contributions.rules import OPEN_STATUSES
from tracker.core import money
from tracker.imports.mapping import TARGETS, Mapping
from tracker.web.forms import CURRENCY_CHOICES, Form, options

NOT_IN_FILE = SelectChoice("", "— not in the file —")


class UploadForm(Form):
    spreadsheet = FileField("Spreadsheet (.xlsx or .csv)", validators=[FileRequired("Choose the file to import.")])

    def validate_spreadsheet(self, field):
        if not field.data.filename.lower().endswith((".xlsx", ".csv")):
            raise ValidationError("Upload an Excel workbook (.xlsx) or a CSV file (.csv).")


class MappingForm(Form):
    """A select per target (``column_<target>``), values for files without such a column, the
    skip choice, the possible duplicates ticked in on the preview, and two buttons: preview
    (writes nothing) or import."""

    default_gap = SelectField("Funding gap for every row", choices=[], validate_choice=False)
    default_currency = SelectField("Currency for every row", validate_choice=False,
                                   choices=[SelectChoice("", "—"), *CURRENCY_CHOICES])
    default_status = SelectField("Status for every row", validate_choice=False, choices=options(
        [("", "—"), *((s.value, s.value.capitalize()) for s in OPEN_STATUSES)]))
    skip_invalid = BooleanField("Import the valid rows and skip the rows with problems")
    #: The tick boxes of the preview's possible duplicates, each valued ``RowOutcome.tick``; drawn by
    #: the preview's table, whose rows are known only once the file is read, hence no choices here.
    allowed_duplicates = SelectMultipleField(choices=[], validate_choice=False)
    preview = SubmitField("Preview")
    confirm = SubmitField("Import")

    def __init__(self, headers, gap_choices, **kwargs):
        super().__init__(**kwargs)
        self.headers = headers
        for target in TARGETS:
            getattr(self, f"column_{target.name}").choices = [NOT_IN_FILE, *options((h, h) for h in headers)]
        self.default_gap.choices = options([("", "—"), *gap_choices])

    def column_fields(self):
        return [getattr(self, f"column_{t.name}") for t in TARGETS]

    def validate_default_currency(self, field):
        if field.data:
            self.parsed("default_currency", money.currency)

    def validate_default_status(self, field):
        if field.data and field.data not in {s.value for s in OPEN_STATUSES}:
            raise ValidationError("Choose pledged, committed or paid.")

    def mapping(self) -> Mapping:
        columns = {t.name: getattr(self, f"column_{t.name}").data for t in TARGETS}
        return Mapping({name: header for name, header in columns.items() if header},
                       gap=self.default_gap.data or None, currency=self.default_currency.data or None,
                       status=self.default_status.data or None)

    def fill(self, columns: dict[str, str]) -> None:
        """Preselect ``columns`` (remembered or guessed) on a fresh form."""
        for name, header in columns.items():
            getattr(self, f"column_{name}").data = header


for _target in TARGETS:
    setattr(MappingForm, f"column_{_target.name}", SelectField(_target.label, choices=[], validate_choice=False))
