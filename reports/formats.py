"""Number formats and cell styles: how figures look to a finance officer.

Money is written as numbers (never text) with a currency format, so the workbook can add it
up; dates are real dates. The formats read the same in Excel and LibreOffice.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.numbers import FORMAT_DATE_YYYYMMDD2

#: US$ columns say "(US$)" in their header, so their cells carry the number alone.
USD_FORMAT = "#,##0.00"
DATE_FORMAT = FORMAT_DATE_YYYYMMDD2  # "yyyy-mm-dd": what openpyxl gives a date by itself
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0.00%"
COUNT_FORMAT = "#,##0"

#: The workbook's own font, named: a font without a name prints in LibreOffice's default serif.
FONT_NAME = "Calibri"
HEADER_FONT = Font(name=FONT_NAME, bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E8C")
#: Headers keep an indent's room from the next one, so two never print as one.
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="left", indent=1)
NUMBER_HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="right", indent=1)

#: Long text wraps; a row taller than a line reads from the top (see reports.tables).
WRAP = Alignment(wrap_text=True)
#: Instalments past due and not fully paid: a pale red, as on the app's pages.
OVERDUE_FILL = PatternFill("solid", fgColor="F8D7DA")
TOTAL_FONT = Font(name=FONT_NAME, bold=True)
TOTAL_BORDER = Border(top=Side("thin"), bottom=Side("double"))
TITLE_FONT = Font(name=FONT_NAME, bold=True, size=14)
BAR_COLOUR = "2E7D4F"


def places(amount: Decimal) -> int:
    """Decimal places ``amount`` carries: the app hands amounts with their currency's places."""
    return max(0, -amount.as_tuple().exponent)


@lru_cache(maxsize=256)
def amount_format(currency: str, decimal_places: int) -> str:
    """A currency format such as ``"EUR "#,##0.00`` or ``"JPY "#,##0``."""
    fraction = "." + "0" * decimal_places if decimal_places else ""
    return f'"{currency} "#,##0{fraction}'
