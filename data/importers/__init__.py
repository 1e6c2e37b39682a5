"""Importers of real data files into the registry: ``eche``, ``history``, ``eplus``, ``orgs``.

The caller owns the transaction::

    with db.sessions.begin() as session:
        report = import_file(session, "eche", Path("eche-holders-2021-2027.csv"))
    print(report.summary())

A bad row raises :class:`~models.errors.RowError` (``file:line: field: problem; valid ...``)
before anything is written, so the caller's rollback leaves the database exactly as before;
with ``skip_invalid`` the good rows are imported and ``report.skipped`` lists every bad one.
Importing the same file twice changes nothing the second time, and only an import that changed
something adds an ``ImportRecord`` (it feeds the registry fingerprint).

Concurrency: an import first takes the registry's write lock (:func:`models.locks.lock_registry`,
held by the database until the caller's transaction ends), then reads what is there. A second
import of the same file, started at the same time, waits (``on_wait`` hears it once), then
finds everything already up to date: rows are never duplicated.

``progress``, when given, is called with the number of rows just processed (``tqdm.update``);
``phase``, when given, hears each slow step after the reading (``"writing 116,241
participations"``), so that a caller can say what happens once the rows are read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from data.importers._files import count_lines, count_rows
from data.importers._store import ImportReport
from models.errors import DataFileError
from models.locks import lock_registry

__all__ = ["KINDS", "ImportReport", "count_lines", "count_rows", "import_file"]

#: Importer kinds and what each reads.
KINDS: dict[str, str] = {
    "eche": "ECHE holders list 2021-2027 (.xlsx or ;-separated cp1252 .csv)",
    "history": "CORDIS H2020 participations (.csv or .csv.gz), with --programme-parts, "
               "--organisations (names) and --projects (titles, call topics)",
    "eplus": "Erasmus+ project results export (.csv, , or ; separated, UTF-8)",
    "orgs": "your own organisation profiles (.csv or .jsonl)",
}


def import_file(session: Session, kind: str, path: Path, *, skip_invalid: bool = False,
                programme_parts: Path | None = None, organisations: Path | None = None,
                projects: Path | None = None,
                progress: Callable[[int], None] | None = None,
                on_wait: Callable[[str], None] | None = None,
                phase: Callable[[str], None] | None = None) -> ImportReport:
    """Import one file of the given kind into the registry; see the module docstring."""
    path = Path(path)
    if kind not in KINDS:
        raise DataFileError(path, f"unknown import kind {kind!r}; valid: {', '.join(KINDS)}")
    if kind != "history" and (programme_parts or organisations or projects):
        raise DataFileError(path, "--programme-parts, --organisations and --projects only go "
                            "with KIND history")
    lock_registry(session, on_wait=on_wait)
    if kind == "eche":
        from data.importers.eche import import_eche

        return import_eche(session, path, skip_invalid=skip_invalid, progress=progress,
                           phase=phase)
    if kind == "history":
        from data.importers.history import import_history

        return import_history(session, path, programme_parts=programme_parts,
                              organisations=organisations, projects=projects,
                              skip_invalid=skip_invalid, progress=progress, phase=phase)
    if kind == "eplus":
        from data.importers.eplus import import_eplus

        return import_eplus(session, path, skip_invalid=skip_invalid, progress=progress,
                            phase=phase)
    if kind == "orgs":
        from data.importers.orgs import import_orgs

        return import_orgs(session, path, skip_invalid=skip_invalid, progress=progress,
                           phase=phase)
    raise DataFileError(path, f"unknown import kind {kind!r}; valid: {', '.join(KINDS)}")
