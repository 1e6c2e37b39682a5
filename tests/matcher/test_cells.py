"""Cells for spreadsheets: text that a spreadsheet would run as a formula is written as text,
in every CSV (OWASP's rule: a leading single quote) and XLSX (a text cell) the tool writes."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from matcher.cells import FORMULA_STARTS, csv_cell, csv_writer
from matcher.export import PartnerRow, to_csv, to_xlsx
from matcher.registry.snapshot import OrgProfile

TRIGGERS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1",
            '=HYPERLINK("http://evil.example","x")', "-", "=", "@"]
NUMBERS = ["-3", "+1.5", "-0.123", "1e5", "-2.5E-3", "0", "42"]


def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote() -> None:
    assert [csv_cell(t) for t in TRIGGERS] == ["'" + t for t in TRIGGERS]


def test_numbers_and_plain_text_stay_as_they_are() -> None:
    for value in [*NUMBERS, "", "Innokas ry", "a=1", "e-learning", " =spaced", "'quoted"]:
        assert csv_cell(value) == value


@given(st.text())
def test_no_cell_written_starts_a_formula(text: str) -> None:
    """Nor ends its row early: a lone carriage return is quoted too."""
    out = io.StringIO()
    csv_writer(out).writerow([text, 3, -2.5, None])
    (cells,) = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert cells[1:] == ["3", "-2.5", ""]
    if text[:1] in FORMULA_STARTS and text not in NUMBERS and not _number(text):
        assert cells[0] == "'" + text
    else:
        assert cells[0] == text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text.lower().lstrip("+-")[:1].isdigit()


def _row(name: str, website: str = "") -> PartnerRow:
    org = OrgProfile(1, "999873188", None, None, name, "AT", None, "ngo", None, False,
                     website=website)
    return PartnerRow.of(org, ("-1 reason",))


def test_the_partner_list_csv_quotes_formulas() -> None:
    rows = list(csv.reader(io.StringIO(to_csv([_row("=1+1", "=cmd|' /C calc'!A0")]))))
    assert rows[1] == ["'=1+1", "999873188", "", "AT", "ngo", "no", "'=cmd|' /C calc'!A0",
                       "'-1 reason"]


def test_the_partner_list_xlsx_writes_formulas_as_text_cells() -> None:
    book = load_workbook(io.BytesIO(to_xlsx([_row(t) for t in TRIGGERS])))
    sheet = book.active
    assert sheet is not None
    names = [row[0] for row in sheet.iter_rows(min_row=2)]
    # (XML reads a carriage return as a line feed)
    assert [(c.value, c.data_type) for c in names] == [(t.replace("\r", "\n"), "s")
                                                       for t in TRIGGERS]
    assert all(c.data_type == "s" for row in sheet.iter_rows() for c in row
               if c.value is not None)
