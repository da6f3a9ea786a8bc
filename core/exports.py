"""Excel downloads: one helper every list page uses, fed by the page's own scoped queryset.

openpyxl's write-only mode keeps memory flat (rows go to a temporary file as they come);
the finished workbook is streamed back from disk. Decimals stay numbers, datetimes become
naive local time (Excel has no time zones), choices show their label.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

MAX_CELL_TEXT = 32_000


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    width: int = 16
    number_format: str | None = None


def excel_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return "✓" if value else ""
    if hasattr(value, "isoformat"):  # date
        return value
    text = str(value)
    # A cell starting with = + - @ would be read as a formula (CSV/Excel injection).
    if text[:1] in {"=", "+", "-", "@"}:
        text = "'" + text
    return text[:MAX_CELL_TEXT]


def write_sheet(workbook: Workbook, title: str, columns: Sequence[Column], rows: Iterable[Any]) -> None:
    sheet = workbook.create_sheet(title=title[:31])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for column in columns:
            value = excel_value(column.value(row))
            if column.number_format and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = column.number_format
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def xlsx_response(filename: str, sheets: Sequence[tuple[str, Sequence[Column], Iterable[Any]]]) -> FileResponse:
    """Build a workbook of one or more (title, columns, rows) sheets and stream it."""
    workbook = Workbook(write_only=True)
    for title, columns, rows in sheets:
        write_sheet(workbook, title, columns, rows)
    handle = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it when sent)
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
