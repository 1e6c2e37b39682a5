"""Property tests of every importer: random mixes of valid and invalid rows, in random
encodings, delimiters, quoting and line endings, on SQLite and PostgreSQL.

Laws, for every generated file:

- without ``--skip-invalid`` an import commits every valid row, or (one bad row, or a file
  the importer must refuse) nothing at all, raising a ``DataFileError``;
- with ``--skip-invalid`` it commits exactly the valid rows and lists exactly the bad ones;
- no other exception ever escapes (a user would see a traceback);
- importing the same file again changes nothing.

Each generated row knows whether it is valid, so the expected registry is known without
running the importer's own logic.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.importers import import_file
from data.reference import seed_reference
from models.db import Database, open_database
from models.errors import DataFileError, RowError
from models.schema import Organisation, Participation, Project, Theme
from models.text import fold
from tests.data.conftest import snapshot
from tests.stress import scale

#: Generated files per importer and backend.
EXAMPLES = {"sqlite": scale(12, 500), "postgresql": scale(4, 200)}

#: Text with separators, quotes, tabs, line breaks and letters from the Windows-1252 range
#: (none of which can pair up into valid UTF-8 when encoded as cp1252), and two it lacks.
ALPHABET = "abcXYZ019 -&'.,;|\t\"\näöüåéÄÖÜßŁő"
FREE = st.text(alphabet=ALPHABET, max_size=12)
DELIMITERS = st.sampled_from([",", ";", "\t"])
QUOTING = st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])
ENDINGS = st.sampled_from(["\n", "\r\n"])
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "cp1252"])


@dataclass(frozen=True)
class Case:
    """One generated file and what importing it must do."""

    kind: str
    suffix: str
    content: bytes
    valid: frozenset[Any]  # the registry's digest after importing the valid rows
    invalid: int  # bad rows
    file_error: bool  # the whole file must be refused, even with --skip-invalid


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _encode(text: str, encoding: str, *, utf8_only: bool) -> tuple[bytes, bool]:
    """The file's bytes, and whether the importer must refuse them as not UTF-8."""
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:  # cp1252 lacks the character: the user saved as UTF-8
        return text.encode("utf-8"), False
    return raw, utf8_only and encoding == "cp1252" and not text.isascii()


def _csv_text(header: list[str], rows: list[list[str]], delimiter: str, quoting: int,
              ending: str, *, blank_first: bool = False) -> str:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=ending)
    if blank_first:
        writer.writerow([""] * len(header))
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


# --- orgs -----------------------------------------------------------------------------------

ORG_HEADER = ["name", "country", "type", "pic", "city", "themes"]
COUNTRIES = {"FI": "FI", "Finland": "FI", "GR": "EL", "EL": "EL", "uk": "UK", "Germany": "DE"}
TYPES = ["NGO", "higher education", "HES", "EPLUS-ENT-SME", "public body", "School"]
THEMES = ["", "guidance-counselling", "Avaintaidot", "key-competences; employability"]
ORG_FAULTS = ["country", "type", "pic", "no-name", "long-name", "nul", "theme", "duplicate",
              "surrogate", "extra-fields", "not-json"]


@st.composite
def org_cases(draw: st.DrawFn, *, jsonl: bool) -> Case:
    rows: list[dict[str, str] | str] = []
    extra: set[int] = set()
    valid: set[tuple[str, str]] = set()
    valid_rows: list[dict[str, str]] = []
    invalid = 0
    nul = False
    for i in range(draw(st.integers(0, 6))):
        cells = {"name": f"Org{i} " + draw(FREE), "country": draw(st.sampled_from(
            sorted(COUNTRIES))), "type": draw(st.sampled_from(TYPES)),
            "pic": draw(st.sampled_from(["", f"9{i:08d}"])),
            "city": draw(st.sampled_from(["", "Oulu", " Turku "])),
            "themes": draw(st.sampled_from(THEMES))}
        fault = draw(st.one_of(st.none(), st.sampled_from(ORG_FAULTS)))
        if fault in ("surrogate", "not-json") and not jsonl or fault == "extra-fields" and jsonl:
            fault = "country"
        if fault == "duplicate" and not valid_rows:
            fault = "type"
        if fault is None:
            valid.add((fold(_collapse(cells["name"])), COUNTRIES[cells["country"]]))
            valid_rows.append(cells)
            rows.append(cells)
            continue
        invalid += 1
        if fault == "not-json":
            rows.append('{"name": "Broken')
            continue
        if fault == "extra-fields":
            extra.add(len(rows))
        if fault == "duplicate":  # the same organisation as an earlier row, spelt louder
            original = draw(st.sampled_from(valid_rows))
            cells.update(name=original["name"].upper(), country=original["country"], pic="")
        else:
            cells.update({
                "country": {"country": "Atlantis"}, "type": {"type": "spaceship"},
                "pic": {"pic": "12ab"}, "no-name": {"name": " "},
                "long-name": {"name": "N" * 501}, "nul": {"name": "Org\x00nul"},
                "theme": {"themes": "zzqx"}, "surrogate": {"name": "Org \ud800"},
                "extra-fields": {}}[fault])
        nul = nul or fault == "nul"
        rows.append(cells)
    if jsonl:
        lines = [r if isinstance(r, str) else json.dumps(
            r, ensure_ascii="\ud800" in r["name"] or draw(st.booleans())) for r in rows]
        text = "".join(line + draw(ENDINGS) for line in lines)
        raw, not_utf8 = _encode(text, draw(ENCODINGS), utf8_only=True)
        return Case("orgs", ".jsonl", raw, frozenset(valid), invalid, not_utf8 or not rows)
    table = [[r[c] for c in ORG_HEADER] + (["x", "y"] if n in extra else [])
             for n, r in enumerate(rows) if not isinstance(r, str)]
    text = _csv_text(ORG_HEADER, table, draw(DELIMITERS), draw(QUOTING), draw(ENDINGS))
    raw, not_utf8 = _encode(text, draw(ENCODINGS), utf8_only=True)
    return Case("orgs", ".csv", raw, frozenset(valid), invalid, not_utf8 or nul or not rows)


# --- eche -----------------------------------------------------------------------------------

ECHE_HEADER = ["Erasmus Code", "Pic", "OID", "Legal Name", "City", "Country Cd", "Website Url",
               "Erasmus Eche Start", "Erasmus Eche End"]
ECHE_DATES = ["1/1/2021", "12/31/2029", "2021-01-01", "01/07/2024", ""]
ECHE_FAULTS = {"Pic": "12x", "OID": "X1", "Legal Name": "", "Country Cd": "ZZ",
               "Erasmus Eche Start": "31/31/2020", "long-name": "N" * 501,
               "long-city": "C" * 201, "long-code": "X" * 31, "no-ids": ""}


@st.composite
def eche_cases(draw: st.DrawFn) -> Case:
    rows, valid, invalid = [], set(), 0
    for i in range(draw(st.integers(0, 6))):
        cells = {"Erasmus Code": draw(st.sampled_from([f"SF TEST{i:02d}", f"SF\xa0 TEST{i:02d}",
                                                       ""])),
                 "Pic": f"9{i:08d}", "OID": draw(st.sampled_from([f"E{i:08d}", "#N/A", ""])),
                 "Legal Name": f"Korkeakoulu{i} " + draw(FREE), "City": draw(FREE),
                 "Country Cd": draw(st.sampled_from(["FI", "DE", "EL", "UK"])),
                 "Website Url": draw(st.sampled_from(["", "www.example.fi"])),
                 "Erasmus Eche Start": draw(st.sampled_from(ECHE_DATES)),
                 "Erasmus Eche End": draw(st.sampled_from(ECHE_DATES))}
        fault = draw(st.one_of(st.none(), st.sampled_from(sorted(ECHE_FAULTS))))
        if fault is None:
            valid.add(cells["Pic"])
        else:
            invalid += 1
            column = {"long-name": "Legal Name", "long-city": "City",
                      "long-code": "Erasmus Code"}.get(fault, fault)
            if fault == "no-ids":
                cells.update({"Erasmus Code": "", "Pic": "", "OID": ""})
            else:
                cells[column] = ECHE_FAULTS[fault]
        rows.append([cells[c] for c in ECHE_HEADER])
    text = _csv_text(ECHE_HEADER, rows, ";", draw(QUOTING), draw(ENDINGS),
                     blank_first=draw(st.booleans()))
    raw, _ = _encode(text, draw(ENCODINGS), utf8_only=False)  # the list is cp1252 itself
    return Case("eche", ".csv", raw, frozenset(valid), invalid, not rows)


# --- eplus ----------------------------------------------------------------------------------

EPLUS_HEADER = ["Project Identifier", "Action Type", "Call year", "Project Title", "Topics",
                "Coordinating organisation name", "Coordinator's country",
                "Partner 1 name", "Partner 1 country"]
EPLUS_FAULTS = {"Project Identifier": "", "Call year": "19", "Action Type": "KZ999",
                "Coordinator's country": "Atlantis", "Coordinating organisation name": "",
                "Partner 1 country": "Atlantis", "long-id": "P" * 61, "duplicate": ""}


def _distinct_name(key: str) -> str:
    """Names far apart for fuzzy matching (token_sort_ratio well under 92)."""
    return f"{hashlib.sha1(key.encode()).hexdigest()[:10]} Instituutti"


@st.composite
def eplus_cases(draw: st.DrawFn) -> Case:
    rows: list[list[str]] = []
    valid: set[str] = set()
    invalid = 0
    for i in range(draw(st.integers(0, 5))):
        cells = {"Project Identifier": f"2019-1-FI01-KA203-{i:06d}",
                 "Action Type": draw(st.sampled_from(
                     ["KA203", "Strategic Partnerships for higher education", "KA220-HED"])),
                 "Call year": draw(st.sampled_from(["2019", "2021"])),
                 "Project Title": draw(FREE),
                 "Topics": draw(st.sampled_from(["", "Inclusion - equity", f"New topic {i}"])),
                 "Coordinating organisation name": _distinct_name(f"c{i}"),
                 "Coordinator's country": draw(st.sampled_from(["FI", "Germany"])),
                 "Partner 1 name": draw(st.sampled_from(["", _distinct_name(f"p{i}")])),
                 "Partner 1 country": "SE"}
        fault = draw(st.one_of(st.none(), st.sampled_from(sorted(EPLUS_FAULTS))))
        if fault == "duplicate" and not valid:
            fault = "Call year"
        if fault is None:
            valid.add(cells["Project Identifier"])
        else:
            invalid += 1
            if fault == "long-id":
                cells["Project Identifier"] = EPLUS_FAULTS[fault]
            elif fault == "duplicate":
                cells["Project Identifier"] = draw(st.sampled_from(sorted(valid)))
            else:
                cells[fault] = EPLUS_FAULTS[fault]
                if fault == "Partner 1 country":
                    cells["Partner 1 name"] = _distinct_name(f"p{i}")
        rows.append([cells[c] for c in EPLUS_HEADER])
    text = _csv_text(EPLUS_HEADER, rows, draw(st.sampled_from([",", ";"])), draw(QUOTING),
                     draw(ENDINGS))
    raw, not_utf8 = _encode(text, draw(st.sampled_from(["utf-8-sig", "utf-8", "cp1252"])),
                            utf8_only=True)
    return Case("eplus", ".csv", raw, frozenset(valid), invalid, not_utf8 or not rows)


# --- history --------------------------------------------------------------------------------

HISTORY_HEADER = ["rcn", "role", "pic", "type", "country", "start_year"]
HISTORY_FAULTS = {"rcn": "x1", "long-rcn": "1" * 61, "role": "boss", "pic": "12",
                  "type": "ZZZ", "country": "ZZ", "start_year": "20x", "duplicate": "",
                  "year-mismatch": ""}


@st.composite
def history_cases(draw: st.DrawFn) -> Case:
    rows: list[list[str]] = []
    valid: set[tuple[str, str]] = set()
    years: dict[str, str] = {}
    invalid = 0
    for _ in range(draw(st.integers(0, 8))):
        rcn = str(100000 + draw(st.integers(0, 3)))
        year = years[rcn] if rcn in years else draw(st.sampled_from(["2015", "2018", ""]))
        cells = {"rcn": rcn, "role": draw(st.sampled_from(["coordinator", "participant",
                                                           "partner"])),
                 "pic": f"9{draw(st.integers(0, 6)):08d}",
                 "type": draw(st.sampled_from(["HES", "PRC", "REC", "PUB", "OTH"])),
                 "country": draw(st.sampled_from(["FI", "DE", "EL"])), "start_year": year}
        fault = draw(st.one_of(st.none(), st.sampled_from(sorted(HISTORY_FAULTS))))
        if (rcn, cells["pic"]) in valid and fault is None:
            fault = "duplicate"
        if fault in ("duplicate", "year-mismatch") and rcn not in years:
            fault = "role"
        if fault is None:
            valid.add((rcn, cells["pic"]))
            years[rcn] = year
        else:
            invalid += 1
            if fault == "long-rcn":
                cells["rcn"] = HISTORY_FAULTS[fault]
            elif fault == "duplicate":
                cells["pic"] = next(p for r, p in sorted(valid) if r == rcn)
            elif fault == "year-mismatch":
                cells["start_year"] = "2016" if year != "2016" else "2017"
            else:
                cells[fault] = HISTORY_FAULTS[fault]
        rows.append([cells[c] for c in HISTORY_HEADER])
    text = _csv_text(HISTORY_HEADER, rows, ",", draw(QUOTING), draw(ENDINGS))
    raw, not_utf8 = _encode(text, draw(ENCODINGS), utf8_only=True)
    return Case("history", ".csv", raw, frozenset(valid), invalid, not_utf8 or not rows)


# --- the laws -------------------------------------------------------------------------------

def _digest(db: Database, kind: str) -> frozenset[Any]:
    with db.sessions() as s:
        if kind == "orgs":
            rows = s.execute(sa.select(Organisation.normalised_name, Organisation.country))
        elif kind == "eche":
            rows = s.execute(sa.select(Organisation.pic))
            return frozenset(r[0] for r in rows)
        elif kind == "eplus":
            return frozenset(s.scalars(sa.select(Project.identifier)))
        else:
            rows = s.execute(sa.select(Project.identifier, Organisation.pic)
                             .join(Participation, Participation.project_id == Project.id)
                             .join(Organisation,
                                   Organisation.id == Participation.organisation_id))
        return frozenset(tuple(r) for r in rows)


@pytest.fixture
def registry(db_url: str) -> Iterator[tuple[Database, Callable[[], None]]]:
    """A seeded registry and a function that empties it again (between examples)."""
    db = open_database(db_url)
    with db.sessions.begin() as s:
        seed_reference(s)
        seeded = s.scalar(sa.select(sa.func.max(Theme.id)))

    def reset() -> None:
        with db.sessions.begin() as s:
            for table in ("organisation_theme", "project_theme", "participation", "project",
                          "organisation", "import_record"):
                s.execute(sa.text(f"DELETE FROM {table}"))
            s.execute(sa.delete(Theme).where(Theme.id > seeded))

    yield db, reset
    db.dispose()


def _import(db: Database, case: Case, path: Path, skip: bool) -> Any:
    with db.sessions.begin() as session:
        return import_file(session, case.kind, path, skip_invalid=skip)


def _check(db: Database, reset: Callable[[], None], path: Path, case: Case) -> None:
    path.write_bytes(case.content)
    for skip in (False, True):
        reset()
        before = snapshot(db)
        try:
            report = _import(db, case, path, skip)
        except DataFileError as exc:  # anything else fails the test: a traceback
            assert case.file_error or (case.invalid and not skip), exc
            assert case.file_error == (type(exc) is DataFileError) or isinstance(exc, RowError)
            assert snapshot(db) == before, "a refused import changed the registry"
            continue
        assert not case.file_error, "a file that must be refused was imported"
        assert skip or not case.invalid, "an import with bad rows did not stop"
        assert len(report.skipped) == (case.invalid if skip else 0)
        assert _digest(db, case.kind) == case.valid
        after = snapshot(db)
        again = _import(db, case, path, skip)
        assert not again.changed and snapshot(db) == after, "a second import changed things"


@pytest.mark.parametrize("strategy", [
    pytest.param(org_cases(jsonl=False), id="orgs-csv"),
    pytest.param(org_cases(jsonl=True), id="orgs-jsonl"),
    pytest.param(eche_cases(), id="eche"),
    pytest.param(eplus_cases(), id="eplus"),
    pytest.param(history_cases(), id="history"),
])
def test_an_import_commits_all_valid_rows_or_nothing_and_twice_changes_nothing(
        registry: tuple[Database, Callable[[], None]], tmp_path: Path,
        strategy: st.SearchStrategy[Case]) -> None:
    db, reset = registry

    @settings(max_examples=EXAMPLES[db.engine.dialect.name], deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def law(case: Case) -> None:
        _check(db, reset, tmp_path / f"input{case.suffix}", case)

    law()
