"""Cells for spreadsheets: text that a spreadsheet would run as a formula is written as text,
in every CSV (OWASP's rule: a leading single quote) and XLSX (a text cell) the tool writes."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from matcher.cells import FORMULA_STARTS, csv_cell, csv_writer, json_text, visible
from matcher.export import PartnerRow, to_csv, to_xlsx
from matcher.registry.snapshot import OrgProfile

TRIGGERS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1",
            '=HYPERLINK("http://evil.example","x")', "-", "=", "@"]
NUMBERS = ["-3", "+1.5", "-0.123", "1e5", "-2.5E-3", "0", "42"]


def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote() -> None:
    assert [csv_cell(t) for t in TRIGGERS] == ["'" + t for t in TRIGGERS]


def test_numbers_and_plain_text_stay_as_they_are() -> None:
    for value in [*NUMBERS, "", "Innokas ry", "a=1", "e-learning", "'quoted", " -3"]:
        assert csv_cell(value) == value


def test_a_formula_behind_spaces_or_in_fullwidth_gets_a_leading_quote() -> None:
    """A spreadsheet that trims cells, or reads them in NFKC form, would see ``=``."""
    for value in [" =spaced", "\u3000=ideographic space", "\uff1dHYPERLINK(1)", "\uff0b1+1",
                  "\uff20SUM(A1)", "\xa0-1+1"]:
        assert csv_cell(value) == "'" + value


def test_control_characters_are_written_as_their_escapes() -> None:
    assert csv_cell("\x1b[2JRED\x07\x08X") == "\\x1b[2JRED\\x07\\x08X"
    assert csv_cell("=\x9bX") == "'=\\x9bX"
    assert csv_cell("line\nbreak\ttab") == "line\nbreak\ttab"  # CSV quotes these


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@given(st.text())
def test_no_cell_written_starts_a_formula(text: str) -> None:
    """Nor ends its row early (a lone carriage return is quoted too), nor holds a control
    character a terminal would run."""
    out = io.StringIO()
    csv_writer(out).writerow([text, 3, -2.5, None])
    (cells,) = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert cells[1:] == ["3", "-2.5", ""]
    escaped = _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)
    assert not _CONTROL.search(cells[0])
    read = unicodedata.normalize("NFKC", escaped[:8]).lstrip()
    if ((escaped[:1] in FORMULA_STARTS or read[:1] in FORMULA_STARTS)
            and not _number(escaped.strip())):
        assert cells[0] == "'" + escaped
    else:
        assert cells[0] == escaped


def test_text_for_a_terminal_shows_controls_and_overrides_as_escapes() -> None:
    name = "\x1b[2J\x1b]0;pwned\x07RED\x08\u202eevil\u2066\x9b"
    shown = visible(name)
    assert shown == "\\x1b[2J\\x1b]0;pwned\\x07RED\\x08\\u202eevil\\u2066\\x9b"
    assert visible("two\nlines") == "two\nlines"
    assert visible("two\nlines\t!", cell=True) == "two\\x0alines\\x09!"
    assert visible("Jyväskylän yliopisto") == "Jyväskylän yliopisto"


@given(st.text())
def test_json_text_is_the_same_value_with_nothing_a_terminal_runs(text: str) -> None:
    shown = json_text({"name": text})
    assert json.loads(shown) == {"name": text}
    assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]",
                         shown)


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


def test_the_partner_list_xlsx_takes_control_characters_as_their_escapes() -> None:
    """openpyxl refuses them (IllegalCharacterError: the web export answered 500)."""
    book = load_workbook(io.BytesIO(to_xlsx([_row("\x1b[2JRED\x07", "\x00x")])))
    sheet = book.active
    assert sheet is not None
    row = [c.value for c in sheet[2]]
    assert row[0] == "\\x1b[2JRED\\x07" and row[6] == "\\x00x"


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
