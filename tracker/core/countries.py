"""Countries by their ISO 3166-1 alpha-2 codes, as pages, forms and workbooks name them."""
from __future__ import annotations

import pycountry


def by_name() -> list[tuple[str, str]]:
    """Every country as (code, name), in the order of their names."""
    return [(c.alpha_2, c.name) for c in sorted(pycountry.countries, key=lambda c: c.name)]


def country_name(code: str | None) -> str:
    """The country's name, or "—" for no code or an unknown one."""
    found = pycountry.countries.get(alpha_2=code) if code else None
    return found.name if found else "—"
