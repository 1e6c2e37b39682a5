"""Several ``matcher`` processes importing and searching at once end exactly as a sequential
run, on SQLite and PostgreSQL: no duplicated rows, every search answers."""

from __future__ import annotations

import json
from pathlib import Path

from data.reference import seed_reference
from models.db import open_database
from tests.data.conftest import import_into, snapshot
from tests.processes import finish, spawn
from tests.stress import scale

#: Processes started at once: imports of one file, an import of another, searches.
SAME_FILE = scale(2, 6)
SEARCHES = scale(1, 4)

UP_TO_DATE = "orgs.csv: 200 rows read; already up to date (nothing changed)."


def _profiles(path: Path, n: int) -> Path:
    """Organisations without identifiers, matched by name only: the case that duplicated."""
    rows = [f"Kansalaisopisto {i:03d},FI,NGO,,Oulu" for i in range(n)]
    path.write_text("name,country,type,pic,city\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_imports_and_searches_at_once_end_as_a_sequential_run(db_url: str, tmp_path: Path,
                                                              eche_slice: Path) -> None:
    orgs = _profiles(tmp_path / "orgs.csv", 200)
    created = open_database(db_url)  # `matcher init`: searches need a registry to exist
    with created.sessions.begin() as s:
        seed_reference(s)
    created.dispose()
    search = ("--db", db_url, "-q", "search", "--text", "kansalaisopisto", "--country", "FI",
              "-k", "3", "--format", "json")
    results = finish([
        *(spawn("--db", db_url, "import", "orgs", str(orgs), home=tmp_path)
          for _ in range(SAME_FILE)),
        spawn("--db", db_url, "import", "eche", str(eche_slice), home=tmp_path),
        *(spawn(*search, home=tmp_path) for _ in range(SEARCHES)),
    ])
    assert [code for code, _, _ in results] == [0] * len(results), results
    assert sorted(err.splitlines()[-1] for _, _, err in results[:SAME_FILE]) == [
        UP_TO_DATE] * (SAME_FILE - 1) + ["orgs.csv: 200 rows read; created 200 organisations."]
    for _, out, _ in results[SAME_FILE + 1:]:
        json.loads(out)  # an answer: any state the imports had committed, never an error

    sequential = open_database(f"sqlite:///{tmp_path / 'sequential.sqlite'}")
    with sequential.sessions.begin() as s:
        seed_reference(s)
    for kind, path in (("orgs", orgs), ("eche", eche_slice), ("orgs", orgs)):
        import_into(sequential, kind, path)
    concurrent = open_database(db_url)
    assert snapshot(concurrent) == snapshot(sequential)
    concurrent.dispose()
    sequential.dispose()
