"""Which funding gap each FTS plan's flows are recorded on.

A person names them (``--plan HAFG20=AFG-HRP-2020`` on the command line, a choice per plan on the
web import) or the import offers the gap last chosen for that plan: every export of a plan has
the same layout, so the plan code, not the header set the generic import keys its columns by,
is what tells one file's flows from another's. Flows of plans mapped to no gap are left out.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.core import bulk
from tracker.core.errors import InvalidInput
from tracker.core.models import FtsPlan, Gap


@dataclass(frozen=True)
class PlanChoice:
    """What was chosen: a gap code per plan code (None: the remembered gap, else ``every``), and
    ``every``, the gap of every flow of the file when no plan is named (a file of one plan)."""

    gaps: dict[str, str | None] = field(default_factory=dict)
    every: str | None = None


def parsed_plan(option: str) -> tuple[str, str | None]:
    """``HAFG20=AFG-HRP-2020`` (or ``HAFG20`` alone) as (plan code, gap code or None); ``ValueError``
    saying what is wrong."""
    plan, sign, gap = (part.strip() for part in option.partition("="))
    if not plan or (sign and not gap) or "=" in gap:
        raise ValueError(f"{option!r}: use PLAN=GAP, e.g. HAFG20=AFG-HRP-2020, or PLAN alone with --gap.")
    return plan.upper(), gap.upper() or None


@dataclass(frozen=True)
class Plans:
    """The gap of each plan's flows (``every``: of every flow), resolved against the ledger."""

    by_plan: dict[str, Gap]
    every: Gap | None = None

    def gap_of(self, plan_code: str) -> Gap | None:
        return self.every if self.every is not None else self.by_plan.get(plan_code)

    def covers(self, plan_code: str) -> bool:
        return self.gap_of(plan_code) is not None


def remembered(session: Session, plan_codes: Iterable[str]) -> dict[str, str]:
    """The gap code last chosen for each of ``plan_codes`` that has one."""
    found = {}
    for chunk in bulk.in_chunks(sorted(set(plan_codes))):
        query = select(FtsPlan.plan_code, Gap.code).join(Gap, Gap.id == FtsPlan.gap_id).where(
            FtsPlan.plan_code.in_(chunk))
        found.update((plan, gap) for plan, gap in session.execute(query))
    return found


def resolved(session: Session, choice: PlanChoice, plan_codes: Iterable[str]) -> Plans:
    """``choice`` for a file whose flows name ``plan_codes``, against the ledger.

    No plan named: ``every`` takes every flow, else each plan of the file its remembered gap.
    Plans named: only their flows, each to the gap given, else ``every``, else the remembered one
    (a plan with none of them is refused). A gap code the ledger does not know is refused.
    """
    if not choice.gaps:
        if choice.every is not None:
            return Plans({}, _gaps(session, {choice.every})[choice.every])
        wanted = remembered(session, plan_codes)
    else:
        kept = remembered(session, [plan for plan, gap in choice.gaps.items() if gap is None])
        wanted = {plan: gap or choice.every or kept.get(plan) for plan, gap in choice.gaps.items()}
        unmapped = sorted(plan for plan, gap in wanted.items() if gap is None)
        if unmapped:
            raise InvalidInput("gap", f"No gap is given or remembered for the plan {', '.join(unmapped)}: "
                                      "name it as PLAN=GAP, or give --gap.")
    gaps = _gaps(session, set(wanted.values()))
    return Plans({plan: gaps[gap] for plan, gap in wanted.items()})


def _gaps(session: Session, codes: set[str]) -> dict[str, Gap]:
    found = {gap.code: gap for gap in session.scalars(select(Gap).where(Gap.code.in_(sorted(codes))))}
    unknown = sorted(codes - set(found))
    if unknown:
        raise InvalidInput("gap", f"There is no funding gap with the code {', '.join(unknown)}.")
    return found


def _named(choice: PlanChoice, plans: Plans) -> dict[str, Gap]:
    """The plans ``choice`` names (the file's flows without a plan aside) and their gaps."""
    return {plan: plans.by_plan[plan] for plan in choice.gaps if plan and plan in plans.by_plan}


def is_remembered(session: Session, choice: PlanChoice, plans: Plans) -> bool:
    """Whether the gaps named are those kept already: then an import that changes no flow writes nothing."""
    named = _named(choice, plans)
    return remembered(session, named) == {plan: gap.code for plan, gap in named.items()}


def remember(session: Session, choice: PlanChoice, plans: Plans) -> None:
    """Keep the gap named for each plan (the last choice wins), for the next export of the plan."""
    named = _named(choice, plans)
    if not named:
        return
    kept = {row.plan_code: row for row in session.scalars(select(FtsPlan).where(FtsPlan.plan_code.in_(sorted(named))))}
    for plan, gap in named.items():
        if plan not in kept:
            session.add(FtsPlan(plan_code=plan, gap_id=gap.id))
        elif kept[plan].gap_id != gap.id:
            kept[plan].gap_id = gap.id
    session.flush()
