"""The one way values are read from a request: numbers in addresses, query strings and forms,
and the characters no value may hold. Whatever someone types or edits into a request is
refused here with a 400 (a 404 for an address naming no record), never passed on to become
a 500 in Python or in the database.

- **Whole numbers are written with the ASCII digits 0–9**, nothing else: no sign, no spaces,
  no ``_``, no exponent. ``str.isdigit()`` takes ``²`` (which ``int()`` refuses) and ``int()``
  takes ``١٢``, ``+1`` and ``1_0``; digits of other scripts are refused, never read as numbers.
- **A number fits its column**: record numbers and versions are PostgreSQL ``INTEGER``
  (:data:`MAX_ID`); one beyond names no record (SQLite would raise an overflow, PostgreSQL an
  out-of-range error).
- **No control character** (C0, DEL, C1) in an address, a query string or a form field; a
  multi-line text may hold TAB, CR and LF. PostgreSQL refuses NUL in text, and the others are
  invisible in every page and workbook. Addresses and query strings are checked before any
  view runs (:func:`refuse_control_characters`); form fields by the base form
  (``tracker.web.forms.Form``), which knows which fields are multi-line.

Record numbers in addresses are the ``id`` converter: ``/contributions/<id:contribution_id>``.
"""
from __future__ import annotations

import re

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

#: Largest record number or version a column holds (PostgreSQL INTEGER); a larger one names no record.
MAX_ID = 2**31 - 1
#: Largest whole number a BIGINT column holds.
MAX_BIG = 2**63 - 1

_DIGITS = re.compile("[0-9]+")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def whole_number(text: str | None, lowest: int = 0, highest: int = MAX_ID) -> int | None:
    """``text`` as a whole number from ``lowest`` to ``highest``, or None when it is not one."""
    if text is None or len(text) > len(str(highest)) or not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if lowest <= value <= highest else None


def control_character(text: str, multi_line: bool = False) -> str | None:
    """The first control character of ``text`` as U+XXXX, or None; ``multi_line`` allows TAB, CR and LF."""
    found = (_CONTROL_IN_TEXT if multi_line else _CONTROL).search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def number_argument(name: str, what: str, default: int, lowest: int = 1, highest: int = MAX_ID) -> int:
    """The whole number of ``?name=`` (``default`` when absent); a 400 saying what is allowed otherwise."""
    raw = request.args.get(name)
    if raw is None:
        return default
    value = whole_number(raw, lowest, highest)
    if value is None:
        abort(400, description=f"{what} must be a whole number from {lowest:,} to {highest:,}, "
                               "written with the digits 0 to 9.")
    return value


class IdConverter(IntegerConverter):
    """``<id:name>``: a record number, ASCII digits from 1 to :data:`MAX_ID`. Anything else in
    its place matches no route (404): ``/contributions/١`` is not contribution 1, and
    ``/contributions/3000000000`` names no contribution."""

    regex = "[0-9]+"  # Werkzeug's int converter uses \d, which takes the digits of every script

    def __init__(self, map):
        super().__init__(map, min=1, max=MAX_ID)


def refuse_control_characters() -> None:
    """Before every view: a control character in the address or the query string is a 400 that
    names where it is (form fields are checked by the form, see the module's docstring)."""
    code = control_character(request.path)
    if code:
        abort(400, description=f"The address holds a control character ({code}), which no address here may hold.")
    for name, value in request.args.items(multi=True):
        code = control_character(name + value)
        if code:
            shown = repr(name) if control_character(name) else name
            abort(400, description=f"The address's “{shown}” holds a control character ({code}), which no "
                                   "value here may hold.")


def init_app(app: Flask) -> None:
    """The ``id`` converter (before any blueprint's routes are added) and the control-character check."""
    app.url_map.converters["id"] = IdConverter
    app.before_request(refuse_control_characters)
