"""Warn when the PDF toolchain would make WeasyPrint crawl (CONVENTIONS: PDF and Excel).

Without libharfbuzz-subset WeasyPrint silently takes a slow font path (about 40 times
slower for a Chinese page); without a CJK font Chinese text renders as boxes.
"""

from __future__ import annotations

import ctypes.util
from pathlib import Path

from django.core.checks import Warning, register

FONT_DIRS = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts"]


def has_harfbuzz_subset() -> bool:
    return ctypes.util.find_library("harfbuzz-subset") is not None


def has_cjk_font() -> bool:
    return any(folder.is_dir() and any(folder.rglob("*CJK*")) for folder in FONT_DIRS)


@register()
def pdf_toolchain(app_configs, **kwargs):
    problems = []
    if not has_harfbuzz_subset():
        problems.append(
            Warning(
                "libharfbuzz-subset is missing: WeasyPrint PDFs will be very slow.",
                hint="apt-get install libharfbuzz-subset0 (see README, 'PDF').",
                id="backdesk.W001",
            )
        )
    if not has_cjk_font():
        problems.append(
            Warning(
                "No CJK font found: Chinese text in PDFs will not render.",
                hint="apt-get install fonts-noto-cjk (see README, 'PDF').",
                id="backdesk.W002",
            )
        )
    return problems
