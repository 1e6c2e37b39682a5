"""Private, temporary registries of consortium history, for evaluation and training.

``matcher evaluate``, ``scripts/train_model.py`` and ``bench/bench_evaluate.py`` load CORDIS
files into a throwaway SQLite database that is never the user's, through the real importer.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from data.importers import import_file
from data.importers._files import decode, read_bytes
from data.reference import seed_reference
from models.db import Database, open_database

__all__ = ["history_database"]


def _merge(files: Sequence[Path], into: Path, columns: Sequence[str]) -> Path | None:
    """Several CSV files with ``columns`` as one (the importer takes one of each kind)."""
    if not files:
        return None
    if len(files) == 1:
        return files[0]
    with into.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for path in files:  # un-gzipped within bounds, as every import reads a file
            text = decode(path, read_bytes(path))
            for row in csv.DictReader(io.StringIO(text, newline="")):
                writer.writerow([row.get(c, "") for c in columns])
    return into


@contextmanager
def history_database(histories: Sequence[Path], programme_parts: Sequence[Path] = (), *,
                     projects: Sequence[Path] = (), organisations: Sequence[Path] = (),
                     announce: Callable[[str], None] | None = None) -> Iterator[Database]:
    """A temporary database holding every history file (concatenated), with the programme
    parts, project texts and organisation names given, deleted on exit."""
    with tempfile.TemporaryDirectory(prefix="matcher-history-") as tmp:
        db = open_database(f"sqlite:///{Path(tmp) / 'history.sqlite'}")
        try:
            with db.sessions.begin() as session:
                seed_reference(session)
            folder = Path(tmp)
            parts = _merge(programme_parts, folder / "programme_parts.csv",
                           ("rcn", "programme_part"))
            texts = _merge(projects, folder / "projects.csv",
                           ("rcn", "acronym", "title", "topic_code", "topic_title"))
            names = _merge(organisations, folder / "organisations.csv",
                           ("pic", "name", "short_name", "activity_type", "city", "url"))
            for path in histories:
                if announce is not None:
                    announce(f"Loading {path} ...")
                with db.sessions.begin() as session:
                    import_file(session, "history", path, programme_parts=parts,
                                projects=texts, organisations=names)
            yield db
        finally:
            db.dispose()
