"""What a 409 shows: each field as it is saved now beside what this person tried to save, and
a form that merges the two without losing either person's change.

An edit form remembers the values it showed when it was opened (its hidden ``original``).
When someone else saved the record in between, each field is one of:

- changed by this person only: their value is kept in the form;
- changed by the other person only: the current value is taken (theirs is not undone);
- changed by both to different values: the current value is taken and the field is marked,
  with this person's value beside it, to choose again;
- changed by neither: the current value.

Values are compared as the form shows them (the text in the box, the option chosen), so the
rule is the same for every form. The form then carries the record's current version and,
as its new ``original``, the current values, so the next save is checked against those.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, FieldList, FormField, HiddenField, SelectField, SubmitField
from wtforms.csrf.core import CSRFTokenField


@dataclass(frozen=True)
class Difference:
    """One field on the 409 page."""

    label: str
    current: str  # as saved now, as the form shows it
    yours: str  # what this person tried to save
    changed_by_you: bool
    changed_by_them: bool

    @property
    def clash(self) -> bool:
        """Both changed it, to different values: the form holds the current value; choose again."""
        return self.changed_by_you and self.changed_by_them and self.current != self.yours


def _compared(form) -> list:
    """The fields a person edits (not the hidden state, not buttons)."""
    return [f for f in form if not isinstance(f, (HiddenField, CSRFTokenField, SubmitField))]


def _nested(field) -> bool:
    """A list of sub-forms (typed instalments …): compared and merged as a whole."""
    return isinstance(field, (FieldList, FormField))


def shown(field) -> str:
    """A field's value as the form shows it."""
    if _nested(field):
        return json.dumps(field.data, default=str, sort_keys=True)
    if isinstance(field, BooleanField):
        return "y" if field.data else ""
    if isinstance(field, SelectField):
        if field.data is None:  # nothing chosen: the browser shows, and sends, the first option
            first = next(iter(field.iter_choices()), None)
            return "" if first is None else str(first[0])
        return str(field.data)
    return field._value() or ""


def _readable(field, value: str) -> str:
    """What a reader sees for ``value``: an option's label rather than its code."""
    if _nested(field):
        return "(as in the form)"
    if isinstance(field, BooleanField):
        return "yes" if value else "no"
    if isinstance(field, SelectField):
        for choice in field.iter_choices():
            if str(choice[0]) == value:
                return str(choice[1])
    return value


def remember_shown(form) -> None:
    """Keep in the form's ``original`` what it shows now, as it is first shown."""
    if hasattr(form, "original"):
        form.original.data = json.dumps({f.name: shown(f) for f in _compared(form)}, ensure_ascii=False)


def _original(form) -> dict[str, str]:
    try:
        found = json.loads(form.original.data or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def merge(form, current) -> list[Difference]:
    """Fill ``form`` (this person's post) as the rule above says, from ``current`` (the same
    form built from the record as it is now); return the fields that differ or changed."""
    original = _original(form)
    differences = []
    for field in _compared(form):
        now = current[field.short_name]
        mine, theirs = shown(field), shown(now)
        base = original.get(field.name)
        changed_by_you = mine != base if base is not None else mine != theirs
        changed_by_them = theirs != base if base is not None else mine != theirs
        if changed_by_you and not changed_by_them:
            pass  # the field already holds this person's value
        elif _nested(field):
            field.process(None, now.data)
        else:
            field.process(MultiDict([(field.name, theirs)]))
        if changed_by_you or changed_by_them:
            differences.append(Difference(str(field.label.text), _readable(field, theirs), _readable(field, mine),
                                          changed_by_you, changed_by_them))
    remember_shown(current)
    form.original.data = current.original.data
    return differences
