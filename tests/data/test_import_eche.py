from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from data.importers.eche import parse_dates
from data.reference import seed_reference
from models.db import Database, open_database
from models.errors import DataFileError, RowError
from models.schema import ImportRecord, Organisation
from tests.data.conftest import import_into, snapshot, write_eche


def _org(db: Database, pic: str) -> Organisation:
    with db.sessions() as s:
        org = s.scalar(sa.select(Organisation).where(Organisation.pic == pic))
        assert org is not None
        return org


def test_slice_imports_with_the_real_quirks(database: Database, eche_slice: Path) -> None:
    report = import_into(database, "eche", eche_slice)
    assert report.rows == 27 and report.created == 26  # the PIC listed twice is merged
    assert report.summary() == "eche-slice.csv: 27 rows read; created 26 organisations."
    graz = _org(database, "999873188")
    assert (graz.legal_name, graz.normalised_name, graz.erasmus_code, graz.oid) == (
        "UNIVERSITAET GRAZ", "universitaet graz", "A GRAZ01", "E10208908")
    assert (graz.category, graz.type_code, graz.country) == (
        "higher-education", "EPLUS-EDU-HEI", "AT")
    assert (graz.eche_start, graz.eche_end) == (dt.date(2021, 1, 1), dt.date(2029, 12, 31))
    cluj = _org(database, "997851514")  # "MANASTUR STR; 3-5" is a quoted street
    assert (cluj.country, cluj.city) == ("RO", "CLUJ NAPOCA")
    tirana = _org(database, "929488824")  # DD/MM/YYYY dates, OID "#N/A"
    assert (tirana.oid, tirana.eche_start) == (None, dt.date(2024, 6, 26))
    lci = _org(database, "887079648")  # two charters of one institution
    assert (lci.eche_start, lci.eche_end, lci.oid) == (
        dt.date(2021, 1, 1), dt.date(2029, 12, 31), "E10102167")
    assert _org(database, "936102866").oid is None  # E10009980 is claimed by two PICs
    assert _org(database, "907304730").oid is None
    assert any("E10009980" in note for note in report.notes)


def test_second_import_changes_nothing(database: Database, eche_slice: Path) -> None:
    import_into(database, "eche", eche_slice)
    before = snapshot(database)
    again = import_into(database, "eche", eche_slice)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 26)
    assert again.summary() == "eche-slice.csv: 27 rows read; already up to date (nothing changed)."
    assert snapshot(database) == before  # no second ImportRecord either
    with database.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(ImportRecord)) == 1


def _lossy_equal(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Equal, except that the cp1252 CSV has ``?`` where it could not hold a character."""
    return len(a) == len(b) and all(
        x == y or (len(x) == len(y) and re.fullmatch(re.escape(x).replace(r"\?", "."), y))
        for x, y in zip(a, b, strict=True))


def test_xlsx_and_csv_give_the_same_registry(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "eche"
    registries = []
    for suffix in ("csv", "xlsx"):
        db = open_database(f"sqlite:///{tmp_path / suffix}.sqlite")
        with db.sessions.begin() as s:
            seed_reference(s)
        report = import_into(db, "eche", folder / f"eche-holders-2021-2027.{suffix}")
        assert (report.rows, report.created, report.skipped) == (5912, 5911, ())
        registries.append((db, snapshot(db)))
    (csv_db, from_csv), (xlsx_db, from_xlsx) = registries
    assert len(from_csv["orgs"]) == len(from_xlsx["orgs"]) == 5911
    lossy = [(a, b) for a, b in zip(from_csv["orgs"], from_xlsx["orgs"], strict=True) if a != b]
    assert all(_lossy_equal(a, b) for a, b in lossy)
    assert 0 < len(lossy) < 70  # Rīga, Łódź... in the city or name
    # The .xlsx repairs a CSV-made registry; the CSV never degrades an .xlsx-made one.
    assert import_into(csv_db, "eche", folder / "eche-holders-2021-2027.xlsx").updated == len(lossy)
    assert snapshot(csv_db)["orgs"] == from_xlsx["orgs"]
    assert not import_into(xlsx_db, "eche", folder / "eche-holders-2021-2027.csv").changed
    for db, _ in registries:
        db.dispose()


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("1/1/2021", "12/31/2029", (dt.date(2021, 1, 1), dt.date(2029, 12, 31))),
    ("26/06/2024", "31/12/2029", (dt.date(2024, 6, 26), dt.date(2029, 12, 31))),
    ("6/30/2023", "12/31/2029", (dt.date(2023, 6, 30), dt.date(2029, 12, 31))),
    ("2/1/2024", "7/31/2025", (dt.date(2024, 2, 1), dt.date(2025, 7, 31))),
    ("01/07/2024", "01/07/2029", (dt.date(2024, 7, 1), dt.date(2029, 7, 1))),
    ("2021-01-01", "", (dt.date(2021, 1, 1), None)),
])
def test_dates_in_both_orders(start: str, end: str,
                              expected: tuple[dt.date, dt.date | None]) -> None:
    cells = {"Erasmus Eche Start": start, "Erasmus Eche End": end}
    assert tuple(parse_dates(Path("x.csv"), 3, cells)) == expected


@given(st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)))
def test_dates_round_trip_in_both_published_styles(day: dt.date) -> None:
    """Month-first as the list writes it (no padding) and day-first (padded) both read back."""
    us = {"Erasmus Eche Start": f"{day.month}/{day.day}/{day.year}",
          "Erasmus Eche End": "12/31/2029"}
    eu = {"Erasmus Eche Start": f"{day.day:02d}/{day.month:02d}/{day.year}",
          "Erasmus Eche End": "31/12/2029"}
    assert parse_dates(Path("x"), 1, us)[0] == day
    assert parse_dates(Path("x"), 1, eu)[0] == day


def _broken(tmp_path: Path, eche_rows: tuple[list[str], list[list[str]]], column: int,
            value: str) -> Path:
    header, rows = eche_rows
    rows = [list(r) for r in rows[:5]]
    rows[2][column] = value
    return write_eche(tmp_path / "broken.csv", header, rows)


@pytest.mark.parametrize(("column", "value", "message"), [
    (8, "CLUJ NAPOCA", ("broken.csv:5: Country Cd: 'CLUJ NAPOCA' is not a country; valid: an "
                       "Erasmus country code (FI, EL, UK, XK, RE...) or ISO code")),
    (2, "94882160", "broken.csv:5: Pic: '94882160' is not a PIC; valid: 9 digits (0-9)"),
    (3, "X123", ("broken.csv:5: OID: 'X123' is not an OID; valid: E and 8 digits (E10208908), "
                "or empty / #N/A")),
    (10, "31/31/2021", ("broken.csv:5: Erasmus Eche Start: '31/31/2021' is not a date; valid: "
                       "M/D/YYYY, DD/MM/YYYY or YYYY-MM-DD")),
    (4, "", "broken.csv:5: Legal Name: empty; every institution needs its name"),
])
def test_bad_row_rolls_back_everything(database: Database, tmp_path: Path,
                                       eche_rows: tuple[list[str], list[list[str]]],
                                       column: int, value: str, message: str) -> None:
    before = snapshot(database)
    path = _broken(tmp_path, eche_rows, column, value)
    with pytest.raises(RowError) as info:
        import_into(database, "eche", path)
    assert str(info.value) == f"{tmp_path}/{message}"
    assert snapshot(database) == before


def test_skip_invalid_imports_the_good_rows(database: Database, tmp_path: Path,
                                            eche_rows: tuple[list[str], list[list[str]]]) -> None:
    path = _broken(tmp_path, eche_rows, 8, "CLUJ")
    report = import_into(database, "eche", path, skip_invalid=True)
    assert (report.created, [e.line for e in report.skipped]) == (4, [5])
    assert report.summary().endswith("created 4 organisations; 1 invalid row skipped.")


def test_same_pic_for_two_institutions_is_an_error(
        database: Database, tmp_path: Path,
        eche_rows: tuple[list[str], list[list[str]]]) -> None:
    header, rows = eche_rows
    twin = list(rows[1])
    twin[4], twin[1] = "Another Hochschule", "A  OTHER01"
    path = write_eche(tmp_path / "dup.csv", header, [rows[0], rows[1], twin])
    with pytest.raises(RowError, match=r"dup.csv:5: Pic: PIC 999660855 is already used on line 4 "
                                       r"by 'FACHHOCHSCHULE VORARLBERG GMBH' \(AT\)"):
        import_into(database, "eche", path)


def test_file_level_errors(database: Database, tmp_path: Path,
                           eche_rows: tuple[list[str], list[list[str]]]) -> None:
    header, rows = eche_rows

    def fails(path: Path, message: str) -> None:
        with pytest.raises(DataFileError) as info:
            import_into(database, "eche", path)
        assert str(info.value) == f"{path}: {message}"

    fails(tmp_path / "nope.csv", "no such file")
    (tmp_path / "empty.csv").write_bytes(b"\r\n;;;\r\n")
    fails(tmp_path / "empty.csv", "the file is empty")
    (tmp_path / "binary.csv").write_bytes(b"\x00\x01\x02binary\xff")
    fails(tmp_path / "binary.csv", "binary file (contains NUL bytes): expected a text CSV file")
    only_header = write_eche(tmp_path / "header.csv", header, [])
    fails(only_header, "line 2: a header but no data rows")
    no_pic = write_eche(tmp_path / "nopic.csv", [h for h in header if h != "Pic"],
                        [r[:2] + r[3:] for r in rows[:3]])
    with pytest.raises(DataFileError, match=r"nopic.csv: line 2: missing column\(s\) Pic; found "):
        import_into(database, "eche", no_pic)
    (tmp_path / "fake.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(DataFileError, match=r"fake.xlsx: not a readable .xlsx workbook: "):
        import_into(database, "eche", tmp_path / "fake.xlsx")
    headless = write_eche(tmp_path / "headless.csv", rows[0], rows[1:3])
    with pytest.raises(DataFileError, match="line 2: no header row with the expected columns"):
        import_into(database, "eche", headless)
