from decimal import Decimal

import pytest

from microwork.common.csvsafe import csv_lines, neutralise


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise_prefixes_text_a_spreadsheet_would_run(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize(("value", "cell"), [(Decimal("-1.80"), "-1.80"), (-3, "-3"), (None, "")])
def test_neutralise_leaves_numbers_and_empty_cells_as_they_are(value, cell):
    assert neutralise(value) == cell


def test_csv_lines_yields_one_crlf_line_per_row():
    assert list(csv_lines([["a", "=b"], [Decimal("-0.50"), 'say "hi"']])) == [
        "a,'=b\r\n",
        '-0.50,"say ""hi"""\r\n',
    ]
