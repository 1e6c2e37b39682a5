"""The Erasmus+ project results export ("projects lists" of the results platform).

One row per project: identifier, action type, call year, title, topics, summary, the
coordinator and ``Partner N ...`` columns (N up to 100 in the real layout, 622 columns).
``,`` or ``;`` separated, UTF-8 with a byte-order mark; the real files are 90-200 MB.

- The file is read row by row (:func:`data.importers._files.stream_table`) and written in
  batches of :data:`BATCH` projects inside the caller's one transaction: memory does not
  grow with the file, and a bad row still leaves nothing written once the caller rolls
  back. A last row that stops inside a value without a line break (a cut-off download) is a
  bad row.
- Projects: programme ``Erasmus+``, action code from Action Type (a code such as ``KA203`` or
  the platform's label "Strategic Partnerships for higher education"), ``start_year`` = call
  year. A project already in the registry is updated by its identifier: title, summary,
  action, year, topics and participants become the export's.
- Topics (several in one cell, separated by ``;``, ``|`` or line breaks) become themes by code
  or English/Finnish label (case-, accent- and punctuation-insensitive). A topic the vocabulary
  lacks is added as a new theme of kind ``topic`` (code ``topic-<label>``), and the report
  counts them: the export's topic list changes between programme periods.
- Organisations carry no PIC here: which registry organisation a name is, is decided by
  evidence (:mod:`data.importers._orgmatch`); merges and near misses are in the report
  (``merges``). A matched organisation keeps its name and type; a missing website or city is
  filled in.
- Importing the same file again changes nothing, and reads little: a project keeps the
  digest of the values of the row it was written from (``source_digest``; the columns' order
  and empty partner columns left out), and a row whose digest its project holds is skipped
  without being matched or compared. A newer export's changed rows are read and compared as
  before: a project updated by its identifier, the new ones added.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.importers import _store
from data.importers._eplus_writer import Writer
from data.importers._files import Stream, stream_table
from data.importers._orgmatch import (
    FUZZY_THRESHOLD,
    Candidate,
    OrgIndex,
    city_key,
    city_of,
    domain_of,
)
from data.importers._store import ImportReport, RowLog, ThemeBook, check_text
from data.reference import resolve_category, resolve_country
from models.errors import DataFileError, RowError
from models.schema import (
    Country,
)
from models.text import fold

__all__ = ["BATCH", "FUZZY_THRESHOLD", "import_eplus"]

COLUMNS = ("Project Identifier", "Action Type", "Call year", "Project Title",
           "Coordinating organisation name", "Coordinator's country")
OPTIONAL = ("Programme", "Key Action", "Topics", "Project Summary",
            "Coordinating organisation type", "Coordinator's website", "Coordinator's address")
#: Projects matched and written together (bounded memory whatever the file's size).
BATCH = 500
COORDINATOR = ("Coordinating organisation name", "Coordinating organisation type",
               "Coordinator's country", "Coordinator's website", "Coordinator's address")
_PARTNER = re.compile(r"Partner (\d+) (name|organisation type|country|website|address|region)",
                      re.IGNORECASE)
_ACTION_CODE = re.compile(r"(KA\d{3}(?:-[A-Z]{3})?)\b", re.IGNORECASE)
#: Key Action 2 action types as the results platform labels them (its level-3 vocabulary).
ACTION_LABELS: dict[str, str] = {
    "Strategic Partnerships addressing more than one field": "KA200",
    "Strategic Partnerships for school education": "KA201",
    "Strategic Partnerships for vocational education and training": "KA202",
    "Strategic Partnerships for higher education": "KA203",
    "Strategic Partnerships for adult education": "KA204",
    "Strategic Partnerships for youth": "KA205",
    "Knowledge Alliances for higher education": "KA206",
    "Sector Skills Alliances in vocational education and training": "KA207",
    "Small-scale partnerships in adult education": "KA210-ADU",
    "Small-scale partnerships in school education": "KA210-SCH",
    "Small-scale partnerships in vocational education and training": "KA210-VET",
    "Small-scale partnerships in youth": "KA210-YOU",
    "Capacity Building in higher education": "KA211",
    "Strategic Partnerships for Schools Only": "KA219",
    "Cooperation partnerships in adult education": "KA220-ADU",
    "Cooperation partnerships in higher education": "KA220-HED",
    "Cooperation partnerships in school education": "KA220-SCH",
    "Cooperation partnerships in vocational education and training": "KA220-VET",
    "Cooperation partnerships in youth": "KA220-YOU",
    "Partnerships for Digital Education Readiness": "KA226",
    "Partnerships for Creativity": "KA227",
    "School Exchange Partnerships": "KA229",
    "European Universities": "KA230",
}
_ACTION_KEYS = {fold(label): code for label, code in ACTION_LABELS.items()}


@dataclass(frozen=True, slots=True)
class _Project:
    line: int
    identifier: str
    action: str
    year: int
    title: str
    summary: str | None
    topics: tuple[str, ...]
    orgs: tuple[tuple[Candidate, str], ...]  # (organisation, role)
    digest: str  # of the row's values, see _Layout.digest


#: Names the rules a row is read by: changing it makes a re-import compare every row again.
_DIGEST_SALT = b"eplus-row-1"


#: Some cells of a row, by their positions (an :class:`operator.itemgetter`).
_Cells = Callable[[list[str]], tuple[str, ...]]
#: The project's columns a row is read from (its organisations' come after them).
_READ = ("Project Identifier", "Action Type", "Call year", "Project Title", "Project Summary",
         "Topics")


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where an export's columns are, in a row padded by :meth:`pad` (an absent column is
    read from the padding, an empty cell): ``fields[name]`` for the project's, ``names``
    the name cells of the organisations (coordinator first), and for each organisation the
    getter and the names of its name, type, country, website and address columns."""

    width: int
    fields: dict[str, int]
    names: _Cells
    orgs: tuple[tuple[_Cells, tuple[str, str, str, str, str]], ...]
    read: _Cells

    @classmethod
    def of(cls, columns: dict[int, str], width: int) -> _Layout:
        at = {name: i for i, name in columns.items()}
        groups: dict[int, dict[str, str]] = {}
        for name in at:
            if (m := _PARTNER.fullmatch(name)) is not None:
                groups.setdefault(int(m.group(1)), {})[m.group(2).lower()] = name
        orgs = [COORDINATOR] + [
            tuple(g.get(part, "") for part in ("name", "organisation type", "country",
                                               "website", "address"))
            for _, g in sorted(groups.items()) if "name" in g]
        fields = {name: i for name, i in at.items() if not _PARTNER.fullmatch(name)}
        return cls(width, fields, itemgetter(*(at.get(cols[0], width) for cols in orgs), width),
                   tuple((itemgetter(*(at.get(c, width) for c in cols)), cols)  # type: ignore[misc]
                         for cols in orgs),
                   itemgetter(*(fields.get(name, width) for name in _READ)))

    def pad(self, cells: list[str]) -> list[str]:
        """The row with exactly the header's cells and one empty cell after them."""
        if len(cells) != self.width:
            cells = cells[:self.width] + [""] * max(0, self.width - len(cells))
        cells.append("")
        return cells

    def present(self, cells: list[str]) -> list[int]:
        """The organisations the (padded) row names, by their position in :attr:`orgs`."""
        return [n for n, name in enumerate(self.names(cells)[:-1]) if name and name.strip()]

    def digest(self, cells: list[str], present: list[int]) -> str:
        """A digest of the values a (padded) row is read from, whatever the columns' order
        and the number of empty partner columns: an unchanged row has the same."""
        parts = [c.strip() for c in self.read(cells)]
        for n in present:
            parts += [c.strip() for c in self.orgs[n][0](cells)]
        return hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"),
                               digest_size=16, person=_DIGEST_SALT).hexdigest()


#: Folded short values that recur (cities, action labels): computed once each.
_fold_short = functools.lru_cache(maxsize=65536)(fold)
_city_key = functools.lru_cache(maxsize=65536)(city_key)
_country = functools.lru_cache(maxsize=4096)(resolve_country)
_category = functools.lru_cache(maxsize=4096)(resolve_category)


def _action(path: Path, line: int, text: str) -> str:
    code = _ACTION_KEYS.get(_fold_short(text))
    if code is None and (m := _ACTION_CODE.match(text.strip())):
        code = m.group(1).upper()
    if code is None:
        raise RowError(path, line, "Action Type", f"{text!r} is not an Erasmus+ action type; "
                       "valid: a code such as KA203 or KA220-HED, or the platform's label "
                       "such as 'Strategic Partnerships for higher education'")
    return code


def _org(path: Path, line: int, cols: tuple[str, str, str, str, str],
         values: tuple[str, ...], countries: set[str]) -> Candidate:
    """One organisation from its (name, type, country, website, address) values."""
    name, kind, country_text, website, address = values
    country = _country(country_text) if country_text else None
    if country is None or country not in countries:
        raise RowError(path, line, cols[2], f"{country_text!r} is not a country; "
                       "valid: an English country name (Finland) or code (FI, EL, UK)")
    resolved = _category(kind) if kind else ("other", "other")
    if resolved is None:
        raise RowError(path, line, cols[1], f"{kind!r} is not an organisation type; valid: an "
                       "Erasmus+ label such as 'Higher education institution (tertiary "
                       "level)', an EPLUS-* code or a category name")
    name = " ".join(name.split())
    key = fold(name)
    place = city_of(address)
    check_text(path, line, "organisation", {
        "legal_name": (cols[0], name), "normalised_name": (cols[0], key),
        "website": (cols[3], website), "city": (cols[4], place)})
    return Candidate(name, key, country, _city_key(place), place,
                     resolved[0],
                     resolved[1], website or None, domain_of(website))


def _parse(path: Path, line: int, cells: list[str], layout: _Layout, countries: set[str],
           known: dict[tuple[str, ...], Candidate], present: list[int], digest: str,
           ) -> _Project:
    """One project from a padded row (:meth:`_Layout.pad`) naming the organisations
    ``present``; ``known`` remembers the organisations already read (most recur)."""
    fields, blank = layout.fields, layout.width

    def get(name: str) -> str:
        return cells[fields.get(name, blank)].strip()

    identifier = get("Project Identifier")
    if not identifier:
        raise RowError(path, line, "Project Identifier", "empty; every project needs one")
    check_text(path, line, "project", {
        "identifier": ("Project Identifier", identifier),
        "title": ("Project Title", get("Project Title")),
        "summary": ("Project Summary", get("Project Summary")),
        "topics": ("Topics", get("Topics"))})
    year_text = get("Call year")
    if not re.fullmatch(r"20[0-9][0-9]", year_text):
        raise RowError(path, line, "Call year", f"{year_text!r} is not a call year; "
                       "valid: 2014, 2021...")
    if not get("Coordinating organisation name"):
        raise RowError(path, line, "Coordinating organisation name", "empty")
    orgs = []
    for n in present:
        getter, cols = layout.orgs[n]
        values = tuple(c.strip() for c in getter(cells))
        org = known.get(values)
        if org is None:
            org = _org(path, line, cols, values, countries)
            if len(known) > 50_000:  # bounded, whatever the file's size
                known.clear()
            known[values] = org
        orgs.append((org, "coordinator" if n == 0 else "partner"))
    topics = tuple(t.strip() for t in re.split(r"[;|\n]", get("Topics")) if t.strip())
    return _Project(line, identifier, _action(path, line, get("Action Type")), int(year_text),
                    get("Project Title"), get("Project Summary") or None, topics, tuple(orgs),
                    digest)


def _check_partner_columns(path: Path, header: tuple[str, ...], header_line: int) -> None:
    """Every ``Partner N name`` column needs its ``Partner N country``: without it every
    partner would be refused as having no country, on every row."""
    found: dict[int, dict[str, str]] = {}
    for column in header:
        if (m := _PARTNER.fullmatch(column.strip())) is not None:
            found.setdefault(int(m.group(1)), {})[m.group(2).lower()] = column.strip()
    for n, columns in sorted(found.items()):
        if "name" in columns and "country" not in columns:
            raise DataFileError(path, f"line {header_line}: missing column "
                                f"'Partner {n} country' (the header has {columns['name']!r}): "
                                "add each partner's country")


def _cut_off(path: Path, line: int, cells: list[str], header: tuple[str, ...]) -> RowError:
    column = header[len(cells) - 1] if cells else header[0]
    return RowError(path, line, column, f"the file ends inside this value, {len(cells)} of the "
                    f"header's {len(header)} columns: the file looks cut off (an interrupted "
                    "download?); download it again")


def import_eplus(session: Session, path: Path, *, skip_invalid: bool = False,
                 progress: Callable[[int], None] | None = None,
                 phase: Callable[[str], None] | None = None) -> ImportReport:
    """Read the export row by row, and match and write it in batches of :data:`BATCH`
    projects, all in the caller's transaction: memory stays bounded whatever the file's
    size, and a bad row (without ``skip_invalid``) still leaves nothing written once the
    caller rolls back. ``progress`` hears each batch's rows once they are written, so no
    slow step is left for ``phase`` (accepted as every importer does) after the reading.

    A row whose digest (:meth:`_Layout.digest`) its project already holds was written by
    an import of the same values and is skipped unread; the registry's organisations are
    read only when a row needs matching."""
    stream = stream_table(path, required=COLUMNS, optional=OPTIONAL, extra=_PARTNER)
    try:
        _check_partner_columns(path, stream.header, stream.header_line)
        _store.sqlite_cache(session)
        log = RowLog(skip_invalid)
        writer = Writer(session, path, functools.partial(OrgIndex, session), ThemeBook(session))
        batches = _batches(stream, log, set(session.scalars(select(Country.code))), writer)
        write = _pipelined if writer.pipelined else _in_turn
        total = write(batches, writer, progress or (lambda _rows: None))
    finally:
        stream.close()
    counts = writer.counts
    merges = tuple(writer.merges())
    n_themes = writer.new_themes
    report = ImportReport(
        kind="eplus", file=str(path), rows=total,
        created=counts.orgs + n_themes + counts.created + counts.links,
        updated=counts.org_updates + counts.updated + counts.link_changes,
        # organisations found as they were, and projects skipped by their digest
        unchanged=len(counts.unchanged_orgs) + writer.skipped,
        skipped=log.skipped(),
        details=(("organisations", counts.orgs, counts.org_updates),
                 ("themes (new topics)", n_themes, 0),
                 ("projects", counts.created, counts.updated),
                 ("participations", counts.links, counts.link_changes)),
        notes=tuple(log.notes), merges=merges,
    )
    _store.record_import(session, report, path)
    return report


def _in_turn(batches: Iterator[tuple[list[_Project], int]], writer: Writer,
             progress: Callable[[int], None]) -> int:
    """Match and write each batch in turn; the rows read."""
    total = 0
    for batch, rows in batches:
        if batch:
            writer.write(batch)
        total += rows
        progress(rows)
    return total


def _pipelined(batches: Iterator[tuple[list[_Project], int]], writer: Writer,
               progress: Callable[[int], None]) -> int:
    """Read and match a batch while a thread writes the one before (batches written in
    order, one at a time; the database is asked by that thread only); the rows read.
    Whatever stops the reading (a bad row, an interrupt) waits for the batch being written
    before it goes up to the caller, who rolls the transaction back."""
    total = 0
    with ThreadPoolExecutor(1, thread_name_prefix="eplus-writer") as pool:
        running: Future[None] | None = None
        held = 0  # rows of the batches read since the last one written
        try:
            for batch, rows in batches:
                job = writer.prepare(batch) if batch else None
                if running is not None and job is not None:
                    running.result()
                    running = None
                    progress(held)
                    held = 0
                if job is not None:
                    running = pool.submit(writer.commit, job)
                held += rows
                total += rows
            if running is not None:
                running.result()
                running = None
            progress(held)
        finally:
            if running is not None:
                wait([running])
    return total


def _batches(stream: Stream, log: RowLog, countries: set[str], writer: Writer,
             ) -> Iterator[tuple[list[_Project], int]]:
    """The export's projects that need writing, :data:`BATCH` rows at a time, with the rows
    each batch read (bad rows to ``log``; rows ``writer`` holds unchanged left out). The
    last row is held back one step: only the last can be cut off."""
    path, header = stream.path, stream.header
    layout = _Layout.of(stream.columns, len(header))
    identifier_at = layout.fields["Project Identifier"]
    seen: dict[str, int] = {}
    known: dict[tuple[str, ...], Candidate] = {}
    chunk: list[tuple[int, list[str], str]] = []
    rows = 0
    previous: tuple[int, list[str] | RowError] | None = None
    for item in itertools.chain(stream.rows, [None]):
        if previous is not None:
            line, cells = previous
            rows += 1
            try:
                if isinstance(cells, RowError):
                    raise cells
                if item is None and stream.cut_off and len(cells) < len(header):
                    raise _cut_off(path, line, cells, header)
                cells = layout.pad(cells)
                chunk.append((line, cells, cells[identifier_at].strip()))
            except RowError as exc:
                log.bad(exc)
        previous = item
        if len(chunk) >= BATCH or (item is None and rows):
            yield _changed(path, chunk, layout, countries, known, seen, log, writer), rows
            rows = 0
            chunk = []


def _changed(path: Path, chunk: list[tuple[int, list[str], str]], layout: _Layout,
             countries: set[str], known: dict[tuple[str, ...], Candidate],
             seen: dict[str, int], log: RowLog, writer: Writer) -> list[_Project]:
    """The projects of ``chunk`` (``(line, padded cells, identifier)``) whose values differ
    from those the registry holds; ``seen``: each identifier's line, one row a project."""
    stored = writer.digests([ident for _, _, ident in chunk if ident])
    batch: list[_Project] = []
    for line, cells, ident in chunk:
        try:
            present = layout.present(cells)
            digest = layout.digest(cells, present)
            project = None
            if not ident or stored.get(ident) != digest:
                project = _parse(path, line, cells, layout, countries, known, present, digest)
            if ident in seen:
                raise RowError(path, line, "Project Identifier", f"{ident} is already on "
                               f"line {seen[ident]}; one row per project")
            seen[ident] = line
            if project is None:
                writer.skipped += 1
            else:
                batch.append(project)
        except RowError as exc:
            log.bad(exc)
    return batch
