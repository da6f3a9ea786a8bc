"""Fill untranslated zh_Hans entries from locale/pending/*.json, (delete the JSON files once merged).

Each module being built writes its Simplified Chinese into ``locale/pending/<app>.json``
({msgid: msgstr}; a msgid with a context is written "context\\u0004msgid"; for a plural entry
the key is the singular msgid) instead of editing the shared .po files, so that modules built
side by side never conflict. ``make messages`` runs makemessages, this script, then po_hant.py.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PENDING = ROOT / "locale" / "pending"


def main() -> int:
    files = sorted(PENDING.glob("*.json"))
    if not files:
        return 0
    pending: dict[str, str] = {}
    for path in files:
        pending.update(json.loads(path.read_text(encoding="utf-8")))
    po = polib.pofile(str(PO))
    filled = 0
    for entry in po:
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        # A string used with % formatting has its literal percent signs doubled in the catalogue.
        value = pending.get(key, pending.get(key.replace("%%", "%")))
        if value is None:
            continue
        if "python-format" in entry.flags and "%%" in entry.msgid:
            value = re.sub(r"%(?![(%])", "%%", value)
        fuzzy = "fuzzy" in entry.flags  # makemessages guessed from a similar msgid: replace the guess
        if entry.msgid_plural:
            if fuzzy or not entry.msgstr_plural.get(0):
                entry.msgstr_plural = {0: value}
                filled += 1
        elif fuzzy or not entry.msgstr:
            entry.msgstr = value
            filled += 1
        if fuzzy:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = None
    po.save()
    missing = [e.msgid for e in po if not e.obsolete and not e.translated()]
    print(f"po_fill: {filled} entries filled from {len(files)} file(s); {len(missing)} still untranslated")
    for msgid in missing[:40]:
        print("  untranslated:", msgid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
