"""Importing contributions from a spreadsheet (.xlsx or .csv), all or nothing.

- ``files``: reading an upload into headers and rows, refusing zip bombs and oversized files;
- ``mapping``: which column holds what, guessed from headers and remembered per header set;
- ``rows``: one row's cells into a checked entry, with every problem named;
- ``run``: recording the entries through the same services as the form, in one transaction,
  holding back the possible duplicates (``tracker.contributions.duplicates``) unless allowed;
- ``uploads``: keeping an upload between preview and confirmation;
- ``commands``: ``flask import-contributions`` for bulk loads;
- ``views`` and ``forms``: the pages upload → columns → preview → import.
"""
