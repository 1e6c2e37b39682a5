"""A damaged search index: ``matcher search`` and ``matcher index`` say so in one line with the
real reason and rebuild it (they used to crash with ``BadZipFile`` / say "up to date")."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli


def test_a_truncated_index_is_reported_and_rebuilt_by_search_and_index(
        runner: CliRunner, sqlite_url: str, tmp_path: Path) -> None:
    path = tmp_path / "partners.csv"
    path.write_text("name,country,type,themes\nInnokas ry,FI,NGO,guidance-counselling\n"
                    "Oulun yliopisto,FI,higher education,\n", encoding="utf-8")
    assert runner.invoke(cli, ["--db", sqlite_url, "import", "orgs", str(path)]).exit_code == 0
    built = runner.invoke(cli, ["--db", sqlite_url, "-q", "index"])
    folder = Path(built.stdout.rsplit(" in ", 1)[1].strip())
    damaged = folder / "word_idf.npy"
    assert damaged.is_file()
    note = (f"The search index file {damaged} is damaged (its checksum does not "
            "match index.json): rebuilding the index.")

    for _ in range(2):
        with damaged.open("r+b") as fh:  # truncate -s 1000 word_idf.npy
            fh.truncate(1000)
        search = runner.invoke(cli, ["--db", sqlite_url, "search", "--text", "guidance",
                                     "--format", "json"])
        assert search.exit_code == 0 and search.exception is None
        assert search.stderr.splitlines()[0] == note
        assert '"name": "Innokas ry"' in search.stdout

    up_to_date = runner.invoke(cli, ["--db", sqlite_url, "index"])
    assert up_to_date.stdout.startswith("The search index is up to date: 2 organisations")
    with damaged.open("r+b") as fh:
        fh.truncate(1000)
    rebuilt = runner.invoke(cli, ["--db", sqlite_url, "index"])
    assert rebuilt.exit_code == 0
    assert rebuilt.stderr.splitlines()[0] == note
    assert rebuilt.stdout.startswith("Built the search index: 2 organisations")


def test_index_after_a_small_import_is_refreshed_and_finds_the_new_organisation(
        runner: CliRunner, sqlite_url: str, tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text("name,country,type,themes\n" + "".join(
        f"Ohjausyhdistys {i} ry,FI,NGO,guidance-counselling\n" for i in range(10)),
        encoding="utf-8")
    assert runner.invoke(cli, ["--db", sqlite_url, "import", "orgs", str(first)]).exit_code == 0
    assert runner.invoke(cli, ["--db", sqlite_url, "-q", "index"]).stdout.startswith(
        "Built the search index: 10 organisations and 0 projects, built in")
    more = tmp_path / "more.csv"
    more.write_text("name,country,type,themes\nInnokas ry,FI,NGO,guidance-counselling\n",
                    encoding="utf-8")
    assert runner.invoke(cli, ["--db", sqlite_url, "import", "orgs", str(more)]).exit_code == 0
    refreshed = runner.invoke(cli, ["--db", sqlite_url, "index"])
    assert refreshed.exit_code == 0
    assert refreshed.stderr.splitlines()[0] == (
        "The registry changed since the search index was built: refreshing it (1 new and 0 "
        "changed organisations, 0 new and 0 changed projects).")
    assert refreshed.stdout.startswith("Updated the search index: 11 organisations and 0 "
                                       "projects, refreshed in ")
    assert "(9.1% of the registry new or changed since its full build of " in refreshed.stdout
    status = runner.invoke(cli, ["--db", sqlite_url, "index", "--format", "json"])
    row = json.loads(status.stdout)
    assert row["fresh"] and row["refreshed_from"] and row["change"]["new_orgs"] == 1
    search = runner.invoke(cli, ["--db", sqlite_url, "-q", "search", "--org", "Innokas ry",
                                 "--format", "json"])
    assert search.exit_code == 0, search.output
    assert '"name": "Ohjausyhdistys' in search.stdout
    rebuilt = runner.invoke(cli, ["--db", sqlite_url, "-q", "index", "--rebuild"])
    assert rebuilt.stdout.startswith("Built the search index: 11 organisations and 0 "
                                     "projects, built in")
