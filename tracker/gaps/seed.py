"""Seeds: the programme and funding gaps a new installation starts with (tracker/gaps/seeds/NAME.json).

A seed is loaded at most once per database, recorded in ``seed_run``. Once loaded, its gaps
belong to the users: editing, recoding or closing them never brings the seeded version back.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from tracker.core.errors import InvalidInput
from tracker.core.models import SeedRun
from tracker.gaps.rules import GapInput, create_gap
from tracker.programmes.rules import ProgrammeInput, create_programme, get_programme

SEEDS = Path(__file__).resolve().parent / "seeds"


def available() -> list[str]:
    return sorted(p.stem for p in SEEDS.glob("*.json"))


def load_seed(session: Session, name: str) -> int:
    """Load the seed ``name`` unless it was loaded before; return the number of gaps added."""
    path = SEEDS / f"{name}.json"
    if not path.is_file():
        raise InvalidInput("seed", f"no seed called {name!r}; available: {', '.join(available())}")
    if session.get(SeedRun, name) is not None:
        return 0
    data = json.loads(path.read_text(encoding="utf-8"))
    if get_programme(session, data["programme"]["code"]) is None:
        create_programme(session, ProgrammeInput(**data["programme"]))
    for gap in data["gaps"]:
        create_gap(session, GapInput(**{**gap, "requirement_usd": Decimal(gap["requirement_usd"])}))
    session.add(SeedRun(name=name))
    session.flush()
    return len(data["gaps"])
