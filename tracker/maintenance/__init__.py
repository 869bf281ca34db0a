"""The database as a whole: creating and upgrading it, example data, backup and restore."""
