"""Reading batch files (CSV or JSONL) one row at a time, with errors that name row and column.

Rows are read from the uploaded file as a stream, so memory does not grow with the file.
CSV: UTF-8 (a BOM is tolerated), RFC 4180 quoting, a header row; "row N" is the spreadsheet row,
so the header is row 1 and the first task is row 2. JSONL: one JSON object per line; "line N".
"""

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_COLUMNS = 200
MAX_CELL_CHARS = 65_536
MAX_COLUMN_NAME = 100
# A JSON Lines line, and a CSV row (all its lines), is read up to this many characters, so one
# huge line cannot take the server's memory: every row of a micro-task batch is far shorter.
MAX_LINE_CHARS = 1_048_576
# Known answers of gold questions (quality/gold.py): kept out of the row's values, in Row.gold.
GOLD_CSV_COLUMN = "_gold"
GOLD_JSONL_KEY = "gold"


@dataclass(frozen=True)
class RowError:
    row: int | None  # None: about the whole file
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(_("row %(row)d") % {"row": self.row})
        if self.column:
            where.append(_("column “%(column)s”") % {"column": self.column})
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class Row:
    number: int  # as the requester counts it: CSV spreadsheet row, JSONL line
    values: dict[str, str] | None  # None when the row is bad
    errors: list[RowError]
    gold: object = None  # the raw `_gold` cell or `gold` value, checked by the caller


class FileInvalid(Exception):
    """The file cannot be read at all (wrong encoding, no header...)."""

    def __init__(self, error: RowError):
        super().__init__(str(error))
        self.error = error


def detect_format(filename: str) -> str:
    lowered = filename.lower()
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return "csv"


def _text(binary) -> io.TextIOWrapper:
    binary.seek(0)
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="", errors="strict")


def _is_text(value: str) -> bool:
    """False for a string JSON's \\ud800 escapes can make and UTF-8 cannot write: a lone
    surrogate, which would break every page that shows the cell."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_cell(number: int, column: str, value: str, errors: list[RowError]) -> None:
    if not _is_text(value):
        errors.append(RowError(number, column, _("holds a lone surrogate, which is not text")))
        return
    if len(value) > MAX_CELL_CHARS:
        errors.append(
            RowError(number, column, _("longer than %(n)d characters") % {"n": MAX_CELL_CHARS})
        )
    if "\x00" in value:
        errors.append(RowError(number, column, _("contains a NUL character")))


def _check_header(names: list[str], row: int | None) -> None:
    if not names or all(not name for name in names):
        raise FileInvalid(RowError(row, None, _("the header row is empty")))
    if len(names) > MAX_COLUMNS:
        raise FileInvalid(RowError(row, None, _("more than %(n)d columns") % {"n": MAX_COLUMNS}))
    seen = set()
    for index, name in enumerate(names, start=1):
        if not name:
            raise FileInvalid(
                RowError(row, None, _("column %(index)d has no name") % {"index": index})
            )
        if len(name) > MAX_COLUMN_NAME:
            raise FileInvalid(RowError(row, name[:40], _("the column name is too long")))
        if name in seen:
            raise FileInvalid(RowError(row, name, _("the column name appears twice")))
        seen.add(name)


class _RowTooLong(Exception):
    pass


def _csv_error(number: int, error: csv.Error) -> FileInvalid:
    if "field larger than field limit" in str(error):
        message = _("a cell is longer than %(n)d characters") % {"n": MAX_CELL_CHARS}
    else:
        message = _("not valid CSV (%(error)s)") % {"error": error}
    return FileInvalid(RowError(number, None, message))


def _row_too_long(number: int) -> FileInvalid:
    return FileInvalid(
        RowError(number, None, _("longer than %(n)d characters") % {"n": MAX_LINE_CHARS})
    )


class CsvReader:
    """A row longer than MAX_LINE_CHARS stops the file, where JSON Lines skips a line: where a
    CSV row ends depends on its quotes, so nothing after it can be read with confidence."""

    format = "csv"

    def __init__(self, binary):
        self._text = _text(binary)
        self._row_chars = 0
        self._reader = csv.reader(self._lines(), strict=True)
        try:
            header = next(self._reader)
        except StopIteration:
            raise FileInvalid(RowError(None, None, _("the file is empty"))) from None
        except UnicodeDecodeError:
            raise FileInvalid(RowError(1, None, _("the file is not UTF-8 text"))) from None
        except _RowTooLong:
            raise _row_too_long(1) from None
        except csv.Error as error:
            raise _csv_error(1, error) from None
        self.columns = [name.strip() for name in header]
        _check_header(self.columns, 1)
        # Every cell of a row, `_gold` included; `columns` are the task's input columns.
        self._header = self.columns
        self.columns = [name for name in self._header if name != GOLD_CSV_COLUMN]

    def _lines(self) -> Iterator[str]:
        """The file's lines for csv.reader, each read up to MAX_LINE_CHARS + 1 characters;
        _RowTooLong once the row being read (since the last reset of _row_chars) is longer."""
        while line := self._text.readline(MAX_LINE_CHARS + 1):
            self._row_chars += len(line)
            if self._row_chars > MAX_LINE_CHARS:
                raise _RowTooLong
            yield line

    def __iter__(self) -> Iterator[Row]:
        columns = self._header
        number = 1
        while True:
            self._row_chars = 0
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise FileInvalid(
                    RowError(number + 1, None, _("not UTF-8 text from here on"))
                ) from None
            except _RowTooLong:
                raise _row_too_long(number + 1) from None
            except csv.Error as error:
                raise _csv_error(number + 1, error) from None
            number += 1
            if not cells or all(cell == "" for cell in cells):
                continue  # blank lines, often at the end of hand-edited files
            if len(cells) != len(columns):
                message = _("has %(got)d cells, but the header has %(want)d") % {
                    "got": len(cells),
                    "want": len(columns),
                }
                yield Row(number, None, [RowError(number, None, message)])
                continue
            errors: list[RowError] = []
            for column, value in zip(columns, cells, strict=True):
                _check_cell(number, column, value, errors)
            values = dict(zip(columns, cells, strict=True))
            gold = values.pop(GOLD_CSV_COLUMN, None)
            yield Row(number, None if errors else values, errors, gold)


class JsonlReader:
    """JSON Lines: the columns are the keys of the objects, in order of first appearance."""

    format = "jsonl"

    def __init__(self, binary):
        self._text = _text(binary)
        self.columns: list[str] = []

    def __iter__(self) -> Iterator[Row]:
        known = set()
        number = 0
        while True:
            try:
                line = self._text.readline(MAX_LINE_CHARS + 1)
                too_long = len(line) > MAX_LINE_CHARS
                while too_long and line and not line.endswith("\n"):
                    line = self._text.readline(MAX_LINE_CHARS)  # the rest, read and dropped
            except UnicodeDecodeError:
                raise FileInvalid(
                    RowError(number + 1, None, _("not UTF-8 text from here on"))
                ) from None
            if not line:
                if too_long:
                    yield self._too_long(number + 1)
                return
            number += 1
            if too_long:
                yield self._too_long(number)
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except RecursionError:
                yield Row(number, None, [RowError(number, None, _("nested too deeply"))])
                continue
            except json.JSONDecodeError as error:
                yield Row(
                    number,
                    None,
                    [
                        RowError(
                            number, None, _("not valid JSON (%(error)s)") % {"error": error.msg}
                        )
                    ],
                )
                continue
            if not isinstance(record, dict):
                yield Row(number, None, [RowError(number, None, _("must be a JSON object"))])
                continue
            errors: list[RowError] = []
            values: dict[str, str] = {}
            gold = None
            for key, value in record.items():
                column = str(key).strip()
                if column == GOLD_JSONL_KEY:
                    gold = value  # may be an object: checked by the caller
                    continue
                if isinstance(value, (dict, list)):
                    errors.append(
                        RowError(number, column, _("nested objects and lists are not supported"))
                    )
                    continue
                text = (
                    ""
                    if value is None
                    else (json.dumps(value) if isinstance(value, bool) else str(value))
                )
                _check_cell(number, column, text, errors)
                values[column] = text
                if column not in known:
                    if not column or len(column) > MAX_COLUMN_NAME or not _is_text(column):
                        errors.append(
                            RowError(number, column[:40] or None, _("invalid column name"))
                        )
                        continue
                    known.add(column)
                    self.columns.append(column)
                    if len(self.columns) > MAX_COLUMNS:
                        raise FileInvalid(
                            RowError(
                                number, None, _("more than %(n)d columns") % {"n": MAX_COLUMNS}
                            )
                        )
            yield Row(number, None if errors else values, errors, gold)

    @staticmethod
    def _too_long(number: int) -> Row:
        message = _("longer than %(n)d characters") % {"n": MAX_LINE_CHARS}
        return Row(number, None, [RowError(number, None, message)])


def open_reader(binary, filename: str):
    """A row reader for the uploaded file, chosen by its name (.jsonl/.ndjson/.json or CSV)."""
    if detect_format(filename) == "jsonl":
        return JsonlReader(binary)
    return CsvReader(binary)
