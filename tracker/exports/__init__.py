"""Excel downloads: the rows gathered from the ledger for the builders in `reports`, the download
pages and their filters.
"""
