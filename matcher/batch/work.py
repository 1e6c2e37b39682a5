"""The unit of work of every batch engine: rows answered by a handler, chunk by chunk.

A *handler* answers one row (``BatchQuery -> results``, each result one ``search`` /
``complete`` result in JSON); one with a ``many`` attribute also answers a chunk of rows at
once (``rows -> [results or error]``), which batched ranking makes much cheaper than row by
row. A picklable, hashable *factory* builds it once per process (:func:`answer_chunk` keeps
it); :func:`ordered_window` keeps a bounded number of chunks in flight and gives their
outcomes back in input order.
"""

from __future__ import annotations

import signal
import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol

from matcher.batch.rows import BatchQuery, RowOutcome
from matcher.errors import MatcherError

__all__ = ["Echo", "Handler", "HandlerFactory", "Item", "answer_chunk", "answer_row", "answer_rows",
           "chunked", "init_worker", "ordered_window"]

Item = BatchQuery | RowOutcome
Handler = Callable[[BatchQuery], Sequence[dict[str, Any]]]


class HandlerFactory(Hashable, Protocol):
    """Builds a handler; picklable and hashable (a frozen dataclass), run once per process."""

    def __call__(self) -> Handler: ...


@dataclass(frozen=True, slots=True)
class Echo:
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


def init_worker(factory: HandlerFactory) -> None:
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


