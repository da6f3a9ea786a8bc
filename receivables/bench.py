"""Pages and exports of receivables for manage.py bench (core/bench.py)."""

PAGES: list = []
EXPORTS: list = []
