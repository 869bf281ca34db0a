"""Importing OCHA FTS flow exports (the Financial Tracking Service's flow lists, as FTS and the
Humanitarian Data Exchange publish them), keyed by FTS's own flow id.

A package of its own rather than a set of targets of ``tracker.imports``: the generic import
adds rows once and never changes them, and is all or nothing, while an FTS export is read again
and again, updates the flows FTS changed through the ledger's edit rules, and gives each flow its
own outcome. It reuses the generic import's file reading (``tracker.imports.files``) and its
uploads (``tracker.imports.uploads``).

- ``flows``: a table in the FTS layout into flows, each with what it becomes or why it is left out;
- ``plans``: which gap each FTS plan's flows go to, given or remembered;
- ``rules``: what each flow does to the ledger, checked (reads only) and then applied;
- ``recording``: the check in a read transaction, the changes in one short write;
- ``report``: every flow's outcome as lines and as a CSV file;
- ``commands``: ``flask import-fts``; ``views`` and ``forms``: the web import of an FTS file.
"""
