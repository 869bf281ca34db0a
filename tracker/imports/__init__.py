"""Importing contributions from a spreadsheet (.xlsx or .csv), all or nothing.

- ``files``: reading an upload into headers and rows, refusing zip bombs, oversized files and
  files wider than the column cap;
- ``mapping``: which column holds what, guessed from headers and remembered per header set;
- ``rows``: one row's cells into a checked entry, with every problem named;
- ``run``: checking every row against the ledger with the forms' own rules (reads only), and
  recording the checked rows in bulk, holding back the possible duplicates
  (``tracker.contributions.duplicates``) unless allowed;
- ``recording``: an import's transactions: the check in a read, the recording in one short write;
- ``queue``: imports too large for a web request, recorded by the scheduler process;
- ``uploads``: keeping an upload between preview and confirmation;
- ``commands``: ``flask import-contributions`` for bulk loads;
- ``views`` and ``forms``: the pages upload → columns → preview → import (→ progress).
"""
