"""CSV cells that spreadsheets will not execute.

A cell starting with = + - @ (or a tab or carriage return, which some spreadsheets strip first)
is read as a formula by Excel and LibreOffice: "=HYPERLINK(...)" in a worker's answer would run
on the requester's machine. Such cells get a leading apostrophe, the OWASP-recommended fix.
Numbers (int, Decimal) are written as they are: one the code computed cannot be a formula, and
an apostrophe would turn a statement's debits ("-1.80") into text.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    if isinstance(value, int | Decimal):
        return str(value)
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


class _Line:
    """A write-only file that hands back what csv.writer wrote, one row at a time."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate(0)
        return text


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Yield each row as one RFC 4180 line (CRLF), every cell neutralised: for streaming."""
    line = _Line()
    writer = csv.writer(line.buffer)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        yield line.take()
