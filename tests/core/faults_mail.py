"""A file email backend (one file per message) that hangs at a chosen message, so a test can
SIGKILL the worker at a known point.

FAULTS_BLOCK="before:N": hang when about to write the Nth message (claimed, not sent);
FAULTS_BLOCK="after:N": hang right after writing the Nth message (sent, not yet marked sent).
On hanging it creates the file FAULTS_MARKER, which the test waits for.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


def _written(directory: str) -> int:
    return sum(1 for p in Path(directory).iterdir() if p.suffix == ".eml")


class HangingFileBackend(EmailBackend):
    def _get_filename(self):
        # Django's name is time + id(self): two connections in the same second can share a file.
        return os.path.join(self.file_path, f"{time.time_ns()}-{uuid.uuid4().hex}.eml")

    def _hang(self) -> None:
        Path(os.environ["FAULTS_MARKER"]).write_text(str(os.getpid()))
        time.sleep(3600)  # until SIGKILL

    def send_messages(self, email_messages):
        where, _, nth = os.environ.get("FAULTS_BLOCK", "").partition(":")
        if where == "before" and _written(self.file_path) == int(nth) - 1:
            self._hang()
        sent = super().send_messages(email_messages)
        if where == "after" and _written(self.file_path) == int(nth):
            self._hang()
        return sent
