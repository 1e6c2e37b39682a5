"""Batch matching: many queries answered by a handler, streamed, in input order.

The engine knows nothing about search or consortia. It moves rows to a *handler* built by a
picklable *factory* (:mod:`matcher.batch.work`), and moves answers back, in the input's
order, in bounded memory:

- ``engine="local", jobs=1``: in this process;
- ``engine="local", jobs=N``: N ``spawn``-ed processes, each building the handler once (the
  pool's initializer: a search handler loads the Ranker's npz artefacts there);
- ``engine="dask"``: chunks of rows as tasks on a Dask distributed cluster
  (``matcher.batch.cluster``); each worker process builds the handler on its first chunk.

At most a few chunks per worker are in flight, so memory does not grow with the input.
``run`` writes each row's results whole (see ``matcher.batch.rows``), counts failures, and on
Ctrl-C stops between two rows, so the output is a valid prefix of the full answer.

>>> from matcher.batch.rows import BatchQuery
>>> from matcher.batch.work import Echo
>>> outcomes = answer([BatchQuery(1, "a", text="x")], Echo())
>>> [(o.query_id, o.results) for o in outcomes]
[('a', ({'text': 'x'},))]
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any, Self

from matcher.batch.cluster import answer_on_dask
from matcher.batch.rows import ErrorWriter, ResultWriter, RowOutcome
from matcher.batch.work import (
    Handler,
    HandlerFactory,
    Item,
    answer_chunk,
    answer_row,
    answer_rows,
    chunked,
    init_worker,
    ordered_window,
)
from matcher.errors import MatcherError

__all__ = ["BatchSummary", "answer", "run"]

def _answer_processes(items: Iterable[Item], factory: HandlerFactory, jobs: int,
                      chunk_size: int) -> Iterator[RowOutcome]:
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(jobs, initializer=init_worker, initargs=(factory,))
    try:
        yield from ordered_window(
            chunked(items, chunk_size),
            lambda chunk: pool.apply_async(answer_chunk, (factory, chunk)),
            lambda pending: pending.get(),
            window=2 * jobs + 1,
        )
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def answer(items: Iterable[Item], factory: HandlerFactory, *, jobs: int = 1,
           engine: str = "local", scheduler: str | None = None, chunk_size: int = 32,
           handler: Handler | None = None, client: Any = None) -> Iterator[RowOutcome]:
    """Every row's outcome, in input order.

    ``handler``: an already built handler for ``engine="local", jobs=1`` (saves loading the
    Ranker twice). ``client``: an existing ``distributed.Client`` for ``engine="dask"``.
    """
    if jobs < 1:
        raise MatcherError(f"jobs must be 1 or more, not {jobs}")
    if engine == "dask":
        yield from answer_on_dask(items, factory, jobs=jobs, scheduler=scheduler,
                                  chunk_size=chunk_size, client=client)
    elif engine != "local":
        raise MatcherError(f"unknown engine {engine!r}; use local or dask")
    elif jobs == 1:
        built = handler if handler is not None else factory()
        if getattr(built, "many", None) is None:  # row by row: Ctrl-C stops between rows
            for item in items:
                yield answer_row(built, item)
        else:
            for chunk in chunked(items, chunk_size):
                yield from answer_rows(built, chunk)
    else:
        yield from _answer_processes(items, factory, jobs, chunk_size)


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """How a run ended. ``resume_row``: the first row not answered, when interrupted."""

    rows: int
    failed: int
    resume_row: int | None = None

    @property
    def interrupted(self) -> bool:
        return self.resume_row is not None


class _InterruptGuard:
    """Ctrl-C acts at once, except while a row is being written: then right after it."""

    def __init__(self) -> None:
        self._writing = False
        self._pending = False
        self._previous: Any = None

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        if self._writing:
            self._pending = True
        else:
            raise KeyboardInterrupt

    def __enter__(self) -> Self:
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
            self._previous = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    @contextmanager
    def writing(self) -> Iterator[None]:
        self._writing = True
        try:
            yield
        finally:
            self._writing = False
        if self._pending:
            raise KeyboardInterrupt


def run(outcomes: Iterator[RowOutcome], writer: ResultWriter, errors: ErrorWriter, *,
        start_row: int = 1, progress: Callable[[int], object] | None = None) -> BatchSummary:
    """Write every outcome in order; return counts, or where to resume after Ctrl-C.

    ``outcomes`` is closed on the way out, which stops worker processes or Dask futures.
    """
    rows = failed = 0
    next_row = start_row
    with _InterruptGuard() as guard:
        try:
            for outcome in outcomes:
                with guard.writing():
                    if outcome.ok:
                        writer.write(outcome)
                    else:
                        failed += 1
                        errors.write(outcome)
                    next_row = outcome.row + 1
                    rows += 1
                if progress is not None:
                    progress(1)
        except KeyboardInterrupt:
            return BatchSummary(rows, failed, resume_row=next_row)
        finally:
            writer.stream.flush()
            close = getattr(outcomes, "close", None)
            if close is not None:
                close()
        writer.close()
    return BatchSummary(rows, failed)
