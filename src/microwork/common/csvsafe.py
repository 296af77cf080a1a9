"""CSV cells that spreadsheets will not execute.

A cell starting with = + - @ (or a tab or carriage return, which some spreadsheets strip first)
is read as a formula by Excel and LibreOffice: "=HYPERLINK(...)" in a worker's answer would run
on the requester's machine. Such cells get a leading apostrophe, the OWASP-recommended fix.
Numbers (int, Decimal) are written as they are: one the code computed cannot be a formula, and
an apostrophe would turn a statement's debits ("-1.80") into text.
"""

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRSTS = frozenset(_FORMULA_STARTS)


def neutralise(value: object) -> str:
    if isinstance(value, int | Decimal):
        return str(value)
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    """A write-only "file" that gives back what it is given: csv.writer's writerow() returns
    what the file's write() returned, so each row comes back as its line, with no buffer."""

    def write(self, text: str) -> str:
        return text


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Yield each row as one RFC 4180 line (CRLF), every cell neutralised: for streaming."""
    writerow = csv.writer(_Echo()).writerow
    firsts = _FORMULA_FIRSTS
    for row in rows:
        # The same as neutralise() on every cell, without a call for the common plain string
        # (an export of a million rows has over ten million cells).
        yield writerow(
            [
                cell if type(cell) is str and cell[:1] not in firsts else neutralise(cell)
                for cell in row
            ]
        )
