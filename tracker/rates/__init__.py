"""Exchange rates as official tables: the UN operational rates and the ECB reference rates read
from their published files (`files`), imported, added and corrected (`rules`), the rate in force
on a day (`rules.in_force`), the `/rates` page and the `rates` command."""
