#!/usr/bin/env python
"""Fill untranslated Traditional Chinese entries from the Simplified Chinese catalogue.

zh_Hans is the catalogue we write by hand; every zh_Hant entry is converted from it with
OpenCC (s2twp: Taiwan standard with Taiwanese phrasing) plus FIXES, so a correction made in
zh_Hans reaches zh_Hant too. Review the diff: OpenCC is good, not perfect; put corrections in
FIXES, not in the zh_Hant file. Run by `make messages`.
"""

from pathlib import Path

import polib
from opencc import OpenCC

ROOT = Path(__file__).resolve().parent.parent
HANS = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"
HANT = ROOT / "locale/zh_Hant/LC_MESSAGES/django.po"


# OpenCC's word choices that read wrong in Taiwan / Hong Kong business usage.
FIXES = [
    ("型別", "類型"),
    ("引數", "參數"),
    ("郵箱", "電子郵件"),
    ("賬", "帳"),
    ("儀表盤", "儀表板"),
    ("退出登入", "登出"),
    ("合同", "合約"),
    ("質量", "品質"),
    ("程式碼", "代碼"),
    ("信用證", "信用狀"),
]


def to_hant(text: str, convert) -> str:
    text = convert(text)
    for wrong, right in FIXES:
        text = text.replace(wrong, right)
    return text


def main() -> None:
    convert = OpenCC("s2twp").convert
    hans = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(HANS))}
    hant = polib.pofile(str(HANT))
    filled = 0
    for entry in hant:
        source = hans.get((entry.msgctxt, entry.msgid))
        if source is None or not source.translated():
            continue
        before = (entry.msgstr, dict(entry.msgstr_plural), "fuzzy" in entry.flags)
        entry.msgstr = to_hant(source.msgstr, convert)
        if source.msgstr_plural:
            entry.msgstr_plural = {k: to_hant(v, convert) for k, v in source.msgstr_plural.items()}
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        if (entry.msgstr, dict(entry.msgstr_plural), "fuzzy" in entry.flags) != before:
            filled += 1
    hant.save()
    print(f"zh_Hant: {filled} entries changed, converted from zh_Hans")


if __name__ == "__main__":
    main()
