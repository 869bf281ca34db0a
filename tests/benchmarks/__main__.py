"""``python -m tests.benchmarks``: run the figures benchmark (see ``bench_figures``)."""
from tests.benchmarks.bench_figures import main

raise SystemExit(main())
