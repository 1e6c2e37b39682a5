"""Build the bundled default registry (``data/bundled/``) from ``../shared/data``.

The bundle is the files ``data/bootstrap.py`` lists in ``BUNDLED_FILES``, copied byte for byte
from the published sources (so the importers' handling of their quirks is what users get):

- ``eche-holders-2021-2027.csv``: the ECHE holders list 2021-27 (cp1252, ``;``-separated);
- ``participations.csv.gz``, ``programme_parts.csv.gz``: CORDIS H2020 participations of
  projects started 2014-2019 and their programme parts;
- ``organisations.csv.gz``, ``projects.csv.gz``: the names of the organisations and the
  acronyms, titles and call topics of the projects.

Then it checks the bundle by importing it into a throw-away SQLite database and printing the
counts and the time taken. Usage::

    python scripts/build_registry.py [--source ../shared/data] [--no-check]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data.bootstrap import BUNDLED_DIR, BUNDLED_FILES

#: Where each bundled file comes from, relative to the shared data folder.
SOURCES = {
    "eche-holders-2021-2027.csv": "eche/eche-holders-2021-2027.csv",
    "participations.csv.gz": "cordis-h2020/participations.csv.gz",
    "programme_parts.csv.gz": "cordis-h2020/programme_parts.csv.gz",
    "organisations.csv.gz": "cordis-h2020/organisations.csv.gz",
    "projects.csv.gz": "cordis-h2020/projects.csv.gz",
}


def bundled_names() -> list[str]:
    names = []
    for _kind, name, extra in BUNDLED_FILES:
        names.append(name)
        names.extend(extra.values())
    return names


def build(source: Path) -> None:
    BUNDLED_DIR.mkdir(parents=True, exist_ok=True)
    for name in bundled_names():
        origin = source / SOURCES[name]
        target = BUNDLED_DIR / name
        shutil.copyfile(origin, target)
        digest = hashlib.sha256(target.read_bytes()).hexdigest()[:12]
        print(f"{target.relative_to(ROOT)}  {target.stat().st_size:>9,} bytes  sha256 {digest}"
              f"  <- {origin}")


def check() -> None:
    from sqlalchemy import func, select

    from data.bootstrap import load_bundled
    from data.reference import seed_reference
    from models.db import open_database
    from models.schema import Organisation, Participation, Project

    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{Path(tmp) / 'check.sqlite'}")
        with db.sessions.begin() as session:
            seed_reference(session)
        start = time.perf_counter()
        load_bundled(db)
        took = time.perf_counter() - start
        with db.sessions() as session:
            named = session.scalar(select(func.count()).select_from(Organisation)
                                   .where(Organisation.legal_name.is_not(None)))
            titled = session.scalar(select(func.count()).select_from(Project)
                                    .where(Project.title.is_not(None)))
            counts = {t.__name__: session.scalar(select(func.count()).select_from(t))
                      for t in (Organisation, Project, Participation)}
        db.dispose()
    print(f"bundle imports in {took:.1f} s: {counts}, {named:,} named organisations, "
          f"{titled:,} projects with a title")
    if not named or named < 18000 or not titled or titled < 16000:
        raise SystemExit("the default registry must hold at least 18,000 named organisations "
                         "and 16,000 projects with a title")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--no-check", action="store_true")
    args = parser.parse_args()
    build(args.source)
    if not args.no_check:
        check()


if __name__ == "__main__":
    main()
