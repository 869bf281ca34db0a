"""The official IATI 2.03 schema, and the one-line message of the first place a file breaks it.

The export is validated in the tests; the import validates every file before it reads a
transaction. The schemas travel with the package (``schemas/``, copied with their README from the
IATI-Schemas repository); lxml parses them once per process.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

FOLDER = Path(__file__).with_name("schemas")


class SchemaError(ValueError):
    """The file is not IATI 2.03 activities XML; the message is the first error, on one line."""


@cache
def activities_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(FOLDER / "iati-activities-schema.xsd")))


def parse(content: bytes) -> etree._ElementTree:
    """The file's tree once it validates; ``SchemaError`` with the first problem otherwise."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        tree = etree.ElementTree(etree.fromstring(content, parser))
    except etree.XMLSyntaxError as error:
        raise SchemaError(f"Not well-formed XML: {error}") from None
    schema = activities_schema()
    if not schema.validate(tree):
        first = schema.error_log[0]
        raise SchemaError(f"Not valid IATI 2.03 (line {first.line}): {' '.join(first.message.split())}")
    return tree
