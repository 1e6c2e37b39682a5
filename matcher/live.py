"""A matcher that follows its registry: what a long-running server answers from.

:class:`LiveMatcher` holds the :class:`~matcher.facade.Matcher` that answers now. A watcher
thread reads the registry's fingerprint (:func:`matcher.registry.store.fingerprint`, six
COUNT/MAX queries) every ``check_every`` seconds. When it differs from the fingerprint of the
loaded index, the thread opens a renewed matcher on the same database, brings its index in
(built, or loaded when another process already built it: :func:`~matcher.ranking.index.
load_or_build`) and warms it (reference data, rule book, vocabulary), while requests go on
being answered by the old one. Then it swaps one reference. A request takes the current
matcher once (:attr:`LiveMatcher.current`) and uses it to the end, so no request sees half of
one index and half of the other.

Several processes on one registry (``matcher serve --workers N``) build a new index once:
the build runs under an exclusive lock on a file next to the index folder
(``index-<hash>.lock``, :func:`building_lock`). The others wait for it, then load what it
saved, because :func:`~matcher.ranking.index.load_or_build` finds that index fresh.

A failed refresh (the database down, the disk full) keeps the old matcher. It is logged
(logger ``matcher.live``), said by :meth:`LiveMatcher.freshness` (``refresh_failed``, with
the reason), and tried again after a back-off that doubles up to :data:`MAX_BACKOFF`.

>>> live = LiveMatcher(Matcher.open, check_every=5)          # doctest: +SKIP
>>> live.current.search(text="virtual mobility", k=3)        # doctest: +SKIP
>>> live.freshness().status                                  # doctest: +SKIP
'ok'
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from matcher.errors import MatcherError
from matcher.facade import Matcher
from matcher.partners import SearchResult
from matcher.requests import SearchRequest

try:
    import fcntl
except ImportError:  # Windows: the workers of one process still take turns (below)
    fcntl = None  # type: ignore[assignment]

__all__ = ["CHECK_EVERY", "MAX_BACKOFF", "Freshness", "LiveMatcher", "building_lock"]

_LOG = logging.getLogger("matcher.live")
#: Seconds between two reads of the registry's fingerprint.
CHECK_EVERY = 5.0
#: The longest wait, in seconds, before a failed refresh is tried again.
MAX_BACKOFF = 300.0
_IN_PROCESS = threading.Lock()


@contextmanager
def building_lock(directory: Path) -> Iterator[None]:
    """Hold the exclusive lock of the index in ``directory`` (the file ``<directory>.lock``
    next to it), waiting while another process or thread holds it. Released when the block
    ends, and by the system when the process dies. A cache folder that cannot be written is
    not locked (its index cannot be saved either: each process builds its own)."""
    if fcntl is None:
        with _IN_PROCESS:
            yield
        return
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        handle = (directory.parent / f"{directory.name}.lock").open("a")
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True, slots=True)
class Freshness:
    """Whether the matcher answering now has its registry's current index.

    ``status``: ``ok`` (it has), ``stale`` (the registry changed; the next check, within
    ``check_every`` seconds, starts a refresh), ``refreshing`` (a new index is being built
    or loaded; answers come from the old one meanwhile) or ``refresh_failed`` (``error``
    says why; answers come from the old one, and the refresh is tried again).
    """

    status: str
    loaded_fingerprint: str
    registry_fingerprint: str
    error: str | None = None
    #: How many times a new index was brought in since the start.
    refreshes: int = 0

    @property
    def fresh(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "fresh": self.fresh, **asdict(self)}


def _reason(exc: BaseException) -> str:
    """One line on why a refresh failed, without SQL or row data."""
    orig = getattr(exc, "orig", None)  # SQLAlchemy's DBAPIError: the driver's own error
    if orig is not None:
        first = str(orig).strip().splitlines()
        return f"the database failed: {first[0] if first else type(orig).__name__}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    first = str(exc).strip().splitlines()
    return first[0] if first else type(exc).__name__


def _bring_in(old: Matcher) -> Matcher:
    """A renewed matcher on ``old``'s database with its registry's current index, warm.

    The process that builds the index answers from the saved files too, mapped as the
    other processes map them, not from the arrays it fitted: those stay in its memory (on
    the default registry about 1.1 GB against 0.3 GB mapped)."""
    fresh = old.renewed()
    with building_lock(fresh.index_directory()):
        if not fresh.index_status().fresh:  # no other process has built it: build it here
            fresh.ranker()
            if fresh.index_status().fresh:  # saved (a cache that cannot be written is not)
                fresh = old.renewed()
        fresh.ranker()
    fresh.rulebook  # noqa: B018  # each made before the swap, not by the first request
    fresh.vocabulary  # noqa: B018
    return fresh


class LiveMatcher:
    """The matcher ``open`` returns, renewed in the background whenever its registry changes.

    ``open`` is called once, on first use (:attr:`current` or :meth:`start`), and its index
    loaded then. ``check_every``: seconds between checks (``None``: never, the matcher
    stays as it was opened). ``progress`` hears a line when a refresh starts and ends (a
    failure also goes to the log, always).
    """

    def __init__(self, open: Callable[[], Matcher], *, check_every: float | None = CHECK_EVERY,
                 progress: Callable[[str], None] | None = None) -> None:
        self._open = open
        self.check_every = check_every
        self.progress = progress
        self._matcher: Matcher | None = None
        self._opening = threading.Lock()
        self._checking = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._refreshing = False
        self._error: str | None = None
        self._failures = 0
        self._retry_at = 0.0
        self.refreshes = 0

    # -- the matcher answering now ----------------------------------------------------
    @property
    def current(self) -> Matcher:
        """The matcher answering now: take it once per request and use it to the end."""
        matcher = self._matcher
        return matcher if matcher is not None else self.start()

    def start(self) -> Matcher:
        """Open the matcher and load its index (under the building lock: workers started
        together build a missing index once), then start the watcher."""
        with self._opening:
            if self._matcher is None:
                matcher = self._open()
                if matcher.db is not None:
                    with building_lock(matcher.index_directory()):
                        matcher.ranker()
                matcher.vocabulary  # noqa: B018  # built before the first request
                self._matcher = matcher
                if self.check_every is not None and matcher.db is not None:
                    self._thread = threading.Thread(target=self._watch, daemon=True,
                                                    name="index-watcher")
                    self._thread.start()
            return self._matcher

    def validate(self, request: SearchRequest) -> None:
        """:meth:`Matcher.validate` of the current matcher."""
        self.current.validate(request)

    def search(self, requests: Sequence[SearchRequest]) -> list[SearchResult | MatcherError]:
        """A batch of searches answered by the current matcher, all from one index."""
        return self.current.search(requests)

    # -- following the registry ---------------------------------------------------------
    def freshness(self) -> Freshness:
        """Whether the matcher answering now has the registry's current index (reads the
        registry's fingerprint now). A change not yet noticed wakes the watcher."""
        matcher = self.current
        registry = matcher.fingerprint()
        loaded = matcher.ranker().registry_fingerprint_
        if loaded == registry:
            status = "ok"
        elif self._refreshing:
            status = "refreshing"
        elif self._error is not None:
            status = "refresh_failed"
        else:
            status = "stale"
            self.poke()
        return Freshness(status, loaded, registry, None if status == "ok" else self._error,
                         self.refreshes)

    def poke(self) -> None:
        """Check now rather than at the next ``check_every`` (not while a failed refresh
        waits for its retry)."""
        if time.monotonic() >= self._retry_at:
            self._wake.set()

    def check(self) -> bool:
        """Compare the registry's fingerprint with the loaded index's and, when they differ,
        bring the new index in and swap (in the calling thread; the watcher calls this).
        True when the matcher answering afterwards has the index of the registry as it was
        read; False when the refresh failed (the old matcher answers on) or another check
        is running."""
        if not self._checking.acquire(blocking=False):
            return False
        try:
            old = self.current
            try:
                if old.fingerprint() == old.ranker().registry_fingerprint_:
                    self._error, self._failures = None, 0
                    return True
                self._refreshing = True
                self._say("The registry changed: bringing the new search index in (answering "
                          "from the loaded one meanwhile).")
                fresh = _bring_in(old)
            except Exception as exc:  # noqa: BLE001  # any failure keeps the old index
                self._failed(exc)
                return False
            finally:
                self._refreshing = False
            self._matcher = fresh
            self.refreshes += 1
            self._error, self._failures, self._retry_at = None, 0, 0.0
            self._say(f"Now answering from the new search index "
                      f"({fresh.ranker().registry_.n_orgs:,} organisations).")
            return True
        finally:
            self._checking.release()

    def close(self) -> None:
        """Stop the watcher (a refresh under way is left to end on its own)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- inside ---------------------------------------------------------------------------
    def _backoff(self) -> float:
        assert self.check_every is not None
        if not self._failures:
            return self.check_every
        return min(self.check_every * 2.0 ** self._failures, max(MAX_BACKOFF, self.check_every))

    def _failed(self, exc: BaseException) -> None:
        self._error = _reason(exc)
        self._failures += 1
        wait = self._backoff() if self.check_every is not None else 0.0
        self._retry_at = time.monotonic() + wait
        _LOG.warning("Refreshing the search index failed (%s): answering from the index "
                     "loaded before; trying again in %.0f s.", self._error, wait)

    def _say(self, line: str) -> None:
        _LOG.info(line)
        if self.progress is not None:
            self.progress(line)

    def _watch(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._backoff())
            self._wake.clear()
            if self._stop.is_set():
                return
            self.check()
