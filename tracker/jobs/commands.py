"""``flask --app tracker scheduler``: the process that runs the scheduled jobs."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("scheduler")
@with_appcontext
def scheduler():
    """Run the scheduled jobs (recompute, overdue, reminders) until stopped with Ctrl-C or SIGTERM.

    Run one beside the web server; a second one by mistake is harmless (its runs are skipped).
    """
    # Imported here, not at the top: web workers load this module but must never load APScheduler.
    from tracker.jobs.scheduler import run_scheduler

    run_scheduler(current_app.config)
