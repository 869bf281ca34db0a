"""The one way a form view saves: commit what the service did, or roll all of it back and say
why beside the form.

    save = Save(form, record=gap, current=lambda: _gap_form(gap))
    if form.validate_on_submit():
        with save:
            gaps.update_gap(session(), gap, entry, version)
        if save.done:
            flash(...)
            return redirect(...)
    return save.page("gaps/gap_form.html", gap=gap)

Services only flush; the request's one transaction is committed here and nowhere else in a
form view. What goes wrong is answered so that nothing is lost and nothing is added twice:

- a rule the input breaks (``InvalidInput``) goes beside its field (400);
- an edit that someone else's save overtook (``EditConflict``) answers 409 with the record's
  current values beside what this person tried to save, field by field (see
  :mod:`tracker.web.conflicts`), and the form pre-filled with the current values plus this
  person's own changes where the other person did not touch the field, under the current
  version: never stale values under a fresh version;
- a likely duplicate (``LikelyDuplicate``) answers 409 naming the match, with a tick to record
  it anyway;
- a form that creates something carries a one-time key (``submission``), stored with what it
  created: a second post with the same key (Back and resubmit, a double click, a retry)
  creates nothing, and the view lands on what the first one created (:attr:`Save.earlier`).

Any other error rolls back too and propagates to the 500 page.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker.core.errors import EditConflict, InvalidInput, LikelyDuplicate
from tracker.core.models import FormSubmission
from tracker.web import conflicts, session


def render_form(template: str, form, status: int | None = None, **context):
    """Render a form page: 400 when it carries errors (the input kept), else 200."""
    if status is None:
        status = 400 if form.errors or form.form_errors else 200
    if not form.is_submitted():
        conflicts.remember_shown(form)
    return render_template(template, form=form, **context), status


class Save:
    """One save of ``form``'s input.

    ``record`` is the versioned row an edit form changes and ``current`` builds the form from
    it as it is now (the same function the page's GET uses); ``creates`` names what a creating
    form makes, for its one-time key.
    """

    def __init__(self, form, record=None, current: Callable | None = None, creates: str | None = None):
        self.form = form
        self.record = record
        self.current = current
        self.creates = creates
        self.done = False
        self.conflict: str | None = None
        self.differences: list[conflicts.Difference] = []
        self.duplicate: str | None = None
        self.earlier: FormSubmission | None = None

    def __enter__(self) -> Save:
        return self

    def __exit__(self, kind, error, _traceback) -> bool:
        if kind is None:
            session().commit()
            self.done = True
            return False
        session().rollback()
        if isinstance(error, (IntegrityError, LikelyDuplicate)) and self.repeated():
            return True  # a second post of the same form, which lost the race to the first
        if isinstance(error, InvalidInput):
            self.form.add_error(error)
            return True
        if isinstance(error, EditConflict):
            self._conflicted(str(error))
            return True
        if isinstance(error, LikelyDuplicate):
            self.duplicate = error.message
            return True
        return False

    def _conflicted(self, message: str) -> None:
        self.conflict = message
        if self.record is None:
            return
        if self.current is not None:
            self.differences = conflicts.merge(self.form, self.current())
        self.form.version.data = self.record.version  # reloaded by the rollback: the version now stored

    def repeated(self) -> bool:
        """Whether this form's one-time key already created something (then in :attr:`earlier`)."""
        key = self._key()
        if key is None:
            return False
        self.earlier = session().scalar(select(FormSubmission).where(FormSubmission.key == key))
        return self.earlier is not None

    def created(self, record) -> None:
        """Store the form's one-time key with ``record``, in the transaction that creates it."""
        key = self._key()
        if key is not None:
            session().add(FormSubmission(key=key, record_type=self.creates, record_id=record.id))
            session().flush()

    def _key(self) -> str | None:
        return self.form.one_time_key() if self.creates and hasattr(self.form, "one_time_key") else None

    def land_on_earlier(self, url: str):
        """Where a repeated post goes: the page of what the first post created, saying so."""
        flash(f"This {self.creates} was already recorded when the form was first sent; "
              "nothing was added again.", "info")
        return redirect(url)

    @property
    def status(self) -> int | None:
        """409 after a conflict or a likely duplicate; otherwise what the form's errors say
        (see :func:`render_form`)."""
        return 409 if self.conflict or self.duplicate else None

    def page(self, template: str, **context):
        """The form's page again: with the conflict or duplicate (409), the errors (400), or as first shown."""
        return render_form(template, self.form, self.status, conflict=self.conflict, save=self, **context)
