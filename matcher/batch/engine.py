"""Batch matching: many queries answered by one per-row handler, streamed, in input order.

The engine knows nothing about search or consortia. It moves rows to a *handler* (a callable
``BatchQuery -> results``, where each result is one result of ``search`` / ``complete`` in
JSON; with a ``many`` attribute, also ``rows -> [results or error]`` for a chunk of rows at
once, which batched ranking makes much cheaper than row by row) built by a picklable
*factory*, and moves answers back, in the input's order, in bounded memory:

- ``engine="local", jobs=1``: in this process;
- ``engine="local", jobs=N``: N ``spawn``-ed processes, each building the handler once (the
  pool's initializer: a search handler loads the Ranker's npz artefacts there);
- ``engine="dask"``: chunks of rows as tasks on a Dask distributed cluster
  (``matcher.batch.cluster``); each worker process builds the handler on its first chunk.

At most a few chunks per worker are in flight, so memory does not grow with the input.
``run`` writes each row's results whole (see ``matcher.batch.rows``), counts failures, and on
Ctrl-C stops between two rows, so the output is a valid prefix of the full answer.

>>> from matcher.batch.rows import BatchQuery
>>> outcomes = answer([BatchQuery(1, "a", text="x")], _Echo())
>>> [(o.query_id, o.results) for o in outcomes]
[('a', ({'text': 'x'},))]
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from types import FrameType
from typing import Any, Protocol, Self

from matcher.batch.rows import BatchQuery, ErrorWriter, ResultWriter, RowOutcome
from models.errors import MatcherError

__all__ = [
    "BatchSummary",
    "Handler",
    "HandlerFactory",
    "answer",
    "answer_chunk",
    "answer_row",
    "answer_rows",
    "run",
]

Item = BatchQuery | RowOutcome
Handler = Callable[[BatchQuery], Sequence[dict[str, Any]]]


class HandlerFactory(Hashable, Protocol):
    """Builds a handler; picklable and hashable (a frozen dataclass), run once per process."""

    def __call__(self) -> Handler: ...


@dataclass(frozen=True, slots=True)
class _Echo:
    """A trivial handler factory for examples and tests: one result echoing the text."""

    def __call__(self) -> Handler:
        return lambda q: [{"text": q.text}]


def answer_row(handler: Handler, item: Item) -> RowOutcome:
    """One row's outcome; a ``MatcherError`` (bad organisation, theme...) fails only this row."""
    if isinstance(item, RowOutcome):
        return item
    try:
        return RowOutcome(item.row, item.id, results=tuple(handler(item)))
    except MatcherError as exc:
        return RowOutcome(item.row, item.id, error=str(exc))
    except Exception as exc:  # noqa: BLE001  one odd row must not lose thousands of answers
        return RowOutcome(item.row, item.id,
                          error=f"internal error (please report): {type(exc).__name__}: {exc}")


# One handler per process and factory: the process pool's initializer fills it; Dask workers
# fill it on their first chunk (their threads share it, hence the lock).
_HANDLERS: dict[HandlerFactory, Handler] = {}
_FAILED: dict[HandlerFactory, str] = {}
_LOCK = threading.Lock()
_INIT_ERROR: list[str] = []  # this pool worker's initializer failed: every chunk says so


def _handler_for(factory: HandlerFactory) -> Handler:
    with _LOCK:
        if factory in _FAILED:
            raise MatcherError(f"a batch worker could not start: {_FAILED[factory]}")
        handler = _HANDLERS.get(factory)
        if handler is None:
            try:
                handler = _HANDLERS[factory] = factory()
            except Exception as exc:
                _FAILED[factory] = f"{type(exc).__name__}: {exc}"
                raise MatcherError(f"a batch worker could not start: {_FAILED[factory]}") from exc
        return handler


def _init_worker(factory: HandlerFactory) -> None:
    # The parent handles Ctrl-C and stops the pool; workers must not die mid-task with a trace.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # N workers on N cores: one BLAS thread each, or they fight over the cores
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass
    # An initializer that raises makes the pool start new workers forever: keep the error
    # for the first chunk, which the parent sees.
    try:
        _handler_for(factory)
    except MatcherError as exc:
        _INIT_ERROR.append(str(exc))
    except Exception as exc:  # noqa: BLE001  e.g. a task pickled by other code than ours
        _INIT_ERROR.append(f"a batch worker could not start: {type(exc).__name__}: {exc}")


def answer_rows(handler: Handler, chunk: Sequence[Item]) -> list[RowOutcome]:
    """Every row of ``chunk`` answered by ``handler``: all at once through its ``many``
    (a list with each row's results or error) when it has one, else row by row. A chunk
    that fails as a whole is answered again row by row, so only the row at fault fails."""
    many = getattr(handler, "many", None)
    if many is None:
        return [answer_row(handler, item) for item in chunk]
    queries = [item for item in chunk if isinstance(item, BatchQuery)]
    try:
        answers = iter(many(queries))
        out = []
        for item in chunk:
            if isinstance(item, RowOutcome):
                out.append(item)
                continue
            found = next(answers)
            out.append(RowOutcome(item.row, item.id, error=str(found))
                       if isinstance(found, MatcherError)
                       else RowOutcome(item.row, item.id, results=tuple(found)))
        return out
    except Exception:  # noqa: BLE001  find the row at fault
        return [answer_row(handler, item) for item in chunk]


def answer_chunk(factory: HandlerFactory, chunk: Sequence[Item]) -> list[RowOutcome]:
    """Answer a chunk of rows with this process's handler (the unit of work of every engine)."""
    if _INIT_ERROR:
        raise MatcherError(_INIT_ERROR[0])
    return answer_rows(_handler_for(factory), chunk)


def chunked(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def ordered_window(chunks: Iterable[list[Item]], submit: Callable[[list[Item]], Any],
                   result: Callable[[Any], list[RowOutcome]],
                   window: int) -> Iterator[RowOutcome]:
    """Submit chunks with at most ``window`` in flight; yield their outcomes in input order."""
    pending: deque[Any] = deque()
    for chunk in chunks:
        pending.append(submit(chunk))
        while len(pending) >= window:
            yield from result(pending.popleft())
    while pending:
        yield from result(pending.popleft())


def _answer_processes(items: Iterable[Item], factory: HandlerFactory, jobs: int,
                      chunk_size: int) -> Iterator[RowOutcome]:
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(jobs, initializer=_init_worker, initargs=(factory,))
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
        from matcher.batch.cluster import answer_on_dask

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
        start_row: int = 1, progress: Callable[[int], None] | None = None) -> BatchSummary:
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
