"""The one way a form view saves: commit what the service did, or roll all of it back and say
why beside the form.

    save = Save(form, record=gap)
    if form.validate_on_submit():
        with save:
            gaps.update_gap(session(), gap, entry, version)
        if save.done:
            flash(...)
            return redirect(...)
    return save.page("gaps/gap_form.html", gap=gap)

Services only flush; the request's one transaction is committed here and nowhere else in a
form view. A rule the input breaks (``InvalidInput``) goes beside its field (400); an edit that
someone else's save overtook (``EditConflict``) answers 409 with the conflict explained and the
form's version moved to the record's current one, so that a deliberate second save may go
through. Any other error rolls back too and propagates to the 500 page.
"""
from __future__ import annotations

from flask import render_template

from tracker.core.errors import EditConflict, InvalidInput
from tracker.web import session


def render_form(template: str, form, status: int | None = None, **context):
    """Render a form page: 400 when it carries errors (the input kept), else 200."""
    if status is None:
        status = 400 if form.errors or form.form_errors else 200
    return render_template(template, form=form, **context), status


class Save:
    """One save of ``form``'s input; ``record`` is the versioned row an edit form changes."""

    def __init__(self, form, record=None):
        self.form = form
        self.record = record
        self.done = False
        self.conflict: str | None = None

    def __enter__(self) -> Save:
        return self

    def __exit__(self, kind, error, _traceback) -> bool:
        if kind is None:
            session().commit()
            self.done = True
            return False
        session().rollback()
        if isinstance(error, InvalidInput):
            self.form.add_error(error)
            return True
        if isinstance(error, EditConflict):
            self.conflict = str(error)
            if self.record is not None:
                self.form.version.data = self.record.version  # reloaded: the version now stored
            return True
        return False

    @property
    def status(self) -> int | None:
        """409 after a conflict; otherwise what the form's errors say (see :func:`render_form`)."""
        return 409 if self.conflict else None

    def page(self, template: str, **context):
        """The form's page again: with the conflict (409), the errors (400), or as first shown."""
        return render_form(template, self.form, self.status, conflict=self.conflict, **context)
