"""A shortlist or a consortium as the rows of an application form's partner list, written as
CSV or XLSX.

>>> from matcher.registry.snapshot import OrgProfile
>>> org = OrgProfile(1, "999873188", None, "A GRAZ01", "UNIVERSITAET GRAZ", "AT", "Graz",
...                  "higher-education", "HEI", True, website="https://uni-graz.at")
>>> print(to_csv([PartnerRow.of(org, ("coordinator",))]), end="")
name,PIC,OID or Erasmus code,country,type,ECHE,website,reasons
UNIVERSITAET GRAZ,999873188,A GRAZ01,AT,higher-education,yes,https://uni-graz.at,coordinator
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import astuple, dataclass

from matcher.cells import append_text_row, csv_writer
from matcher.registry.snapshot import OrgProfile

__all__ = ["COLUMNS", "PartnerRow", "to_csv", "to_xlsx"]

COLUMNS = ("name", "PIC", "OID or Erasmus code", "country", "type", "ECHE", "website",
           "reasons")


@dataclass(frozen=True, slots=True)
class PartnerRow:
    """One organisation of a partner list, with the reasons it is there."""

    name: str
    pic: str
    oid_or_code: str
    country: str
    type: str
    eche: str
    website: str
    reasons: str

    @classmethod
    def of(cls, org: OrgProfile, reasons: Sequence[str] = ()) -> PartnerRow:
        return cls(org.display_name, org.pic or "", org.oid or org.erasmus_code or "",
                   org.country, org.category, "yes" if org.eche else "no", org.website or "",
                   "; ".join(reasons))


def to_csv(rows: Sequence[PartnerRow]) -> str:
    """The rows under a header line, as spreadsheets read CSV; a name or reason that starts
    like a formula (``=``, ``+``, ``-``, ``@``) is quoted so that no spreadsheet runs it."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(astuple(r) for r in rows)
    return out.getvalue()


def to_xlsx(rows: Sequence[PartnerRow], *, title: str = "Partners") -> bytes:
    """An Excel workbook of one sheet: a bold header, then the rows; every cell text, so a PIC
    keeps its leading digits as typed and a name such as ``=HYPERLINK(...)`` is no formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]  # Excel's limit on sheet names
    append_text_row(sheet, COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_text_row(sheet, astuple(row))
    for column, width in zip("ABCDEFGH", (48, 12, 20, 8, 18, 6, 32, 80), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
