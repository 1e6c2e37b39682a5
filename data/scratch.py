"""Private, temporary registries of consortium history, for evaluation and training.

``matcher evaluate``, ``scripts/train_model.py`` and ``bench/bench_evaluate.py`` load CORDIS
files into a throwaway SQLite database that is never the user's, through the real importer.
"""

from __future__ import annotations

import csv
import gzip
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from data.importers import import_file
from data.reference import seed_reference
from models.db import Database, open_database

__all__ = ["history_database"]


def _merge_parts(files: Sequence[Path], into: Path) -> Path | None:
    """Several ``rcn,programme_part`` files as one (the importer takes one per history file)."""
    if not files:
        return None
    if len(files) == 1:
        return files[0]
    with into.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["rcn", "programme_part"])
        for path in files:
            opener = gzip.open if path.read_bytes()[:2] == b"\x1f\x8b" else open
            with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
                for row in csv.DictReader(fh):
                    writer.writerow([row.get("rcn", ""), row.get("programme_part", "")])
    return into


@contextmanager
def history_database(histories: Sequence[Path], programme_parts: Sequence[Path] = (), *,
                     announce: Callable[[str], None] | None = None) -> Iterator[Database]:
    """A temporary database holding every history file (concatenated), deleted on exit."""
    with tempfile.TemporaryDirectory(prefix="matcher-history-") as tmp:
        db = open_database(f"sqlite:///{Path(tmp) / 'history.sqlite'}")
        try:
            with db.sessions.begin() as session:
                seed_reference(session)
            merged = _merge_parts(programme_parts, Path(tmp) / "programme_parts.csv")
            for path in histories:
                if announce is not None:
                    announce(f"Loading {path} ...")
                with db.sessions.begin() as session:
                    import_file(session, "history", path, programme_parts=merged)
            yield db
        finally:
            db.dispose()
