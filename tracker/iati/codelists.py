"""The IATI codelists the export and the import use, shipped as small JSON files in ``codelists/``.

Built from the official IATI codelists (version 2.03): TransactionType, BudgetType,
ActivityStatus, ActivityDateType, OrganisationType, OrganisationRole, TagVocabulary, ResultType
and IndicatorMeasure as published; Currency (ISO 4217) and Country (ISO 3166-1 alpha-2) from
pycountry's ISO tables, which the IATI lists mirror. The schema checks structure only, so the
tests check every code an export writes against these lists.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

FOLDER = Path(__file__).with_name("codelists")

#: Which codelist each coded attribute of an export draws from, as (element path suffix, attribute).
CODED = {
    ("transaction-type", "code"): "TransactionType",
    ("budget", "type"): "BudgetType",
    ("activity-status", "code"): "ActivityStatus",
    ("activity-date", "type"): "ActivityDateType",
    ("reporting-org", "type"): "OrganisationType",
    ("participating-org", "type"): "OrganisationType",
    ("provider-org", "type"): "OrganisationType",
    ("participating-org", "role"): "OrganisationRole",
    ("tag", "vocabulary"): "TagVocabulary",
    ("result", "type"): "ResultType",
    ("indicator", "measure"): "IndicatorMeasure",
    ("value", "currency"): "Currency",
    ("iati-activity", "default-currency"): "Currency",
    ("recipient-country", "code"): "Country",
}


@cache
def codes(name: str) -> dict[str, str]:
    """The codes of the codelist ``name`` and their names."""
    return json.loads((FOLDER / f"{name}.json").read_text(encoding="utf-8"))["codes"]


def unknown_codes(tree) -> list[str]:
    """Every coded attribute of an ``iati-activities`` tree whose value is not in its codelist."""
    unknown = []
    for (tag, attribute), name in CODED.items():
        for element in tree.iter(tag):
            value = element.get(attribute)
            if value is not None and value not in codes(name):
                unknown.append(f"{tag}/@{attribute}={value!r} is not in the {name} codelist")
    return unknown
