"""One suite of bad inputs, run on SQLite and on PostgreSQL: the same message for each, no
traceback, nothing written. Field limits are checked before the database (PostgreSQL used to
raise a raw error for a name over 500 characters, SQLite took 100,000 characters)."""

from __future__ import annotations

import gzip
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import cli
from models.db import open_database
from models.schema import Organisation

ORGS = "name,country,type,city\n"


def _eche(rows: str) -> bytes:
    header = ("Erasmus Code;Pic;OID;Legal Name;City;Country Cd;Website Url;Erasmus Eche Start;"
              "Erasmus Eche End\n")
    return ("\n" + header + rows).encode("cp1252")


def _eplus(identifier: str) -> bytes:
    return ("Project Identifier,Action Type,Call year,Project Title,"
            "Coordinating organisation name,Coordinator's country\n"
            f"{identifier},KA203,2019,Guidance,Oulun yliopisto,FI\n").encode("utf-8-sig")


def _eplus_partner_without_country() -> bytes:
    return ("Project Identifier,Action Type,Call year,Project Title,"
            "Coordinating organisation name,Coordinator's country,Partner 1 name\n"
            "2019-1-FI01-KA203-000001,KA203,2019,Guidance,Oulun yliopisto,FI,Lapin yliopisto\n"
            ).encode("utf-8-sig")


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


ORGS_GZ = _gzip((ORGS + "Innokas ry,FI,NGO,Oulu\n" * 200).encode())
QUOTE_OPEN = ("a quote opens here and is never closed, so the lines after it would be read as "
              'one value: close the quote (a quote inside a value is written twice: "") and '
              "try again")
NOT_TEXT = '{"name": %s, "country": "FI", "type": "NGO"}\n'
DEEP = "[" * 100_000 + "]" * 100_000
TOO_DEEP = ("nested too deeply: lists or objects inside each other more than 32 levels; a "
            "value is text, a number or a list of text")

#: (file name, kind, content, message after "Error: <path>")
BAD_INPUTS: list[tuple[str, str, bytes, str]] = [
    ("unclosed.csv", "orgs", (ORGS + 'Innokas ry,FI,NGO,Oulu\nOulun yliopisto,FI,HEI,"Oulu\n'
                              "Lapin yliopisto,FI,HEI,Rovaniemi\nUniarts,FI,HEI,Helsinki\n"
                              ).encode(), f": line 3: {QUOTE_OPEN}"),
    ("unclosed.csv.gz", "orgs", _gzip((ORGS + 'Innokas ry,FI,NGO,"Oulu\nUniarts,FI,HEI,x\n'
                                       ).encode()), f": line 2: {QUOTE_OPEN}"),
    ("utf16.csv", "orgs", (ORGS + "Innokas ry,FI,NGO,Oulu\n").encode("utf-16"),
     ": UTF-16 text: save it as UTF-8 and import it again"),
    ("utf16be.csv", "orgs", (ORGS + "Innokas ry,FI,NGO,Oulu\n").encode("utf-16-be"),
     ": UTF-16 text: save it as UTF-8 and import it again"),
    ("utf32.jsonl", "orgs", (NOT_TEXT % '"Innokas ry"').encode("utf-32"),
     ": UTF-32 text: save it as UTF-8 and import it again"),
    ("number.jsonl", "orgs", (NOT_TEXT % "123").encode(),
     ":1: name: must be text, not a number"),
    ("list.jsonl", "orgs", (NOT_TEXT % '["Innokas", "ry"]').encode(),
     ":1: name: must be text, not a list"),
    ("object.jsonl", "orgs", (NOT_TEXT % '{"fi": "Innokas ry"}').encode(),
     ":1: name: must be text, not an object"),
    ("deep.jsonl", "orgs", (NOT_TEXT % '"Innokas ry"' + NOT_TEXT % DEEP).encode(),
     f":2: -: {TOO_DEEP}"),
    ("deep-array.jsonl", "orgs", f'[{NOT_TEXT % DEEP}]'.encode(), f": line 1: {TOO_DEEP}"),
    ("partner.csv", "eplus", _eplus_partner_without_country(),
     (": line 1: missing column 'Partner 1 country' (the header has 'Partner 1 name'): add "
     "each partner's country")),
    ("truncated.csv.gz", "orgs", ORGS_GZ[:len(ORGS_GZ) // 2],
     (": a damaged or truncated gzip file (it is cut short): download or compress it "
     "again")),
    ("garbled.csv.gz", "orgs", ORGS_GZ[:20] + bytes(b ^ 0x5A for b in ORGS_GZ[20:]),
     ": a damaged or truncated gzip file: download or compress it again"),
    ("long.csv", "orgs", (ORGS + "N" * 501 + ",FI,NGO,\n").encode(),
     ":2: name: 501 characters long; the registry keeps at most 500: shorten it"),
    ("huge.csv", "orgs", (ORGS + "Innokas ry,FI,NGO,\n" + "N" * 100_000 + ",FI,NGO,\n").encode(),
     ":3: name: 100,000 characters long; the registry keeps at most 500: shorten it"),
    ("city.csv", "orgs", (ORGS + "Innokas ry,FI,NGO," + "C" * 201 + "\n").encode(),
     ":2: city: 201 characters long; the registry keeps at most 200: shorten it"),
    ("nul.jsonl", "orgs", (json.dumps({"name": "Inn\x00okas", "country": "FI", "type": "NGO"})
                           + "\n").encode(),
     ":1: name: contains a NUL character (0x00) at position 4: remove it"),
    ("surrogate.jsonl", "orgs", b'{"name": "Innokas \\ud800", "country": "FI", "type": "NGO"}\n',
     ":1: name: not valid text: a lone surrogate '\\ud800' at position 9"),
    ("country.csv", "orgs", (ORGS + "Innokas ry,Atlantis,NGO,\n").encode(),
     (":2: country: 'Atlantis' is not a country; valid: Erasmus or ISO codes (FI, EL, UK) or "
     "English names (Finland)")),
    ("code.csv", "eche", _eche("X" * 31 + ";999999999;;OULUN YLIOPISTO;OULU;FI;;1/1/2021;"
                                          "12/31/2029\n"),
     ":3: Erasmus Code: 31 characters long; the registry keeps at most 30: shorten it"),
    ("eplus.csv", "eplus", _eplus("P" * 61),
     ":2: Project Identifier: 61 characters long; the registry keeps at most 60: shorten it"),
    ("history.csv", "history", ("rcn,role,pic,type,country,start_year\n" + "1" * 61
                                + ",coordinator,999994535,HES,FI,2015\n").encode(),
     ":2: rcn: 61 characters long; the registry keeps at most 60: shorten it"),
    ("empty.csv", "orgs", b"", ": the file is empty"),
    ("bom.jsonl", "orgs", b"\xef\xbb\xbf\n", ": the file is empty"),
    ("header.csv", "orgs", ORGS.encode(), ": line 1: a header but no data rows"),
    ("latin1.csv", "orgs", (ORGS + "Jyväskylän kaupunki,FI,public body,\n").encode("cp1252"),
     (": line 2: not valid UTF-8 (byte 0xe4); it looks like Windows-1252/Latin-1 text. Save the "
     "file as UTF-8 and import it again")),
    ("columns.csv", "orgs", b"name,country\nInnokas ry,FI\n",
     ": line 1: missing column(s) type; found 'name', 'country'"),
]


@pytest.fixture
def run(runner: CliRunner, db_url: str) -> Callable[..., tuple[int, str]]:
    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli, ["--db", db_url, *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            repr(result.exception))
        return result.exit_code, result.stderr

    return invoke


def _organisations(db_url: str) -> int:
    db = open_database(db_url)
    with db.sessions() as s:
        n = int(s.scalar(sa.select(sa.func.count()).select_from(Organisation)) or 0)
    db.dispose()
    return n


def test_bad_inputs_give_the_same_messages_on_both_backends(
        run: Callable[..., tuple[int, str]], db_url: str, tmp_path: Path) -> None:
    for name, kind, content, message in BAD_INPUTS:
        path = tmp_path / name
        path.write_bytes(content)
        assert run("import", kind, str(path)) == (1, f"Error: {path}{message}\n"), name
    assert _organisations(db_url) == 0


def test_a_name_over_the_limit_is_a_row_error_on_both_backends(
        run: Callable[..., tuple[int, str]], db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "partners.csv"
    path.write_text(ORGS + "Innokas ry,FI,NGO,Oulu\n" + "N" * 501 + ",FI,NGO,\n",
                    encoding="utf-8")
    problem = "name: 501 characters long; the registry keeps at most 500: shorten it"
    assert run("import", "orgs", str(path)) == (1, f"Error: {path}:3: {problem}\n")
    assert _organisations(db_url) == 0
    assert run("import", "orgs", str(path), "--skip-invalid") == (0, (
        f"Skipped {path}:3: {problem}\n"
        "partners.csv: 2 rows read; created 1 organisation; 1 invalid row skipped.\n"))
    assert _organisations(db_url) == 1


def _workbook_with(path: Path, member: str, size: int) -> Path:
    """A real one-row profiles workbook, with one more zip member of ``size`` zero bytes."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name", "country", "type"])
    sheet.append(["Innokas ry", "FI", "NGO"])
    book.save(path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, b"\0" * size)
    return path


@pytest.fixture
def small_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bounds a few MB can break: 1 MB in all, the ratio checked from 512 KB on."""
    monkeypatch.setenv("MATCHER_MAX_UNCOMPRESSED_MB", "1")
    monkeypatch.setattr("data.importers._compressed.RATIO_FROM", 512 * 1024)


def test_compressed_files_are_read_within_bounds(
        run: Callable[..., tuple[int, str]], db_url: str, tmp_path: Path,
        small_bounds: None) -> None:
    bomb = tmp_path / "bomb.csv.gz"  # 3 MB of rows in 10 KB: over 100 to 1
    bomb.write_bytes(gzip.compress((ORGS + "Innokas ry,FI,NGO,Oulu\n" * 130_000).encode()))
    code, said = run("import", "orgs", str(bomb))
    assert code == 1
    assert re.fullmatch(
        rf"Error: {re.escape(str(bomb))}: stopped reading: it expands more than 100 times "
        r"\([0-9.]+ [KM]B from [0-9.]+ KB\), as a decompression bomb does; real data compresses "
        r"far less\n", said), said
    big = tmp_path / "big.csv.gz"  # 1.3 MB that does not compress much
    rows = "".join(f"Innokas {i * 7919 % 100_003:x} ry,FI,NGO,{i ** 3 % 99_991}\n"
                   for i in range(50_000))
    big.write_bytes(gzip.compress((ORGS + rows).encode()))
    assert run("import", "orgs", str(big)) == (1, (
        f"Error: {big}: stopped reading: it expands to more than 1.0 MB, the limit for a "
        "compressed file (set MATCHER_MAX_UNCOMPRESSED_MB to raise it)\n"))
    book = _workbook_with(tmp_path / "bomb.xlsx", "xl/media/padding.bin", 600 * 1024)
    assert run("import", "orgs", str(book)) == (1, (
        f"Error: {book}: stopped reading: its member xl/media/padding.bin expands more than "
        "100 times (600.0 KB from 612 bytes), as a decompression bomb does; real data compresses "
        "far less\n"))
    huge = _workbook_with(tmp_path / "huge.xlsx", "xl/media/padding.bin", 2 * 1024**2)
    assert run("import", "orgs", str(huge)) == (1, (
        f"Error: {huge}: stopped reading: its member xl/media/padding.bin expands to more "
        "than 1.0 MB, the limit for a compressed file (set MATCHER_MAX_UNCOMPRESSED_MB to "
        "raise it)\n"))
    assert _organisations(db_url) == 0
    fine = _workbook_with(tmp_path / "fine.xlsx", "xl/media/logo.bin", 1000)
    assert run("import", "orgs", str(fine)) == (0, ("fine.xlsx: 1 row read; created 1 "
                                                   "organisation.\n"))
