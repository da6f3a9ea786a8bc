"""Pages and exports of expenses for manage.py bench (core/bench.py)."""

PAGES: list = []
EXPORTS: list = []
