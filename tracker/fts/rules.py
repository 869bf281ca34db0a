"""What each FTS flow does to the ledger: added, updated, unchanged, left out or refused.

``check_flows`` only reads: it finds each flow's contribution by FTS's flow id (``FtsFlow``), the
plan's gap, the donor, and decides what the flow does, new flows checked with the recording
rules themselves (``new_contribution``). ``apply_flows`` checks again inside the write and makes
the changes through the ledger's own services (``record_contribution``, ``edit_contribution``),
each flow in a savepoint of its own, so that a flow the edit rules refuse (money received that
the new amount would undercut, a closed gap …) is refused with their reason and the others go
in. Every change names its flow in the audit trail ("FTS import of FILE, flow 123456").

A flow is never deleted: a flow of a plan of this import that the file no longer lists is
reported (``NOT_IN_FILE``) and its contribution left as it is. A flow whose status goes back
(paid to committed, committed to pledged) is refused: in the ledger money does not go back
from received to promised by an import; a person decides.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.contributions.rates import resolve_rate
from tracker.contributions.rules import ContributionInput, edit_contribution, new_contribution, record_contribution
from tracker.core import audit, bulk, money
from tracker.core.errors import EditConflict, InvalidInput
from tracker.core.models import Contribution, ContributionStatus, Donor, FtsFlow, Gap
from tracker.donors.rules import find_or_add_donor, name_key
from tracker.fts.flows import Flow
from tracker.fts.plans import Plans

ADDED, UPDATED, UNCHANGED = "added", "updated", "unchanged"
LEFT_OUT, REFUSED, NOT_IN_FILE = "left out", "refused", "not in the file"
#: Outcomes whose flows the ledger holds after the import: what the plan's total adds up.
KEPT = (ADDED, UPDATED, UNCHANGED)
_ORDER = {ContributionStatus.PLEDGED.value: 0, ContributionStatus.COMMITTED.value: 1, ContributionStatus.PAID.value: 2}


@dataclass(frozen=True)
class Outcome:
    """What became of one flow; ``reason`` says why (left out, refused) or what changed (updated)."""

    flow_id: int | None
    row: int | None
    plan_code: str
    outcome: str
    reason: str = ""
    contribution_id: int | None = None
    usd_cents: int = 0


@dataclass
class FtsResult:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    @property
    def changes(self) -> int:
        return self.count(ADDED) + self.count(UPDATED)

    def kept_usd_cents(self) -> dict[str, int]:
        """The US$ cents of the flows kept, by plan code: FTS's own total of those flows."""
        totals: dict[str, int] = {}
        for o in self.outcomes:
            if o.outcome in KEPT:
                totals[o.plan_code] = totals.get(o.plan_code, 0) + o.usd_cents
        return totals


@dataclass(frozen=True)
class _Step:
    """A flow's outcome as checked, and what applying it needs."""

    flow: Flow | None
    outcome: Outcome
    gap: Gap | None = None
    contribution: Contribution | None = None


def check_flows(session: Session, flows: list[Flow], plans: Plans) -> list[_Step]:
    """Each flow's outcome against the ledger as it is; reads only (see the module doc)."""
    ids = [f.flow_id for f in flows if f.flow_id is not None]
    known = _imported(session, ids)
    donors = _donor_ids(session, (f.donor for f in flows))
    steps, seen = [], {}
    for flow in flows:
        step = _step(session, flow, plans, known.get(flow.flow_id), donors, seen)
        if flow.flow_id is not None:
            seen.setdefault(flow.flow_id, flow.row)
        steps.append(step)
    steps.extend(_not_in_file(session, set(ids), plans))
    return steps


def apply_flows(session: Session, flows: list[Flow], plans: Plans, source: str) -> FtsResult:
    """Check ``flows`` again and make the changes they call for (see the module doc)."""
    result = FtsResult()
    for step in check_flows(session, flows, plans):
        if step.outcome.outcome == ADDED:
            result.outcomes.append(_applied(session, step, source, _add))
        elif step.outcome.outcome == UPDATED:
            result.outcomes.append(_applied(session, step, source, _update))
        else:
            result.outcomes.append(step.outcome)
    return result


def outcomes_of(steps: list[_Step]) -> FtsResult:
    return FtsResult([s.outcome for s in steps])


def _outcome(flow: Flow, outcome: str, reason: str = "", contribution_id: int | None = None) -> Outcome:
    return Outcome(flow.flow_id, flow.row, flow.plan_code, outcome, reason, contribution_id, flow.usd_cents)


def _step(session: Session, flow: Flow, plans: Plans, contribution: Contribution | None, donors: dict[str, int],
          seen: dict[int, int]) -> _Step:
    if flow.flow_id is None or flow.refused:
        return _Step(flow, _outcome(flow, REFUSED, flow.refused))
    if flow.flow_id in seen:
        return _Step(flow, _outcome(flow, REFUSED, f"The flow id is listed twice; row {seen[flow.flow_id]} is kept."))
    if flow.left_out:
        return _Step(flow, _outcome(flow, LEFT_OUT, flow.left_out))
    gap = plans.gap_of(flow.plan_code)
    if gap is None:
        plan = f"Its plan {flow.plan_code}" if flow.plan_code else "It names no plan and"
        return _Step(flow, _outcome(flow, LEFT_OUT, f"{plan} is not mapped to a funding gap in this import."))
    if contribution is None:
        try:
            new_contribution(gap, _entry(flow, None), partial(resolve_rate, session))
        except InvalidInput as error:
            return _Step(flow, _outcome(flow, REFUSED, error.message))
        return _Step(flow, _outcome(flow, ADDED), gap)
    refusal = _why_not_updated(contribution, flow, gap)
    if refusal:
        return _Step(flow, _outcome(flow, REFUSED, refusal, contribution.id))
    changed = _changes(contribution, flow, donors.get(name_key(flow.donor)))
    if not changed:
        return _Step(flow, _outcome(flow, UNCHANGED, contribution_id=contribution.id))
    return _Step(flow, _outcome(flow, UPDATED, "; ".join(changed), contribution.id), gap, contribution)


def _why_not_updated(contribution: Contribution, flow: Flow, gap) -> str:
    if contribution.gap_id != gap.id:
        return (f"It was imported onto the gap {contribution.gap.code} (contribution No. {contribution.id}); its plan "
                f"now maps to {gap.code}. A contribution does not move between gaps: cancel it there first.")
    if contribution.status == ContributionStatus.CANCELLED:
        return f"Its contribution No. {contribution.id} was cancelled in the tracker."
    if _ORDER[flow.status] < _ORDER[contribution.status]:
        return (f"FTS has it {flow.status}, but contribution No. {contribution.id} is already {contribution.status}; "
                "a status does not go back by import. Change it by hand if FTS is right.")
    return ""


def _changes(contribution: Contribution, flow: Flow, donor_id: int | None) -> list[str]:
    """What ``flow`` changes in ``contribution``, in words; empty when nothing. The words are made
    only for what changed (a changed donor's name is read then, not for every flow)."""
    amount_minor = money.to_minor(flow.amount, flow.currency)
    rate = flow.rate or Decimal(1)
    found = [
        (contribution.status != flow.status, lambda: f"status {contribution.status} → {flow.status}"),
        ((contribution.amount_minor, contribution.currency) != (amount_minor, flow.currency),
         lambda: f"amount {money.format_minor(contribution.amount_minor, contribution.currency)} → "
                 f"{money.format_minor(amount_minor, flow.currency)}"),
        (contribution.usd_cents != flow.usd_cents,
         lambda: f"US$ {money.usd(contribution.usd_cents):,} → {money.usd(flow.usd_cents):,}"),
        (contribution.rate != rate, lambda: f"rate {money.format_rate(contribution.rate)} → {money.format_rate(rate)}"),
        (contribution.decision_date != flow.decision_date,
         lambda: f"decision date {contribution.decision_date} → {flow.decision_date}"),
        (flow.rate_date is not None and contribution.rate_date != flow.rate_date,
         lambda: f"rate date {contribution.rate_date} → {flow.rate_date}"),
        (donor_id != contribution.donor_id, lambda: f"donor {contribution.donor.name} → {flow.donor}"),
    ]
    return [words() for changed, words in found if changed]


def _entry(flow: Flow, donor, kept: Contribution | None = None) -> ContributionInput:
    """The flow as the ledger's services take it; an update keeps the reference and notes people wrote."""
    return ContributionInput(
        donor=donor, status=flow.status, amount=flow.amount, currency=flow.currency, rate=flow.rate,
        rate_date=flow.rate_date, decision_date=flow.decision_date,
        reference=kept.reference if kept else f"FTS flow {flow.flow_id}", note=kept.note if kept else "",
        donor_note=kept.donor_note if kept else "", duplicate_confirmed=True, usd_cents=flow.usd_cents)


def _applied(session: Session, step: _Step, source: str, change) -> Outcome:
    """``change`` made in a savepoint; a rule it breaks refuses the flow with the rule's reason."""
    flow = step.flow
    try:
        with session.begin_nested():
            contribution_id = change(session, step, f"FTS import of {source}, flow {flow.flow_id}")
    except (InvalidInput, EditConflict) as error:
        reason = error.message if isinstance(error, InvalidInput) else "It was changed by someone meanwhile."
        return _outcome(flow, REFUSED, reason, step.outcome.contribution_id)
    return _outcome(flow, step.outcome.outcome, step.outcome.reason, contribution_id)


def _add(session: Session, step: _Step, reason: str) -> int:
    flow = step.flow
    audit.give_reason(session, reason)
    donor = find_or_add_donor(session, flow.donor, flow.donor_type)
    audit.give_reason(session, reason)
    contribution = record_contribution(session, step.gap, _entry(flow, donor))
    session.add(FtsFlow(flow_id=flow.flow_id, contribution_id=contribution.id, plan_code=flow.plan_code))
    session.flush()
    return contribution.id


def _update(session: Session, step: _Step, reason: str) -> int:
    flow, contribution = step.flow, step.contribution
    audit.give_reason(session, reason)
    donor = find_or_add_donor(session, flow.donor, flow.donor_type)
    audit.give_reason(session, reason)
    edit_contribution(session, contribution, _entry(flow, donor, contribution), contribution.version)
    imported = session.get(FtsFlow, flow.flow_id)
    imported.plan_code = flow.plan_code
    session.flush()
    return contribution.id


def _donor_ids(session: Session, names) -> dict[str, int]:
    """The live donor of each name, by name key, as ids: the donors themselves are read (and held)
    only by the services that record on them."""
    keys = sorted({name_key(name) for name in names})
    return {key: donor_id for chunk in bulk.in_chunks(keys) for key, donor_id in session.execute(
        select(Donor.name_key, func.coalesce(Donor.merged_into_id, Donor.id)).where(Donor.name_key.in_(chunk)))}


def _imported(session: Session, ids: list[int]) -> dict[int, Contribution]:
    """The contribution of each flow among ``ids`` imported before, in one query per chunk (no eager
    options: the edit rule locks a contribution by refreshing it, which a join would make an outer join)."""
    query = select(FtsFlow.flow_id, Contribution).join(Contribution, Contribution.id == FtsFlow.contribution_id)
    return {flow_id: contribution for chunk in bulk.in_chunks(sorted(set(ids)))
            for flow_id, contribution in session.execute(query.where(FtsFlow.flow_id.in_(chunk)))}


def _not_in_file(session: Session, ids: set[int], plans: Plans) -> list[_Step]:
    """The flows imported before, of the plans this import covers, that the file no longer lists."""
    if plans.every is not None:
        query = select(FtsFlow).join(Contribution).where(Contribution.gap_id == plans.every.id)
    else:
        query = select(FtsFlow).where(FtsFlow.plan_code.in_(sorted(plans.by_plan)))
    return [_Step(None, Outcome(row.flow_id, None, row.plan_code, NOT_IN_FILE,
                                "FTS no longer lists it in this file; its contribution is kept as it is.",
                                row.contribution_id))
            for row in session.scalars(query.order_by(FtsFlow.flow_id)) if row.flow_id not in ids]
