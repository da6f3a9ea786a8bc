"""Pages and exports of contracts for manage.py bench (core/bench.py)."""

PAGES: list = []
EXPORTS: list = []
