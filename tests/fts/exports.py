"""FTS flow exports built on the fly, in the layout FTS and the Humanitarian Data Exchange publish."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook

HEADERS = ["id", "date", "decisionDate", "description", "amountUSD", "originalAmount", "originalCurrency",
           "exchangeRate", "srcOrganization", "srcOrganizationTypes", "destPlan", "destPlanCode",
           "destOrganization", "destGlobalClusters", "flowType", "boundary", "status"]
#: The row of HXL hashtags HDX puts under the header.
HXL = ["#x_id", "#date", "#date+decision", "#description", "#value+funding+total+usd", "#value+funding+total",
       "#currency", "#x_rate", "#org+name+funder", "#org+type+funder", "#x_plan", "#x_plan+code",
       "#org+name+impl", "#sector+cluster", "#x_flowtype", "#x_boundary", "#status"]
PLAN, OTHER_PLAN = "HAFG20", "HSOM20"
QUOTED_DONOR = 'World Food Programme "WFP": food, emergency'


def flow(flow_id, usd, status="paid", *, donor="Government of Japan", types="Government", original="",
         currency="", rate="", plan=PLAN, flow_type="Standard", boundary="incoming", day="2020-03-15T00:00:00Z",
         decided="2020-03-01T00:00:00Z") -> dict:
    return {"id": flow_id, "date": day, "decisionDate": decided, "description": f"Flow {flow_id}, emergency",
            "amountUSD": usd, "originalAmount": original, "originalCurrency": currency, "exchangeRate": rate,
            "srcOrganization": donor, "srcOrganizationTypes": types, "destPlan": f"Plan {plan}, 2020",
            "destPlanCode": plan, "destOrganization": "ILO", "destGlobalClusters": "Early Recovery, Protection",
            "flowType": flow_type, "boundary": boundary, "status": status}


#: The first export: every kind of flow the import meets. FTS's rates are rounded, its amountUSD whole dollars.
FLOWS = [
    flow(200001, 1004689, "commitment", original=150000000, currency="JPY", rate="149.3"),
    flow(200002, 500000, donor=QUOTED_DONOR, types="UN agency", original=500000, currency="USD", rate=1),
    flow(200003, 2244165, "pledge", donor="Germany, Federal Foreign Office", types="Government",
         original=2000000, currency="EUR", rate="0.8912"),
    flow(200004, 75000, donor="", types=""),
    flow(200005, 90000, flow_type="Parked"),
    flow(200006, 12000, boundary="internal"),
    flow(200007, 0, "pledge"),
    flow(200008, 300000, plan=OTHER_PLAN),
    flow(200009, 988794, original=300000, currency="KWD", rate="0.3034", donor="Kuwait", types="Government"),
    flow(200010, 250000, "commitment", donor="Gates Foundation", types="Private organization/foundation"),
]
#: Kept flows of ``PLAN`` and their amountUSD.
KEPT = {200001: 1004689, 200002: 500000, 200003: 2244165, 200004: 75000, 200009: 988794, 200010: 250000}


def later(flows=FLOWS) -> list[dict]:
    """The next export: one changed amount, one changed status, one new flow."""
    changed = [dict(f) for f in flows]
    changed[0].update(amountUSD=1071668, originalAmount=160000000)
    changed[2].update(status="commitment")
    return [*changed, flow(200011, 40000, "pledge", donor="Norway", types="Government")]


def csv_file(flows=FLOWS, *, hxl=True) -> bytes:
    """As FTS writes it: UTF-8 with a BOM, every field quoted, quotes inside doubled."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, quoting=csv.QUOTE_ALL)
    writer.writerow(HEADERS)
    if hxl:
        writer.writerow(HXL)
    for row in flows:
        writer.writerow([row[h] for h in HEADERS])
    return text.getvalue().encode("utf-8-sig")


def workbook(flows=FLOWS) -> bytes:
    book = Workbook()
    book.active.append(HEADERS)
    for row in flows:
        book.active.append([row[h] if row[h] != "" else None for h in HEADERS])
    target = io.BytesIO()
    book.save(target)
    return target.getvalue()
