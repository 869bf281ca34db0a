"""The forms of a page as a browser reads them: where each posts and what it sends as shown.

The fuzz walk (tests/web/test_fuzz.py) learns every field of a form from the page that shows
it, so a field added to a template is walked without being declared anywhere.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

#: Inputs a browser sends as typed (checkboxes and radios only when ticked, buttons only when pressed).
_TEXT_LIKE = {"text", "hidden", "search", "email", "password", "number", "date", "tel", "url"}


@dataclass
class PageForm:
    action: str
    method: str
    values: dict[str, str] = field(default_factory=dict)  # what pressing the first button sends, buttons aside
    names: list[str] = field(default_factory=list)  # every named control, buttons and unticked boxes included
    buttons: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    also_to: list[str] = field(default_factory=list)  # other addresses its buttons send it to (formaction)

    def control(self, name: str) -> None:
        if name not in self.names:
            self.names.append(name)


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = PageForm(a.get("action", ""), a.get("method", "get").upper())
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "button" and "formaction" in a:
            self._form.also_to.append(a["formaction"])
        if tag == "option" and self._select is not None:
            self._option(a)
        elif not a.get("name"):
            return
        elif tag == "input":
            self._input(a)
        elif tag == "button":
            self._button(a)
        elif tag == "select":
            self._select, self._first_option = a["name"], None
            self._form.control(a["name"])
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form.control(a["name"])
            self._form.values[a["name"]] = ""

    def _option(self, a: dict[str, str]) -> None:
        value = a.get("value", "")
        if self._first_option is None:
            self._first_option = value
            self._form.values.setdefault(self._select, value)
        if "selected" in a:
            self._form.values[self._select] = value

    def _button(self, a: dict[str, str]) -> None:
        self._form.control(a["name"])
        self._form.buttons[a["name"]] = a.get("value", "")

    def _input(self, a: dict[str, str]) -> None:
        kind, name = a.get("type", "text").lower(), a["name"]
        self._form.control(name)
        if kind in _TEXT_LIKE:
            self._form.values[name] = a.get("value", "")
        elif kind in {"checkbox", "radio"} and "checked" in a:
            self._form.values[name] = a.get("value", "on")
        elif kind == "submit":
            self._form.buttons[name] = a.get("value", "")
        elif kind == "file":
            self._form.files.append(name)

    def handle_data(self, data):
        if self._textarea is not None:
            self._form.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form.values[self._textarea] = self._form.values[self._textarea].removeprefix("\n")
            self._textarea = None


def forms_on(page: str) -> list[PageForm]:
    reader = _FormReader()
    reader.feed(page)
    return reader.forms


def form_posting_to(page: str, url: str, page_url: str, method: str = "POST") -> PageForm | None:
    """The form of ``page`` (served at ``page_url``) that sends to ``url`` (by ``method``)."""
    for form in forms_on(page):
        targets = {(form.action or page_url).split("?")[0], *form.also_to}
        if form.method == method and url.split("?")[0] in targets:
            return form
    return None
