"""An FTS import's transactions, as the generic import has them (``tracker.imports.recording``):
the flows are checked in a read transaction, and only when some flow is to be added or updated
is one short write transaction opened, which checks them again under its lock and applies them.
An export imported a second time, with the plans' gaps as remembered, thus writes nothing at all.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tracker.core import db
from tracker.core.audit import Actor
from tracker.fts import plans as plan_rules
from tracker.fts.flows import Flow
from tracker.fts.plans import PlanChoice
from tracker.fts.rules import FtsResult, apply_flows, check_flows, outcomes_of


def check(flows: list[Flow], choice: PlanChoice) -> FtsResult:
    """What importing ``flows`` would do; ``InvalidInput`` for a plan choice naming an unknown gap."""
    return _checked(flows, choice)[0]


def _checked(flows: list[Flow], choice: PlanChoice) -> tuple[FtsResult, bool]:
    """The check, and whether the plans named are remembered already."""
    with db.new_session() as session:
        plans = plan_rules.resolved(session, choice, {f.plan_code for f in flows})
        return outcomes_of(check_flows(session, flows, plans)), plan_rules.is_remembered(session, choice, plans)


def record(flows: list[Flow], choice: PlanChoice, actor: Actor, source: str,
           also: Callable[[Session, FtsResult], None] | None = None) -> FtsResult:
    """Import ``flows`` (the file is named ``source`` in the audit trail) and remember the plans
    named; ``also(session, result)`` runs in the same write transaction, before its commit."""
    checked, remembered = _checked(flows, choice)
    if checked.changes == 0 and remembered and also is None:
        return checked
    with db.writing(actor) as session:
        plans = plan_rules.resolved(session, choice, {f.plan_code for f in flows})
        result = apply_flows(session, flows, plans, source)
        plan_rules.remember(session, choice, plans)
        if also is not None:
            also(session, result)
    return result
