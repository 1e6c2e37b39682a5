"""The fitted :class:`~matcher.ranking.ranker.Ranker` of a database, cached on disk.

Each database gets its own folder under the user cache directory, named by a hash of its
identity (its URL; for a SQLite file, the file's resolved absolute path, so that one file
opened by a relative path, an absolute one or through a link has one index, not one each)::

    ~/.cache/erasmus-partner-matcher/index-<sha256(identity)[:16]>/
        index.json      what was built: fingerprint, organisations, projects, seconds, bytes
        ranker.json     \\  Ranker.save (no pickle): parameters, one .npy file per array,
        *.npy, orgs.*,  /  the organisations' and projects' texts as tables
        projects.*     /   (:mod:`matcher.ranking.persistence`)

:func:`load_or_build` compares the registry's fingerprint (its :class:`Source`'s, for a database
:class:`~matcher.registry.store.Store`, which reads it; the index never touches a session) with
the one in ``index.json`` and loads the saved ranker only when they are equal. When only the
registry changed since (an import), the saved index intact and of this tool version, it is
*refreshed* (:func:`refresh`, :mod:`matcher.ranking.refresh`): what was fitted is kept and
only the new and changed organisations' and projects' rows are computed, while the new and
changed rows since the last whole fit stay under :data:`MAX_DRIFT` of the registry and none
was removed; ``index.json`` then says from which index it was refreshed and the drift.
Otherwise (or when the files are missing or unreadable) it reads the registry, fits a new
ranker and saves it. A stale index is never used. ``index.json`` also holds the SHA-256 of every other file of the
folder: a truncated or damaged file is found before it is read (:func:`check_index`), said in
one line with its real reason, and rebuilt. A new index is written to a temporary folder and
moved into place, so a concurrent reader sees the old index or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

import platformdirs

from matcher.errors import DataFileError
from matcher.ranking.ranker import Ranker
from matcher.ranking.refresh import compare
from matcher.ranking.refresh import refresh as refresh_ranker
from matcher.registry.snapshot import Registry

__all__ = ["APP_NAME", "MAX_DRIFT", "IndexInfo", "build", "check_index", "index_dir",
           "load_index", "load_or_build", "read_info", "refresh", "status", "update"]

APP_NAME = "erasmus-partner-matcher"
INFO_FILE = "index.json"
_STEPS = ("reading the registry", "profiles", "graph", "saving")
#: A stale index is refreshed (:func:`refresh`) while the organisations and projects new or
#: changed since its last whole fit are at most this share of the registry, summed over
#: the refreshes since; above it, the fitted vocabularies, idf, SVD and latent factors are
#: fitted again whole (README, "Index refresh", for the measurements behind it).
MAX_DRIFT = 0.2


def _tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(APP_NAME)
    except PackageNotFoundError:  # running from a source tree without installing
        return "source"


@dataclass(frozen=True, slots=True)
class IndexInfo:
    """What a saved index holds and what building it cost."""

    fingerprint: str
    n_orgs: int
    n_projects: int
    seconds: float
    bytes: int
    built_at: str
    path: str
    #: The tool version that built it: code changes can change scores, so a new version rebuilds.
    tool_version: str = ""
    #: SHA-256 of every other file of the folder, checked before the index is used.
    checksums: dict[str, str] = field(default_factory=dict)
    #: ``[size, mtime_ns]`` of each of those files when their checksums were taken: a file
    #: whose size and modification time are unchanged is not hashed again.
    stamps: dict[str, list[int]] = field(default_factory=dict)
    #: Refreshed (:func:`refresh`), not fitted whole: the fingerprint of the registry of the
    #: index it was refreshed from ("" when fitted whole), and what changed since.
    refreshed_from: str = ""
    change: dict[str, float] = field(default_factory=dict)
    #: New and changed organisations and projects since the last whole fit, as a share of
    #: the registry, summed over its refreshes (0 for a whole fit).
    drift: float = 0.0
    #: When the last whole fit was made.
    fitted_at: str = ""

    def summary(self) -> str:
        made = (f"refreshed in {self.seconds:.1f} s ({self.drift:.1%} of the registry new "
                f"or changed since its full build of {self.fitted_at or '?'})"
                if self.refreshed_from else f"built in {self.seconds:.1f} s")
        return (f"{self.n_orgs:,} organisations and {self.n_projects:,} projects, {made}, "
                f"{self.bytes / 1e6:.1f} MB in {self.path}")


class Source(Protocol):
    """Where an index's registry comes from (:class:`matcher.registry.store.Store` for a
    database): what tells it apart from others (``identity``: one folder each), a cheap
    ``fingerprint`` that changes with every import, and the snapshot to fit on."""

    @property
    def identity(self) -> str: ...

    def fingerprint(self) -> str: ...

    def load(self) -> Registry: ...


def index_dir(source: Source, cache_dir: Path | None = None) -> Path:
    """The folder of the index of ``source``'s registry (not necessarily existing)."""
    base = Path(cache_dir) if cache_dir is not None else platformdirs.user_cache_path(APP_NAME)
    digest = hashlib.sha256(source.identity.encode()).hexdigest()[:16]
    return base / f"index-{digest}"


def read_info(directory: Path) -> IndexInfo | None:
    """The ``index.json`` of ``directory``; None when missing or unreadable."""
    try:
        raw = json.loads((directory / INFO_FILE).read_text(encoding="utf-8"))
        return IndexInfo(**raw)
    except (OSError, ValueError, TypeError):
        return None


def _size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.iterdir() if p.is_file())


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _files(directory: Path) -> list[Path]:
    return [p for p in sorted(directory.iterdir()) if p.is_file() and p.name != INFO_FILE]


def _checksums(directory: Path) -> dict[str, str]:
    return {p.name: _sha256(p) for p in _files(directory)}


def _stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def _stamps(directory: Path) -> dict[str, list[int]]:
    return {p.name: _stamp(p) for p in _files(directory)}


def check_index(directory: Path, current: str) -> tuple[IndexInfo | None, str | None]:
    """The saved index's manifest, and why the index cannot be used: one sentence for people
    (``None``: it is fresh and intact). Checks, in order: the manifest, the tool version, the
    registry fingerprint, and the checksum of each file (hashed again only when its size or
    modification time differ from the manifest's: hashing the default registry's 180 MB costs
    about 0.2 s a command, the 1 GB of 250,000 organisations several seconds). Damage that
    keeps both, such as bit rot, is caught when what is read whole is read (the JSON parser,
    the type and shape in each array's header, the length of each text table); a search maps
    the arrays and reads the pages it needs, so a byte changed inside an array's values is
    not seen: `matcher index --rebuild` writes them again."""
    for _attempt in range(3):  # a concurrent rebuild may swap the folder while we check
        manifest = directory / INFO_FILE
        if not manifest.exists():
            return None, "Building the search index (once per registry)."
        try:
            text = manifest.read_text(encoding="utf-8")
            info = IndexInfo(**json.loads(text))
        except (OSError, ValueError, TypeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "not a valid manifest"
            return None, (f"The search index manifest {manifest} is unreadable ({why}): "
                          "rebuilding the index.")
        if info.tool_version != _tool_version():
            return info, (f"The search index was built by version {info.tool_version or '?'} "
                          f"of the tool, this is {_tool_version()}: rebuilding it.")
        if info.fingerprint != current:
            return info, "The registry changed since the search index was built: rebuilding it."
        problem = _damaged_file(directory, info)
        if problem is None:
            return info, None
        try:
            if manifest.read_text(encoding="utf-8") == text:
                return info, problem
        except OSError:
            pass
    return info, problem


def _damaged_file(directory: Path, info: IndexInfo) -> str | None:
    if not info.checksums:
        return f"The search index in {directory} has no checksums: rebuilding it."
    for name, expected in info.checksums.items():
        try:
            if info.stamps.get(name) == _stamp(directory / name):
                continue
            actual = _sha256(directory / name)
        except OSError as exc:
            return (f"The search index file {directory / name} cannot be read ({exc.strerror}):"
                    " rebuilding the index.")
        if actual != expected:
            return (f"The search index file {directory / name} is damaged (its checksum does "
                    "not match index.json): rebuilding the index.")
    return None


def _bar(progress: Callable[[str], None] | None) -> tuple[Callable[[str], None],
                                                         Callable[[], None]]:
    """``(step, close)``: a tqdm bar on stderr advanced at the start of each step."""
    if progress is None:
        return (lambda _name: None), (lambda: None)
    from tqdm import tqdm

    bar = tqdm(total=len(_STEPS), file=sys.stderr, unit="step", leave=False,
               bar_format="{desc}: {bar} {n_fmt}/{total_fmt} [{elapsed}]")

    def step(name: str) -> None:
        bar.set_description_str(f"indexing: {name}")
        bar.update(1)

    return step, bar.close


def build(source: Source, *, cache_dir: Path | None = None,
          progress: Callable[[str], None] | None = None) -> tuple[Ranker, IndexInfo]:
    """Fit a ranker on the whole registry and save it as the database's index.

    ``progress``: where the one-line notes go (e.g. ``print`` to stderr); when given, a tqdm
    bar on stderr shows the steps too. Silent when None.
    """
    step, close = _bar(progress)
    started = time.perf_counter()
    step(_STEPS[0])
    registry = source.load()
    ranker = Ranker().fit(registry, progress=step)
    step(_STEPS[-1])
    final = index_dir(source, cache_dir)
    built_at = _now()
    info = IndexInfo(
        fingerprint=registry.fingerprint, n_orgs=registry.n_orgs,
        n_projects=len(registry.projects), seconds=round(time.perf_counter() - started, 2),
        bytes=0, built_at=built_at, path=str(final), tool_version=_tool_version(),
        fitted_at=built_at)
    try:
        return ranker, _save(ranker, info, final, progress)
    finally:
        close()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _save(ranker: Ranker, info: IndexInfo, final: Path,
          progress: Callable[[str], None] | None) -> IndexInfo:
    """Write ``ranker`` and its manifest ``info`` into a temporary folder, then move it in
    place of ``final``: a concurrent reader sees the old index or the new one."""
    tmp = final.with_name(f"{final.name}.tmp-{os.getpid()}")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        ranker.save(tmp)
        info = IndexInfo(**{**asdict(info), "bytes": _size(tmp), "checksums": _checksums(tmp),
                            "stamps": _stamps(tmp)})
        (tmp / INFO_FILE).write_text(json.dumps(asdict(info), indent=1), encoding="utf-8")
    except OSError as exc:  # a read-only or full cache folder: search anyway, unsaved
        shutil.rmtree(tmp, ignore_errors=True)
        if progress is not None:
            progress(f"Cannot save the search index in {final.parent} ({exc.strerror}): it "
                     "is used for this command only.")
        return info
    old = final.with_name(f"{final.name}.old-{os.getpid()}")
    try:
        if final.exists():
            final.rename(old)
        tmp.rename(final)
    except OSError:  # another process moved its own new index in meanwhile: keep that one
        shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    return info


def refresh(source: Source, *, cache_dir: Path | None = None,
            progress: Callable[[str], None] | None = None,
            max_drift: float | None = None) -> tuple[Ranker, IndexInfo] | str:
    """Bring the saved index up to date with ``source``'s registry without fitting it again
    (:mod:`matcher.ranking.refresh`) and save it as :func:`build` does; or a sentence saying
    why it must be built whole instead: no intact index of this version, organisations or
    projects removed or renumbered, a vocabulary the fit did not see, or more than
    ``max_drift`` (default :data:`MAX_DRIFT`) of the registry new or changed since the last
    whole fit (summed over the refreshes since)."""
    max_drift = MAX_DRIFT if max_drift is None else max_drift
    directory = index_dir(source, cache_dir)
    base = read_info(directory)
    if base is None:
        return "there is no saved index"
    if base.tool_version != _tool_version():
        return f"it was built by version {base.tool_version or '?'} of the tool"
    problem = _damaged_file(directory, base)
    if problem is not None:
        return "one of its files is damaged"
    started = time.perf_counter()
    try:
        old = Ranker.load(directory)
    except (DataFileError, OSError, ValueError, KeyError) as exc:
        return f"it cannot be read ({exc})"
    if old.registry_fingerprint_ != base.fingerprint:
        return "it does not match its manifest"
    registry = source.load()
    change = compare(old.registry_, registry)
    if isinstance(change, str):
        return change
    drift = base.drift + change.share
    if drift > max_drift:
        return (f"{drift:.1%} of the registry is new or changed since its full build; a "
                f"refresh is made up to {max_drift:.0%}")
    if progress is not None:
        progress(f"The registry changed since the search index was built: refreshing it "
                 f"({change.describe()}).")
    ranker = refresh_ranker(old, registry, change)
    if isinstance(ranker, str):
        return ranker
    info = IndexInfo(
        fingerprint=registry.fingerprint, n_orgs=registry.n_orgs,
        n_projects=len(registry.projects), seconds=round(time.perf_counter() - started, 2),
        bytes=0, built_at=_now(), path=str(directory), tool_version=_tool_version(),
        refreshed_from=base.fingerprint, change=change.to_json(), drift=round(drift, 6),
        fitted_at=base.fitted_at or base.built_at)
    return ranker, _save(ranker, info, directory, progress)


def update(source: Source, *, cache_dir: Path | None = None,
           progress: Callable[[str], None] | None = None,
           rebuild: bool = False) -> tuple[Ranker, IndexInfo | None, bool]:
    """The ranker of ``source``'s registry, its manifest (None: the saved index, fresh, was
    loaded as it is) and whether it was made now: the saved index when it is fresh;
    refreshed when only the registry changed since (:func:`refresh`), by little enough;
    else built whole (always with ``rebuild``)."""
    directory = index_dir(source, cache_dir)
    current = source.fingerprint()
    if not rebuild:
        info, note = check_index(directory, current)
        if note is None:
            try:
                ranker = Ranker.load(directory)
            except (DataFileError, OSError, ValueError, KeyError) as exc:
                note = f"The search index cannot be read ({exc}): rebuilding it."
            else:
                if ranker.registry_fingerprint_ == current:
                    return ranker, info, False
                note = "The search index does not match its manifest: rebuilding it."
        elif info is not None and info.fingerprint != current:
            found = refresh(source, cache_dir=cache_dir, progress=progress)
            if not isinstance(found, str):
                return found[0], found[1], True
            note = (f"The registry changed since the search index was built, and the index "
                    f"is not refreshed ({found}): rebuilding it.")
        if progress is not None:
            progress(note)
    ranker, built = build(source, cache_dir=cache_dir, progress=progress)
    return ranker, built, True


def load_or_build(source: Source, *, cache_dir: Path | None = None,
                  progress: Callable[[str], None] | None = None,
                  rebuild: bool = False) -> Ranker:
    """The ranker of ``source``'s registry: the saved index when it is fresh, refreshed when
    the registry grew by little since it was built (:func:`refresh`), else a new one.

    A stale index that cannot be refreshed, a missing or unreadable one is rebuilt (with a
    note and a progress bar when ``progress`` is given); ``rebuild=True`` always rebuilds.
    """
    return update(source, cache_dir=cache_dir, progress=progress, rebuild=rebuild)[0]


def status(source: Source, *, cache_dir: Path | None = None,
           ) -> tuple[IndexInfo | None, str | None]:
    """The saved index of ``source``'s registry and why it cannot be used as it is
    (``None``: fresh and intact); see :func:`check_index`."""
    return check_index(index_dir(source, cache_dir), source.fingerprint())


def load_index(source: Source, *, cache_dir: Path | None = None,
               progress: Callable[[str], None] | None = None) -> Ranker:
    """The saved ranker as it is, even when the registry changed since (a server keeps
    answering; :func:`status` says it is stale); built only when there is none that can be
    read."""
    directory = index_dir(source, cache_dir)
    current = source.fingerprint()
    info, problem = check_index(directory, current)
    if info is not None and (problem is None or info.fingerprint != current):
        try:
            ranker = Ranker.load(directory)
        except (DataFileError, OSError, ValueError, KeyError):
            pass
        else:
            if problem is not None and progress is not None:
                progress(f"{problem.removesuffix(': rebuilding it.')}: answering from it "
                         "until `matcher index` rebuilds it.")
            return ranker
    return load_or_build(source, cache_dir=cache_dir, progress=progress)
