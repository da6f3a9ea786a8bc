"""The heartbeat job: proves beat, worker and database work together."""

from __future__ import annotations

import socket
from datetime import date


def heartbeat(*, day: date) -> dict:
    return {"day": day.isoformat(), "host": socket.gethostname()}
