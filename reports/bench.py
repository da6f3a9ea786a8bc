"""Pages and exports of reports for manage.py bench (core/bench.py)."""

PAGES: list = []
EXPORTS: list = []
