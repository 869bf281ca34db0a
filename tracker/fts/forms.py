"""The web FTS import's form: the funding gap of each plan the file's flows name."""
from __future__ import annotations

from wtforms import SelectField, SubmitField

from tracker.fts.plans import PlanChoice
from tracker.web import history
from tracker.web.forms import Form, options
from tracker.web.history import Column

LEAVE_OUT = ("", "— leave its flows out —")


class PlansForm(Form):
    """A select per plan of the file (``plan_0``, ``plan_1`` … in the order of ``plan_codes``: a plan
    code is FTS's text, not a field name), and two buttons: preview (writes nothing) or import."""

    preview = SubmitField("Preview")
    confirm = SubmitField("Import")

    @classmethod
    def of(cls, plan_codes: list[str], plan_names: dict[str, str], gap_choices, **kwargs) -> PlansForm:
        fields = {f"plan_{i}": SelectField(_label(code, plan_names.get(code, "")), validate_choice=False,
                                           choices=options([LEAVE_OUT, *gap_choices]))
                  for i, code in enumerate(plan_codes)}
        form = type("FilePlansForm", (cls,), fields)(**kwargs)
        form.plan_codes = plan_codes
        return form

    def plan_fields(self):
        return [self[f"plan_{i}"] for i in range(len(self.plan_codes))]

    def fill(self, remembered: dict[str, str]) -> None:
        for code, field in zip(self.plan_codes, self.plan_fields()):
            field.data = remembered.get(code, "")

    def choice(self) -> PlanChoice:
        """The plans given a gap; the others' flows are left out."""
        return PlanChoice({code: field.data for code, field in zip(self.plan_codes, self.plan_fields())
                           if field.data})


def _label(code: str, name: str) -> str:
    if not code:
        return "Flows without a plan"
    return f"{code} — {name}" if name else code


#: How a plan mapping's history reads (``tracker.web.history``).
HISTORY = {"FTS plan mapping": {
    "plan_code": Column("FTS plan code"),
    "gap_id": Column("Funding gap", history.gap),
}}
