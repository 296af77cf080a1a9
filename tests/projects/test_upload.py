"""The batch file readers on their own: what a row is, and how a bad one is named."""

import io

import pytest

from microwork.projects.upload import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    FileInvalid,
    RowError,
    detect_format,
    open_reader,
)


def _rows(content: bytes, filename="rows.csv"):
    reader = open_reader(io.BytesIO(content), filename)
    return reader, list(reader)


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("rows.csv", "csv"),
        ("ROWS.CSV", "csv"),
        ("rows.jsonl", "jsonl"),
        ("rows.ndjson", "jsonl"),
        ("Rows.JSON", "jsonl"),
        ("rows", "csv"),
    ],
)
def test_detect_format_goes_by_the_file_name(filename, expected):
    assert detect_format(filename) == expected


def test_csv_reader_skips_the_utf8_bom():
    reader, rows = _rows("\ufefftext,n\nhello,1\n".encode())

    assert reader.columns == ["text", "n"]
    assert [(row.number, row.values) for row in rows] == [(2, {"text": "hello", "n": "1"})]


def test_csv_reader_follows_rfc4180_quoting_and_crlf():
    content = b'text,note\r\n"a, b","line one\r\nline two"\r\n"say ""hi""",x\r\n'

    reader, rows = _rows(content)

    assert [(row.number, row.values) for row in rows] == [
        (2, {"text": "a, b", "note": "line one\r\nline two"}),
        (3, {"text": 'say "hi"', "note": "x"}),
    ]


def test_csv_reader_keeps_non_ascii_text():
    _reader, rows = _rows("text\nçà et 日本語\n".encode())

    assert rows[0].values == {"text": "çà et 日本語"}


def test_csv_reader_strips_spaces_around_header_names():
    reader, _rows_read = _rows(b" text , id \na,1\n")

    assert reader.columns == ["text", "id"]


def test_csv_reader_skips_blank_lines_but_counts_them():
    _reader, rows = _rows(b"text\na\n\nb\n,\n")

    assert [(row.number, row.values) for row in rows] == [(2, {"text": "a"}), (4, {"text": "b"})]


def test_csv_reader_names_the_row_with_the_wrong_cell_count():
    _reader, rows = _rows(b"a,b\n1,2\n1,2,3\n1\n")

    assert [(row.number, row.values, row.errors) for row in rows] == [
        (2, {"a": "1", "b": "2"}, []),
        (3, None, [RowError(3, None, "has 3 cells, but the header has 2")]),
        (4, None, [RowError(4, None, "has 1 cells, but the header has 2")]),
    ]


def test_csv_reader_names_row_and_column_of_an_overlong_cell():
    _reader, rows = _rows(b"a,b\nok," + b"x" * (MAX_CELL_CHARS + 1) + b"\n")

    assert rows[0].values is None
    assert rows[0].errors == [RowError(2, "b", f"longer than {MAX_CELL_CHARS} characters")]


def test_csv_reader_refuses_nul_characters():
    _reader, rows = _rows(b"a\nx\x00y\n")

    assert rows[0].errors == [RowError(2, "a", "contains a NUL character")]


def test_csv_reader_refuses_an_empty_file():
    with pytest.raises(FileInvalid) as raised:
        open_reader(io.BytesIO(b""), "rows.csv")

    assert raised.value.error == RowError(None, None, "the file is empty")


def test_csv_reader_refuses_a_header_that_is_not_utf8():
    with pytest.raises(FileInvalid) as raised:
        open_reader(io.BytesIO("texte,café\n".encode("latin-1")), "rows.csv")

    assert raised.value.error == RowError(1, None, "the file is not UTF-8 text")


def test_csv_reader_names_the_row_where_utf8_breaks():
    content = b"text\nfine\n" + b"x" * 20_000 + b"\n" + "café\n".encode("latin-1")
    reader = open_reader(io.BytesIO(content), "rows.csv")

    with pytest.raises(FileInvalid) as raised:
        list(reader)

    assert raised.value.error.message == "not UTF-8 text from here on"


@pytest.mark.parametrize(
    ("header", "error"),
    [
        (b"a,a\n", RowError(1, "a", "the column name appears twice")),
        (b"a,,b\n", RowError(1, None, "column 2 has no name")),
        (b",\n", RowError(1, None, "the header row is empty")),
        (b"a," + b"x" * 101 + b"\n", RowError(1, "x" * 40, "the column name is too long")),
    ],
)
def test_csv_reader_refuses_a_bad_header(header, error):
    with pytest.raises(FileInvalid) as raised:
        open_reader(io.BytesIO(header + b"1,2\n"), "rows.csv")

    assert raised.value.error == error


def test_csv_reader_refuses_too_many_columns():
    header = ",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)).encode()

    with pytest.raises(FileInvalid) as raised:
        open_reader(io.BytesIO(header + b"\n"), "rows.csv")

    assert raised.value.error == RowError(1, None, f"more than {MAX_COLUMNS} columns")


def test_csv_reader_reports_broken_quoting_with_its_row():
    reader = open_reader(io.BytesIO(b'a,b\n1,2\n"x"y,3\n'), "rows.csv")

    with pytest.raises(FileInvalid) as raised:
        list(reader)

    assert raised.value.error.row == 3
    assert raised.value.error.message.startswith("not valid CSV")


def test_jsonl_reader_reads_objects_and_collects_columns_in_order():
    content = b'{"text": "a", "n": 1}\n\n{"n": 2.5, "flag": true, "none": null, "text": "b"}\n'

    reader, rows = _rows(content, "rows.jsonl")

    assert reader.columns == ["text", "n", "flag", "none"]
    assert [(row.number, row.values) for row in rows] == [
        (1, {"text": "a", "n": "1"}),
        (3, {"n": "2.5", "flag": "true", "none": "", "text": "b"}),
    ]


def test_jsonl_reader_names_bad_lines():
    content = b'{"a": "x"}\nnot json\n[1, 2]\n{"a": {"nested": 1}}\n'

    _reader, rows = _rows(content, "rows.jsonl")

    assert [row.values for row in rows] == [{"a": "x"}, None, None, None]
    assert [error for row in rows for error in row.errors] == [
        RowError(2, None, "not valid JSON (Expecting value)"),
        RowError(3, None, "must be a JSON object"),
        RowError(4, "a", "nested objects and lists are not supported"),
    ]


def test_jsonl_reader_skips_the_bom():
    reader, rows = _rows('\ufeff{"text": "a"}\n'.encode(), "rows.jsonl")

    assert reader.columns == ["text"]
    assert rows[0].values == {"text": "a"}


def test_jsonl_reader_names_a_row_nested_too_deeply_and_reads_on():
    """A deeply nested row made the upload answer 500 (RecursionError, issue 17)."""
    deep = b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"

    _reader, rows = _rows(b'{"a": "x"}\n' + deep + b'{"a": "y"}\n', "rows.jsonl")

    assert [row.values for row in rows] == [{"a": "x"}, None, {"a": "y"}]
    assert rows[1].errors == [RowError(2, None, "nested too deeply")]


def test_jsonl_reader_refuses_a_lone_surrogate_by_row_and_column():
    """Accepted before, it then broke the preview and the task frame (issue 17)."""
    content = b'{"a": "ok"}\n{"a": "bad \\ud800 cell"}\n{"\\udfff": "key"}\n'

    _reader, rows = _rows(content, "rows.jsonl")

    assert [row.values for row in rows] == [{"a": "ok"}, None, None]
    assert rows[1].errors == [RowError(2, "a", "holds a lone surrogate, which is not text")]
    assert rows[2].errors == [RowError(3, "\udfff", "invalid column name")]


def test_jsonl_reader_refuses_an_overlong_line_without_holding_it(monkeypatch):
    monkeypatch.setattr("microwork.projects.upload.MAX_LINE_CHARS", 50)
    long_line = b'{"a": "' + b"x" * 200 + b'"}\n'

    _reader, rows = _rows(b'{"a": "1"}\n' + long_line + b'{"a": "3"}\n', "rows.jsonl")

    assert [row.values for row in rows] == [{"a": "1"}, None, {"a": "3"}]
    assert rows[1].errors == [RowError(2, None, "longer than 50 characters")]


def test_jsonl_reader_refuses_an_overlong_last_line_without_a_newline(monkeypatch):
    monkeypatch.setattr("microwork.projects.upload.MAX_LINE_CHARS", 50)

    _reader, rows = _rows(b'{"a": "1"}\n{"a": "' + b"x" * 200 + b'"}', "rows.jsonl")

    assert [row.number for row in rows] == [1, 2]
    assert rows[1].errors == [RowError(2, None, "longer than 50 characters")]
