"""Every flow's outcome, for a terminal, a CSV file and the web import's result."""
from __future__ import annotations

import csv
import io
from typing import IO

from tracker.core import money
from tracker.fts.rules import ADDED, KEPT, LEFT_OUT, NOT_IN_FILE, REFUSED, UNCHANGED, UPDATED, FtsResult, Outcome

OUTCOMES = (ADDED, UPDATED, UNCHANGED, LEFT_OUT, REFUSED, NOT_IN_FILE)
CSV_HEADERS = ("flow id", "row", "plan", "outcome", "reason or change", "contribution", "amountUSD")


def line(outcome: Outcome) -> str:
    """'flow 123456 (row 4): updated, contribution No. 7: status committed → paid'."""
    where = f"flow {outcome.flow_id}" if outcome.flow_id is not None else "a flow"
    where += f" (row {outcome.row})" if outcome.row is not None else ""
    said = f"{where}: {outcome.outcome}"
    if outcome.contribution_id is not None:
        said += f", contribution No. {outcome.contribution_id}"
    return f"{said}: {outcome.reason}" if outcome.reason else said


def totals_lines(result: FtsResult) -> list[str]:
    """The US$ total of the flows kept, by plan: FTS's figure for those flows, to the cent."""
    return [f"plan {plan or '(none)'}: US$ {money.usd(cents):,} in {_kept(result, plan)} flow(s) kept"
            for plan, cents in sorted(result.kept_usd_cents().items())]


def _kept(result: FtsResult, plan: str) -> int:
    return sum(1 for o in result.outcomes if o.plan_code == plan and o.outcome in KEPT)


def said(result: FtsResult, dry_run: bool) -> str:
    counts = ", ".join(f"{result.count(o)} {o}" for o in OUTCOMES if result.count(o))
    return f"Flows: {counts or 'none'}." + (" Dry run: nothing was written." if dry_run else "")


#: What marks an upload's stored result as an FTS import's, whose pages are ``tracker.fts.views``.
KIND = "fts flows"


def summary(result: FtsResult) -> dict:
    """The result in JSON-able terms, kept with a web upload."""
    return {"kind": KIND, "counts": {o: result.count(o) for o in OUTCOMES},
            "lines": [line(o) for o in result.outcomes], "totals": totals_lines(result)}


def write_csv(target: IO[bytes], result: FtsResult) -> None:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(CSV_HEADERS)
    for o in result.outcomes:
        writer.writerow((o.flow_id or "", o.row or "", o.plan_code, o.outcome, o.reason, o.contribution_id or "",
                         money.usd(o.usd_cents) if o.usd_cents else ""))
    target.write(text.getvalue().encode("utf-8-sig"))


def is_fts_result(outcome: dict) -> bool:
    """Whether an upload's stored result is an FTS import's (not the generic import's)."""
    return outcome.get("kind") == KIND
