"""Excel downloads: one helper every list page uses, fed by the page's own scoped queryset.

openpyxl's write-only mode keeps memory flat (rows go to a temporary file as they come);
the finished workbook is streamed back from disk. Decimals stay numbers, datetimes become
naive local time (Excel has no time zones), choices show their label.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import TIME_FORMATS
from openpyxl.styles import Font

MAX_CELL_TEXT = 32_000


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    width: int = 16
    number_format: str | None = None


_AS_IS = frozenset({int, float, Decimal, date})
_FORMULA_START = frozenset("=+-@")


def excel_value(value: Any) -> Any:
    kind = type(value)
    if value is None or kind in _AS_IS:  # the common cases first: a download calls this per cell
        return value
    if kind is str:
        if not value:
            return None  # an empty cell is no cell: openpyxl skips it instead of writing <c t="inlineStr"/>
        text = value
    elif isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    elif isinstance(value, bool):
        return "✓" if value else ""
    elif isinstance(value, (int, float, Decimal)) or hasattr(value, "isoformat"):  # subclasses, time
        return value
    else:
        text = str(value)
    # A cell starting with = + - @ would be read as a formula (CSV/Excel injection).
    if text[:1] in _FORMULA_START:
        text = "'" + text
    return text if len(text) <= MAX_CELL_TEXT else text[:MAX_CELL_TEXT]


def choice_labels(choices) -> dict[Any, str]:
    """A choices list as {value: label} with the labels translated once, not once per row."""
    return {value: str(label) for value, label in choices}


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
    # A formatted value goes in as a styled cell. openpyxl takes a cell object through a raised
    # and caught ValueError, which costs about as much as writing it, so: one styled cell per
    # column, given each row's value in turn (openpyxl writes a cell as soon as the row yields
    # it), and none at all where openpyxl's own format for the type is the one wanted (dates).
    styled = [_styled_cell(sheet, column.number_format) if column.number_format else None for column in columns]
    as_is = [_type_formatted_as(column.number_format) for column in columns]
    getters = [column.value for column in columns]
    for row in rows:
        cells = []
        for getter, template, plain_type in zip(getters, styled, as_is, strict=True):
            value = excel_value(getter(row))
            if template is None or value is None or type(value) is plain_type:
                cells.append(value)
            else:
                template.value = value
                cells.append(template)
        sheet.append(cells)


def _type_formatted_as(number_format: str | None) -> type | None:
    """The type openpyxl itself gives this number format (date for yyyy-mm-dd), if any."""
    return next((kind for kind, default in TIME_FORMATS.items() if default == number_format), None)


def _styled_cell(sheet, number_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet)
    cell.number_format = number_format
    return cell


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
