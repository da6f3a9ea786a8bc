"""Pages and exports of travel for manage.py bench (core/bench.py)."""

PAGES: list = []
EXPORTS: list = []
