"""The heartbeat job: proves beat, worker and database work together, and sweeps up exports
that could not be queued (broker down) or whose worker died, and scheduled jobs whose worker
died mid-run (core.jobs.resume_interrupted_jobs)."""

from __future__ import annotations

import socket
from datetime import date


def heartbeat(*, day: date) -> dict:
    from .background_exports import requeue_stale_exports
    from .jobs import resume_interrupted_jobs

    return {
        "day": day.isoformat(),
        "host": socket.gethostname(),
        "exports_requeued": requeue_stale_exports(),
        "jobs_resumed": resume_interrupted_jobs(),
    }
