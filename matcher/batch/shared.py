"""Partner searches from many threads, ranked in shared batches.

A server answers many searches at once. Ranked one at a time, each search pays the whole
fixed cost of a batch: vectorising its idea, the sparse products over every organisation, the
Python around them. Ranked together, searches share that cost. On the default registry, one
idea search costs about 6 ms alone and 2 ms in a batch of ten (``bench/bench_serve.py``
measures what this gives a server).

:class:`SharedBatches` runs one ranking thread. A search waits while the batch before it is
ranked, and every search that arrived meanwhile goes into the next batch. A search that finds
the thread idle is ranked at once. Batching adds no wait of its own: it shares work that
queued anyway. Each search gets exactly what :meth:`Matcher.search <matcher.Matcher.search>`
gives it alone, since a batch ranks each query as it would alone. A search that fails, such as
one naming an unknown organisation, fails alone.

>>> from matcher.partners import SearchRequest
>>> searches = SharedBatches(Matcher.open())                    # doctest: +SKIP
>>> searches.search(SearchRequest(text="virtual mobility")).matches[0].org.name  # doctest: +SKIP
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future

from matcher.errors import MatcherError
from matcher.facade import Matcher
from matcher.live import LiveMatcher
from matcher.partners import SearchRequest, SearchResult

__all__ = ["SharedBatches"]

_Item = tuple[SearchRequest, "Future[SearchResult]"]


class SharedBatches:
    """Answers :class:`SearchRequest` values from any thread, ranking those that wait
    together as one batch of at most ``max_batch``. On a :class:`~matcher.live.LiveMatcher`,
    each batch is ranked by the matcher answering when it starts."""

    def __init__(self, matcher: Matcher | LiveMatcher, *, max_batch: int = 32) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch={max_batch}: at least 1")
        self.matcher = matcher
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        #: searches ranked (those that failed too) and batches, for a server's figures
        self.searches = 0
        self.batches = 0

    def submit(self, request: SearchRequest) -> Future[SearchResult]:
        """The future answer to ``request``. A request that is wrong in itself (empty, a bad
        ``k``, an unknown action) raises here, in the caller's thread; one that the registry
        cannot answer (an unknown organisation, theme or country) sets its future's
        exception."""
        self.matcher.validate(request)
        future: Future[SearchResult] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("SharedBatches is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="shared-batches",
                                                daemon=True)
                self._thread.start()
            self._queue.put((request, future))
        return future

    def search(self, request: SearchRequest) -> SearchResult:
        """:meth:`submit`, waiting for the answer (its error raised here)."""
        return self.submit(request).result()

    def close(self) -> None:
        """Answer what is queued, then stop the ranking thread."""
        with self._lock:
            self._closed = True
            thread = self._thread
            self._queue.put(None)
        if thread is not None:
            thread.join()

    def _next_batch(self) -> tuple[list[_Item], bool]:
        """The searches waiting now (blocking for the first), and whether to stop after."""
        first = self._queue.get()
        if first is None:
            return [], True
        batch = [first]
        while len(batch) < self.max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    def _run(self) -> None:
        stop = False
        while not stop:
            batch, stop = self._next_batch()
            live = [(r, f) for r, f in batch if f.set_running_or_notify_cancel()]
            if not live:
                continue
            try:
                found = self.matcher.search([r for r, _ in live])
            except BaseException as exc:  # noqa: BLE001  # given to every waiting caller
                for _, future in live:
                    future.set_exception(exc)
                continue
            self.searches += len(live)
            self.batches += 1
            for (_, future), answer in zip(live, found, strict=True):
                if isinstance(answer, MatcherError):
                    future.set_exception(answer)
                else:
                    future.set_result(answer)
