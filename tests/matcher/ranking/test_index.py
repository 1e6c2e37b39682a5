"""``matcher.ranking.index``: the saved ranker is used while fresh and rebuilt when the registry
changes, on SQLite and PostgreSQL, with real ECHE rows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from data.importers import import_file
from data.reference import seed_reference
from matcher.ranking import index
from matcher.registry.store import Store, fingerprint
from models.db import Database, open_database

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"


def _eche_slice(path: Path, first: int, n: int) -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"real data not found at {SHARED}")
    lines = (SHARED / "eche" / "eche-holders-2021-2027.csv").read_bytes().decode("cp1252")
    rows = list(csv.reader(io.StringIO(lines, newline=""), delimiter=";"))
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(
        [rows[0], rows[1], *[r for r in rows[2:] if len(r) > 8 and r[8] == "FI"][first:first + n]])
    path.write_bytes(buf.getvalue().encode("cp1252"))
    return path


def _registry(url: str, tmp_path: Path) -> Iterator[Database]:
    """A registry of 12 real Finnish ECHE holders at ``url``, disposed afterwards."""
    eche = _eche_slice(tmp_path / "a.csv", 0, 12)  # skips without the real data: first
    database = open_database(url)
    with database.sessions.begin() as s:
        seed_reference(s)
        import_file(s, "eche", eche)
    yield database
    database.dispose()


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> Iterator[Database]:
    yield from _registry(db_url, tmp_path)


def test_fresh_index_is_loaded_stale_index_is_refreshed_or_rebuilt(db: Database, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[int] = []
    real_build = index.build

    def counting_build(*args: object, **kwargs: object) -> object:
        builds.append(1)
        return real_build(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(index, "build", counting_build)
    notes: list[str] = []
    cache = tmp_path / "cache"
    with db.sessions() as s:
        first = index.load_or_build(Store(s), cache_dir=cache, progress=notes.append)
        directory = index.index_dir(Store(s), cache)
    assert builds == [1] and first.registry_.n_orgs == 12
    assert notes == ["Building the search index (once per registry)."]
    names = {p.name for p in directory.iterdir()}
    assert {"index.json", "ranker.json", "incidence_data.npy", "orgs.text"} <= names
    assert not {"arrays.npz"} & names
    assert [p.name for p in cache.iterdir()] == [directory.name]  # no temporary folders left
    with db.sessions() as s:
        again = index.load_or_build(Store(s), cache_dir=cache, progress=notes.append)
    assert builds == [1] and again.registry_fingerprint_ == first.registry_fingerprint_
    assert [o.name for o in again.registry_.orgs] == [o.name for o in first.registry_.orgs]

    with db.sessions.begin() as s:  # a new organisation: the fingerprint changes
        import_file(s, "eche", _eche_slice(tmp_path / "b.csv", 12, 1))
    with db.sessions() as s:
        assert fingerprint(s) != first.registry_fingerprint_
        refreshed = index.load_or_build(Store(s), cache_dir=cache, progress=notes.append)
        assert refreshed.registry_fingerprint_ == fingerprint(s)
    assert builds == [1] and refreshed.registry_.n_orgs == 13  # refreshed, not built
    assert notes[-1] == ("The registry changed since the search index was built: refreshing "
                         "it (1 new and 0 changed organisations, 0 new and 0 changed "
                         "projects).")
    info = index.read_info(directory)
    assert info is not None and info.n_orgs == 13 and info.bytes > 0
    assert info.refreshed_from == first.registry_fingerprint_

    with db.sessions.begin() as s:  # twelve more: over a quarter of the registry is new
        import_file(s, "eche", _eche_slice(tmp_path / "c.csv", 13, 12))
    with db.sessions() as s:
        rebuilt = index.load_or_build(Store(s), cache_dir=cache, progress=notes.append)
        assert rebuilt.registry_fingerprint_ == fingerprint(s)
    assert builds == [1, 1] and rebuilt.registry_.n_orgs == 25
    assert notes[-1].startswith("The registry changed since the search index was built, and "
                                "the index is not refreshed (55.7% of the registry is new")
    info = index.read_info(directory)
    assert info is not None and not info.refreshed_from and info.drift == 0

    with db.sessions() as s:
        index.load_or_build(Store(s), cache_dir=cache, rebuild=True)
    assert builds == [1, 1, 1]


def test_unreadable_index_is_rebuilt(db: Database, tmp_path: Path) -> None:
    with db.sessions() as s:
        index.load_or_build(Store(s), cache_dir=tmp_path)
        directory = index.index_dir(Store(s), tmp_path)
        (directory / "ranker.json").write_text("{not json", encoding="utf-8")
        ranker = index.load_or_build(Store(s), cache_dir=tmp_path)
    assert ranker.registry_.n_orgs == 12
    assert json.loads((directory / "ranker.json").read_text(encoding="utf-8"))


def test_each_database_has_its_own_index(tmp_path: Path) -> None:
    dirs = set()
    for name in ("one", "two"):
        database = open_database(f"sqlite:///{tmp_path / name}.sqlite")
        with database.sessions() as s:
            dirs.add(index.index_dir(Store(s), tmp_path / "cache"))
        database.dispose()
    assert len(dirs) == 2


def test_default_cache_dir_is_the_user_cache(db: Database, tmp_path: Path) -> None:
    with db.sessions() as s:
        directory = index.index_dir(Store(s))
    assert directory.parent.name == "erasmus-partner-matcher"
    assert directory.name.startswith("index-")


def test_an_index_built_by_another_version_is_rebuilt(db: Database, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    with db.sessions() as s:
        index.load_or_build(Store(s), cache_dir=cache)
        directory = index.index_dir(Store(s), cache)
        built_at = (directory / index.INFO_FILE).stat().st_mtime_ns
        index.load_or_build(Store(s), cache_dir=cache)
        assert (directory / index.INFO_FILE).stat().st_mtime_ns == built_at  # fresh: reused
        monkeypatch.setattr(index, "_tool_version", lambda: "99.0")
        index.load_or_build(Store(s), cache_dir=cache)
    info = index.read_info(directory)
    assert info is not None and info.tool_version == "99.0"


@pytest.fixture
def sqlite_db(sqlite_url: str, tmp_path: Path) -> Iterator[Database]:
    """The cache does not depend on the backend: the cases beyond the first run on SQLite."""
    yield from _registry(sqlite_url, tmp_path)


def _notes_of_a_search(db: Database, cache: Path) -> tuple[list[str], index.Ranker]:
    notes: list[str] = []
    with db.sessions() as s:
        ranker = index.load_or_build(Store(s), cache_dir=cache, progress=notes.append)
    return notes, ranker


def test_a_truncated_file_is_found_reported_and_rebuilt(db: Database, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _notes_of_a_search(db, cache)
    with db.sessions() as s:
        directory = index.index_dir(Store(s), cache)
        current = fingerprint(s)
    assert index.check_index(directory, current)[1] is None
    damaged = directory / "word_idf.npy"
    with damaged.open("r+b") as fh:  # truncate -s 1000 word_idf.npy
        fh.truncate(1000)
    assert index.check_index(directory, current)[1] == (
        f"The search index file {damaged} is damaged (its checksum does not "
        "match index.json): rebuilding the index.")
    notes, ranker = _notes_of_a_search(db, cache)
    assert notes == [(f"The search index file {damaged} is damaged (its "
                     "checksum does not match index.json): rebuilding the index.")]
    assert ranker.registry_.n_orgs == 12
    assert index.check_index(directory, current)[1] is None  # healed
    assert _notes_of_a_search(db, cache)[0] == []


@pytest.mark.parametrize("name", ["ranker.json", "topical_idf.npy", "orgs.offsets.npy"])
def test_damage_that_keeps_size_and_time_is_found_when_read(sqlite_db: Database,
                                                             tmp_path: Path, name: str) -> None:
    """An unchanged size and modification time spare the hashing; a byte changed under them
    (bit rot) in what a load reads whole (``ranker.json``, the header of each array, which
    gives its type and shape) is still found when it is read, and rebuilt. The arrays
    themselves are mapped, not read: a byte changed inside one is not found at load."""
    import os

    cache = tmp_path / "cache"
    _notes_of_a_search(sqlite_db, cache)
    with sqlite_db.sessions() as s:
        directory = index.index_dir(Store(s), cache)
        current = fingerprint(s)
    damaged = directory / name
    before = damaged.stat()
    data = bytearray(damaged.read_bytes())
    # in the JSON's middle; in an array's header, its shape
    at = len(data) // 2 if name.endswith(".json") else data.index(b"'shape': (") + 10
    data[at] = ord("9") if name.endswith(".npy") else data[at] ^ 0xFF
    damaged.write_bytes(bytes(data))
    os.utime(damaged, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert index.check_index(directory, current)[1] is None  # not hashed: same size and time
    notes, ranker = _notes_of_a_search(sqlite_db, cache)
    assert len(notes) == 1 and notes[0].startswith("The search index cannot be read (")
    assert notes[0].endswith("): rebuilding it.")
    assert ranker.registry_.n_orgs == 12
    assert index.check_index(directory, current)[1] is None
    os.utime(damaged)  # touched only: hashed again, and found intact
    assert index.check_index(directory, current)[1] is None


@pytest.mark.parametrize(("damage", "reason"), [
    (lambda d: (d / "index.json").write_text("{bad", encoding="utf-8"),
     ("The search index manifest {d}/index.json is unreadable (not a valid manifest): "
     "rebuilding the index.")),
    (lambda d: (d / "ranker.json").unlink(),
     ("The search index file {d}/ranker.json cannot be read (No such file or directory): "
     "rebuilding the index.")),
    (lambda d: (d / "ranker.json").write_text("{}", encoding="utf-8"),
     ("The search index file {d}/ranker.json is damaged (its checksum does not match "
     "index.json): rebuilding the index.")),
])
def test_every_damage_is_said_with_its_real_reason(sqlite_db: Database, tmp_path: Path,
                                                   damage: Any, reason: str) -> None:
    cache = tmp_path / "cache"
    _notes_of_a_search(sqlite_db, cache)
    with sqlite_db.sessions() as s:
        directory = index.index_dir(Store(s), cache)
    damage(directory)
    notes, ranker = _notes_of_a_search(sqlite_db, cache)
    assert notes == [reason.format(d=directory)]
    assert "registry changed" not in notes[0]
    assert ranker.registry_.n_orgs == 12


@pytest.mark.parametrize(("name", "error"), [("incidence_data.npy", "ValueError"),
                                             ("orgs.nulls.npy", "ValueError"),
                                             ("orgs.text", "ValueError")])
def test_a_damaged_save_is_a_data_file_error_not_a_numpy_error(
        sqlite_db: Database, tmp_path: Path, name: str, error: str) -> None:
    from matcher.ranking.persistence import load_ranker
    from models.errors import DataFileError

    cache = tmp_path / "cache"
    _notes_of_a_search(sqlite_db, cache)
    with sqlite_db.sessions() as s:
        directory = index.index_dir(Store(s), cache)
    with (directory / name).open("r+b") as fh:
        fh.truncate((directory / name).stat().st_size // 2)
    with pytest.raises(DataFileError, match=f"cannot read the saved ranker .*{error}"):
        load_ranker(directory)
    (directory / name).unlink()
    with pytest.raises(DataFileError, match="cannot read the saved ranker|missing from"):
        load_ranker(directory)


def test_one_sqlite_file_has_one_index_however_its_path_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    (tmp_path / "sub").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "sub")
    monkeypatch.chdir(tmp_path)
    urls = ["sqlite:///r.sqlite", f"sqlite:///{tmp_path / 'r.sqlite'}",
            "sqlite:///sub/../r.sqlite", "sqlite:///./r.sqlite"]
    folders = set()
    for url in urls:
        with Session(create_engine(url)) as s:
            folders.add(index.index_dir(Store(s), tmp_path / "cache"))
    assert len(folders) == 1
    with Session(create_engine("sqlite:///link/r.sqlite")) as s:
        assert index.index_dir(Store(s), tmp_path / "cache") == index.index_dir(
            Store(Session(create_engine("sqlite:///sub/r.sqlite"))), tmp_path / "cache")
    with Session(create_engine("sqlite:///other.sqlite")) as s:
        assert index.index_dir(Store(s), tmp_path / "cache") not in folders


class _Plain:
    """A registry that is no database: plain values, as a test or another store gives them."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry
        self.identity = "plain:test"

    def fingerprint(self) -> str:
        return str(self.registry.fingerprint)

    def load(self) -> Any:
        return self.registry


def test_the_index_needs_no_database_session(db: Database, tmp_path: Path) -> None:
    """The index asks its source for an identity, a fingerprint and a snapshot: any store of
    plain values will do, and what it builds is loaded again while the fingerprint holds."""
    from matcher.registry.store import load_registry

    with db.sessions() as s:
        plain = _Plain(load_registry(s))
    built = index.load_or_build(plain, cache_dir=tmp_path)
    assert built.registry_fingerprint_ == plain.fingerprint()
    assert index.status(plain, cache_dir=tmp_path) == (index.read_info(
        index.index_dir(plain, tmp_path)), None)
    assert index.load_index(plain, cache_dir=tmp_path).registry_fingerprint_ == (
        plain.fingerprint())


def test_an_index_of_the_older_format_is_rebuilt_once(sqlite_db: Database,
                                                      tmp_path: Path) -> None:
    """An index in format 6 (``arrays.npz`` and every text in ``ranker.json``), intact and
    of this tool version, is rebuilt in the new format by the first search, and only then."""
    from dataclasses import asdict

    from matcher.ranking.persistence import FORMAT_VERSION

    cache = tmp_path / "cache"
    _notes_of_a_search(sqlite_db, cache)
    with sqlite_db.sessions() as s:
        directory = index.index_dir(Store(s), cache)
    for path in directory.iterdir():
        path.unlink()
    (directory / "arrays.npz").write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip
    (directory / "ranker.json").write_text(json.dumps({"format": 6}), encoding="utf-8")
    with sqlite_db.sessions() as s:
        current = fingerprint(s)
    old = index.IndexInfo(fingerprint=current, n_orgs=12, n_projects=0, seconds=1.0, bytes=1,
                          built_at="2026-01-01T00:00:00Z", path=str(directory),
                          tool_version=index._tool_version(),
                          checksums=index._checksums(directory), stamps=index._stamps(directory))
    (directory / index.INFO_FILE).write_text(json.dumps(asdict(old)), encoding="utf-8")
    assert index.check_index(directory, current)[1] is None  # intact: read, then rebuilt
    notes, ranker = _notes_of_a_search(sqlite_db, cache)
    assert len(notes) == 1 and "saved ranker format 6; this version reads format" in notes[0]
    assert ranker.registry_.n_orgs == 12
    meta = json.loads((directory / "ranker.json").read_text(encoding="utf-8"))
    assert meta["format"] == FORMAT_VERSION and not (directory / "arrays.npz").exists()
    assert _notes_of_a_search(sqlite_db, cache)[0] == []  # once
