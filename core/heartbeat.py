"""The heartbeat job: proves beat, worker and database work together, and sweeps up exports
that could not be queued (broker down) or whose worker died."""

from __future__ import annotations

import socket
from datetime import date


def heartbeat(*, day: date) -> dict:
    from .background_exports import requeue_stale_exports

    return {"day": day.isoformat(), "host": socket.gethostname(), "exports_requeued": requeue_stale_exports()}
