"""The text of a reminder: a letter the donor can be sent as it is.

It greets the contact by name (or the donor's team when it goes to the programme's mailbox to be
forwarded), names the contribution by the donor's reference and ours, lists every instalment
still open with what remains due on it and its due date, says how to pay and whom to ask, and
closes with the programme's signature (TRACKER_LETTER_SIGNATURE). What staff must do with it is
said on the outbox page, never in the letter.
"""
from __future__ import annotations

from datetime import date

from tracker.core import money
from tracker.core.models import Contribution, Donor, Gap, Instalment
from tracker.schedules.instalments import OPEN


def amount_text(minor: int, currency: str) -> str:
    return f"{money.format_amount(money.from_minor(minor, currency), currency)} {currency}"


def _instalment_line(instalment: Instalment, currency: str, reminded: Instalment) -> str:
    due = amount_text(instalment.amount_minor - instalment.paid_minor, currency)
    this = " (the instalment this reminder is about)" if instalment.id == reminded.id else ""
    return f"- Instalment {instalment.number}, due {instalment.due_date.isoformat()}: {due}{this}"


def letter(instalment: Instalment, contribution: Contribution, donor: Donor, gap: Gap, *, today: date,
           recipient_name: str, signature: str) -> str:
    """The reminder's body for ``instalment`` (see the module's doc)."""
    due = amount_text(instalment.amount_minor - instalment.paid_minor, contribution.currency)
    late = instalment.due_date < today
    when = (f"was due on {instalment.due_date.isoformat()} ({(today - instalment.due_date).days} days ago)" if late
            else f"is due on {instalment.due_date.isoformat()}")
    ours = f"our No. {contribution.id}"
    named = f"reference {contribution.reference}, {ours}" if contribution.reference else ours
    still_open = [i for i in contribution.instalments
                  if i.status in OPEN and i.amount_minor > i.paid_minor] or [instalment]
    return "\n".join([
        f"Dear {recipient_name}," if recipient_name else f"Dear colleagues at {donor.name},",
        "",
        f"Thank you for your contribution to {gap.code} — {gap.title} ({named}).",
        f"Instalment {instalment.number} of {due} {when}.",
        "",
        "Still due on this contribution:",
        *(_instalment_line(i, contribution.currency, instalment) for i in still_open),
        "",
        "How to pay: please transfer the amount due to the account named in the contribution agreement, "
        f"quoting {named}. If you have already paid, or have any question, please reply to this message "
        "and we will be glad to help.",
        "",
        "Yours sincerely,",
        signature.strip(),
    ]).rstrip() + "\n"
