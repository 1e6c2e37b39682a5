"""The Erasmus+ export in its real layout: merging by evidence, re-imports, newer exports
over older ones, a file cut off, progress over rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bench.eplus_export import write_export
from data.reference import seed_reference
from models.db import Database, open_database
from models.errors import DataFileError, RowError
from models.schema import Organisation, OrganisationAlias, Participation, Project
from tests.data.conftest import import_into, snapshot, write_eche

REAL = Path("eplus-format") / "ErasmusPlus_KA2_one_real_record.csv"


def _export(shared_data: Path, path: Path, projects: list[list[tuple[str, str, str, str]]],
            country: str = "EL") -> Path:
    """An export with the real record's 622 columns: one row per project, each
    organisation ``(name, type, address, website)`` in ``country``, coordinator first."""
    with (shared_data / REAL).open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f))
    col = {h: i for i, h in enumerate(header)}
    buf = io.StringIO(newline="")
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(header)
    for n, orgs in enumerate(projects, start=1):
        row = [""] * len(header)
        for key, value in (("Programme", "Erasmus+"), ("Call year", "2019"),
                           ("Action Type", "Strategic Partnerships for school education"),
                           ("Project Identifier", f"2019-1-EL01-KA201-{n:06d}"),
                           ("Project Title", f"Project {n}")):
            row[col[key]] = value
        for slot, (name, kind, address, website) in enumerate(orgs):
            names = (("Coordinating organisation", "Coordinator's") if slot == 0
                     else (f"Partner {slot}", f"Partner {slot}"))
            row[col[f"{names[0]} name"]] = name
            row[col[f"{names[0]} type" if slot == 0 else f"{names[0]} organisation type"]] = kind
            row[col[f"{names[1]} address"]] = address
            row[col[f"{names[1]} country"]] = country
            row[col[f"{names[1]} website"]] = website
        out.writerow(row)
    path.write_text(buf.getvalue(), encoding="utf-8-sig")
    return path


SCHOOL = "School/Institute/Educational centre – General education (secondary level)"
NGO = "Non-governmental organisation/association/social enterprise"


def _names(db: Database) -> list[str]:
    with db.sessions() as s:
        return sorted(str(n) for n in s.scalars(sa.select(Organisation.legal_name)
                                                .where(Organisation.country == "EL")))


def test_evidence_decides_merges(database: Database, shared_data: Path, tmp_path: Path) -> None:
    path = _export(shared_data, tmp_path / "export.csv", [
        [("11o Gymnasio Marousi", SCHOOL, "Kifisias 12, 15124, Marousi", "11gym-marous.att.sch.gr"),
         ("Kentro Neotitas Athinas", NGO, "Patision 5, 10434, Athina", "www.kentro-neon.gr")],
        # another school: only its number differs (same city, type, no website)
        [("23o Gymnasio Marousi", SCHOOL, "Irodou 4, 15124, Marousi", ""),
         # the same NGO, spelt otherwise, its website with a scheme
         ("KENTRO NEOTITAS ATHINON", NGO, "PATISION 5, 10434, ATHINA",
          "http://www.kentro-neon.gr/")],
        # the same school, upper case, no website: same city and type
        [("11O GYMNASIO MAROUSI", SCHOOL, "Kifisias 12, 15124, Marousi", ""),
         # same name as the NGO, other city and website: another organisation
         ("Kentro Neotitas Athinas", NGO, "Egnatias 9, 54630, Thessaloniki",
          "www.kentro-thess.gr"),
         # only the name is like the NGO's: a near miss
         ("Kentro Neotitas Athinas Ellas", NGO, "", "")],
    ])
    report = import_into(database, "eplus", path)
    assert _names(database) == [
        "11o Gymnasio Marousi", "23o Gymnasio Marousi", "Kentro Neotitas Athinas",
        "Kentro Neotitas Athinas", "Kentro Neotitas Athinas Ellas"]
    merges = {(m.decision, m.name, m.into_name): m.evidence for m in report.merges}
    assert merges == {
        ("near miss", "23o Gymnasio Marousi", "11o Gymnasio Marousi"): "numbers differ (23 / 11)",
        ("merged", "KENTRO NEOTITAS ATHINON", "Kentro Neotitas Athinas"):
            "same website (kentro-neon.gr)",
        ("near miss", "Kentro Neotitas Athinas", "Kentro Neotitas Athinas"):
            "websites differ (kentro-thess.gr / kentro-neon.gr)",
        ("near miss", "Kentro Neotitas Athinas Ellas", "Kentro Neotitas Athinas"):
            "only the name agrees (no city or website to compare)",
    }
    with database.sessions() as s:
        assert set(s.execute(sa.select(OrganisationAlias.name, OrganisationAlias.kind))) == {
            ("KENTRO NEOTITAS ATHINON", "spelling")}
    before = snapshot(database)
    again = import_into(database, "eplus", path)
    assert (again.created, again.updated, again.merges) == (0, 0, ())
    assert snapshot(database) == before


def test_legal_form_written_out_is_left_out(database: Database, shared_data: Path,
                                            tmp_path: Path) -> None:
    """Two companies of one city, their names alike only by the written-out legal form
    (real CORDIS names): kept apart; a company's abbreviated form merges into it."""
    company = "Small and medium sized enterprise"
    path = _export(shared_data, tmp_path / "export.csv", [
        [("BLUESOFT SPOLKA Z OGRANICZONA ODPOWIEDZIALNOSCIA", company,
          "UL. GRZYBOWSKA 4, 00-131 WARSZAWA", ""),
         ("IZNAB SPOLKA Z OGRANICZONA ODPOWIEDZIALNOSCIA", company,
          "UL. WSPOLNA 35, 00-519 WARSZAWA", "")],
        [("Bluesoft Sp. z o.o.", company, "ul. Grzybowska 4, 00-131 Warszawa", "")],
    ], country="PL")
    report = import_into(database, "eplus", path)
    with database.sessions() as s:
        assert sorted(s.scalars(sa.select(Organisation.legal_name))) == [
            "BLUESOFT SPOLKA Z OGRANICZONA ODPOWIEDZIALNOSCIA",
            "IZNAB SPOLKA Z OGRANICZONA ODPOWIEDZIALNOSCIA"]
    assert [(m.decision, m.name, m.into_name, m.evidence) for m in report.merges] == [
        ("merged", "Bluesoft Sp. z o.o.", "BLUESOFT SPOLKA Z OGRANICZONA ODPOWIEDZIALNOSCIA",
         "same city (warszawa) and type (company)")]


def test_cities_compared_without_numbers_and_cedex(
        database: Database, shared_data: Path, tmp_path: Path,
        eche_rows: tuple[list[str], list[list[str]]]) -> None:
    """An ECHE holder's city ``PARIS CEDEX 03`` is the export's ``75141 Paris Cedex 03``
    (read ``Paris Cedex``): the same name there is the holder; in another city it is not."""
    header, rows = eche_rows
    eche = write_eche(tmp_path / "eche.csv", header, [r for r in rows if r[2] == "999645529"])
    import_into(database, "eche", eche)
    hei = "Higher education institution (tertiary level)"
    name = "CONSERVATOIRE NATIONAL DES ARTS ET METIERS"
    path = _export(shared_data, tmp_path / "export.csv", [
        [(name, hei, "292 rue Saint-Martin, 75141 Paris Cedex 03", ""),
         (name, hei, "4 avenue du Docteur Heydenreich, 54000 Nancy", "")],
    ], country="FR")
    import_into(database, "eplus", path)
    with database.sessions() as s:
        assert set(s.execute(sa.select(Organisation.pic, Organisation.city, Participation.role)
                             .join(Participation))) == {
            ("999645529", "PARIS CEDEX 03", "coordinator"), (None, "Nancy", "partner")}


def test_newer_export_updates_by_identifier(database: Database, tmp_path: Path) -> None:
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    write_export(old, 200, seed=3, edition="old")
    truth = write_export(new, 200, seed=3)
    first = import_into(database, "eplus", old)
    assert {w: c for w, c, _ in first.details}["projects"] == 180
    update = import_into(database, "eplus", new)
    created = {w: c for w, c, _ in update.details}
    updated = {w: u for w, _, u in update.details}
    assert created["projects"] == 20  # only the new ones
    assert updated["projects"] > 0  # titles edited since
    assert created["participations"] > sum(len(truth.members[i]) for i in list(truth.members)[180:])
    after = snapshot(database)
    assert import_into(database, "eplus", new).changed is False
    assert snapshot(database) == after
    other = open_database(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    with other.sessions.begin() as s:
        seed_reference(s)
    import_into(other, "eplus", new)
    alone = snapshot(other)
    other.dispose()
    for what in ("organisations", "projects", "participations", "project_themes"):
        assert after[what] == alone[what], what
    with database.sessions() as s:
        titles = dict(s.execute(sa.select(Project.identifier, Project.title)).all())
        members = dict(s.execute(sa.select(Project.identifier, sa.func.count())
                                 .join(Participation).group_by(Project.identifier)).all())
    assert not any(t.endswith(" draft") for t in titles.values())
    assert {i: len(m) for i, m in truth.members.items()} == members


def _parsed_lines(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The lines the Erasmus+ importer reads into projects from now on."""
    from data.importers import eplus

    lines: list[int] = []
    real = eplus._parse

    def spy(path: Path, line: int, *args: Any) -> Any:
        lines.append(line)
        return real(path, line, *args)

    monkeypatch.setattr(eplus, "_parse", spy)
    return lines


def test_changed_row_updated_unchanged_rows_skipped(database: Database, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "export.csv"
    write_export(path, 40, seed=5)
    import_into(database, "eplus", path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    col = {h: i for i, h in enumerate(rows[0])}
    rows[5][col["Project Title"]] += " (second edition)"
    rows[9][col["Partner 1 name"]] = ""  # a partner left
    for i in range(len(rows[0])):  # the partners after it move up one
        if rows[0][i].startswith("Partner 1 "):
            j = col[rows[0][i].replace("Partner 1 ", "Partner 2 ")]
            rows[9][i], rows[9][j] = rows[9][j], ""
    identifier = {n: rows[n][col["Project Identifier"]] for n in (5, 9)}
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    with database.sessions() as s:
        before = dict(s.execute(sa.select(Project.identifier, sa.func.count())
                                .join(Participation).group_by(Project.identifier)).all())
    parsed = _parsed_lines(monkeypatch)
    report = import_into(database, "eplus", path)
    assert parsed == [6, 10]  # the two changed rows (line 1 is the header); the rest skipped
    details = {w: (c, u) for w, c, u in report.details}
    assert details["projects"] == (0, 1) and details["participations"] == (0, 1)
    with database.sessions() as s:
        title = s.scalar(sa.select(Project.title).where(Project.identifier == identifier[5]))
        after = dict(s.execute(sa.select(Project.identifier, sa.func.count())
                               .join(Participation).group_by(Project.identifier)).all())
    assert title is not None and title.endswith(" (second edition)")
    assert after == {**before, identifier[9]: before[identifier[9]] - 1}
    parsed.clear()
    kept = snapshot(database)
    # the same rows with their columns in another order: the same values, skipped unread
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(row[::-1] for row in rows)
    assert import_into(database, "eplus", path).changed is False
    assert parsed == [] and snapshot(database) == kept


def test_cut_off_last_row(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    write_export(path, 3, seed=1)
    text = path.read_text(encoding="utf-8-sig").rstrip("\r\n")
    cut = text[: len(text) - 1800]  # inside a partner of the last row
    path.write_text(cut, encoding="utf-8-sig")
    before = snapshot(database)
    with pytest.raises(RowError, match=r"export.csv:4: .*: the file ends inside this value, "
                                       r"\d+ of the header's 622 columns: the file looks cut off"):
        import_into(database, "eplus", path)
    assert snapshot(database) == before
    report = import_into(database, "eplus", path, skip_invalid=True)
    assert [e.line for e in report.skipped] == [4]
    assert {w: c for w, c, _ in report.details}["projects"] == 2


def test_unclosed_quote_names_its_line(database: Database, shared_data: Path,
                                       tmp_path: Path) -> None:
    path = _export(shared_data, tmp_path / "export.csv", [
        [("11o Gymnasio Marousi", SCHOOL, "Kifisias 12 Marousi", "")]])
    text = path.read_text(encoding="utf-8-sig")
    row = text.splitlines()[1]
    path.write_text(text + row.replace("Project 1", '"Project 2', 1).replace("000001", "000002")
                    + "\r\n" + row.replace("000001", "000003") + "\r\n", encoding="utf-8-sig")
    with pytest.raises(DataFileError, match=r"export.csv: line 3: a quote opens here and is "
                                            r"never closed"):
        import_into(database, "eplus", path)


def test_written_while_the_next_batch_is_read_the_same(postgres_url: str, sqlite_url: str,
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL a new registry's batches are written by a thread while the next is
    read and matched: the registry, the report and the progress are those of writing each
    batch in turn (three batches, organisations recurring across them, topics new to the
    registry, merges by evidence)."""
    from data.importers import eplus
    from data.importers import import_file as run_import

    path = tmp_path / "export.csv"
    write_export(path, 1300, seed=11)
    calls: list[str] = []
    real_pipelined, real_in_turn = eplus._pipelined, eplus._in_turn
    monkeypatch.setattr(eplus, "_pipelined", lambda *a: calls.append("pipelined")
                        or real_pipelined(*a))
    monkeypatch.setattr(eplus, "_in_turn", lambda *a: calls.append("in turn") or real_in_turn(*a))

    def imported(url: str) -> tuple[Any, ...]:
        db = open_database(url)
        with db.sessions.begin() as session:
            seed_reference(session)
        ticks: list[int] = []
        with db.sessions.begin() as session:
            report = run_import(session, "eplus", path, progress=ticks.append)
        state = snapshot(db)
        db.dispose()
        merges = sorted((m.decision, m.line, m.name, m.into_name) for m in report.merges)
        return state, report.details, report.rows, merges, sum(ticks)

    together = imported(postgres_url)
    assert calls == ["pipelined"]
    in_turn = imported(sqlite_url)
    assert calls[-1] == "in turn"
    assert together == in_turn
    assert together[0]["organisations"] > 1000 and together[4] == 1300


def test_a_bad_row_while_a_batch_is_written_leaves_nothing(postgres_url: str,
                                                            tmp_path: Path) -> None:
    """A bad row in the third batch stops the import once the batch being written is done;
    the caller's rollback leaves the registry as it was."""
    path = tmp_path / "export.csv"
    write_export(path, 1200, seed=12)
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    rows[1100][rows[0].index("Project Identifier")] = ""
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    db = open_database(postgres_url)
    with db.sessions.begin() as session:
        seed_reference(session)
    before = snapshot(db)
    with pytest.raises(RowError, match=r":1101: Project Identifier: empty"):
        import_into(db, "eplus", path)
    assert snapshot(db) == before
    db.dispose()
