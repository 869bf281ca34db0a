"""IATI 2.03: the gaps published as activities (``activities``, their budgets split by year in
``budgets``), the codes checked against the codelists shipped here (``codelists``), the schema
check (``schema``), and the incoming transactions of an IATI file imported into gaps exactly once
(``transactions``)."""
