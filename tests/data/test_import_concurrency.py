"""Several ``matcher`` processes importing and searching at once end exactly as a sequential
run, on SQLite and PostgreSQL: no duplicated rows, every search answers."""

from __future__ import annotations

import json
from pathlib import Path

from data.reference import seed_reference
from models.db import open_database
from tests.data.conftest import import_into, snapshot
from tests.processes import finish, spawn

UP_TO_DATE = "orgs.csv: 200 rows read; already up to date (nothing changed)."


def _profiles(path: Path, n: int) -> Path:
    """Organisations without identifiers, matched by name only: the case that duplicated."""
    rows = [f"Kansalaisopisto {i:03d},FI,NGO,,Oulu" for i in range(n)]
    path.write_text("name,country,type,pic,city\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_imports_and_searches_at_once_end_as_a_sequential_run(db_url: str, tmp_path: Path,
                                                              eche_slice: Path) -> None:
    orgs = _profiles(tmp_path / "orgs.csv", 200)
    # the same file twice at once, into a registry that does not exist yet
    imports = finish([spawn("--db", db_url, "import", "orgs", str(orgs), home=tmp_path)
                      for _ in range(2)])
    assert [code for code, _, _ in imports] == [0, 0], imports
    assert sorted(err.splitlines()[-1] for _, _, err in imports) == [
        UP_TO_DATE, "orgs.csv: 200 rows read; created 200 organisations."]
    # two more imports and a search at once (bench/bench_reliability.py runs more of them)
    results = finish([
        spawn("--db", db_url, "import", "eche", str(eche_slice), home=tmp_path),
        spawn("--db", db_url, "import", "orgs", str(orgs), home=tmp_path),
        spawn("--db", db_url, "-q", "search", "--text", "kansalaisopisto", "--country", "FI",
              "-k", "3", "--format", "json", home=tmp_path),
    ])
    assert [code for code, _, _ in results] == [0, 0, 0], results
    assert results[1][2].splitlines()[-1] == UP_TO_DATE
    assert len(json.loads(results[2][1])["results"]) == 3

    sequential = open_database(f"sqlite:///{tmp_path / 'sequential.sqlite'}")
    with sequential.sessions.begin() as s:
        seed_reference(s)
    for kind, path in (("orgs", orgs), ("orgs", orgs), ("eche", eche_slice), ("orgs", orgs)):
        import_into(sequential, kind, path)
    concurrent = open_database(db_url)
    assert snapshot(concurrent) == snapshot(sequential)
    concurrent.dispose()
    sequential.dispose()
