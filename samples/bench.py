"""Pages and exports of samples for manage.py bench (core/bench.py)."""

PAGES: list = []
EXPORTS: list = []
