"""The Dask engine of :mod:`matcher.batch.engine`: the same chunks of rows, as tasks on a cluster.

Without a scheduler address, a ``LocalCluster`` of ``jobs`` worker processes is started for the
run and closed after it. With ``scheduler="tcp://host:8786"`` the rows go to an existing
cluster: its workers need this package installed and must be able to read the handler's
artefacts (for ``search``, the Ranker directory, so put the cache on a shared file system), since
a worker builds its handler from the factory, once per worker process.

Install with ``pip install 'erasmus-partner-matcher[dask]'``.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from matcher.batch.rows import RowOutcome
from matcher.batch.work import HandlerFactory, Item, answer_chunk, chunked, ordered_window
from matcher.errors import MatcherError

__all__ = ["answer_on_dask"]


def _client(scheduler: str | None, jobs: int) -> tuple[Any, Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise MatcherError(
            "--engine dask needs Dask: pip install 'erasmus-partner-matcher[dask]'"
        ) from exc
    if scheduler:
        try:
            return Client(scheduler, timeout="10s"), None  # type: ignore[no-untyped-call]
        except OSError as exc:
            raise MatcherError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}; give its address "
                "as tcp://HOST:PORT, or leave out --scheduler to run a local cluster"
            ) from exc
    # Worker processes inherit an ignored SIGINT: Ctrl-C is the client's to handle (it stops
    # the run and closes the cluster), not a traceback from every worker.
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
    client = Client(cluster)  # type: ignore[no-untyped-call]
    _quiet()
    client.run(_quiet)
    return client, cluster


def _quiet() -> None:
    """Our own cluster's workers are ours to stop: no warnings about cancelled chunks or
    workers killed at the end of an interrupted run (errors still show)."""
    logging.getLogger("distributed").setLevel(logging.ERROR)


def answer_on_dask(items: Iterable[Item], factory: HandlerFactory, *, jobs: int = 1,
                   scheduler: str | None = None, chunk_size: int = 32,
                   client: Any = None) -> Iterator[RowOutcome]:
    """Every row's outcome, in input order, computed on a Dask cluster.

    ``client``: an existing ``distributed.Client`` (left open); otherwise one is made from
    ``scheduler`` or a new local cluster, and closed at the end.
    """
    own = client is None
    cluster = None
    if own:
        client, cluster = _client(scheduler, jobs)
    futures: list[Any] = []

    def submit(chunk: list[Item]) -> Any:
        future = client.submit(answer_chunk, factory, chunk, pure=False)
        futures.append(future)
        return future

    def result(future: Any) -> list[RowOutcome]:
        futures.remove(future)
        outcomes: list[RowOutcome] = future.result()
        return outcomes

    try:
        threads = sum(client.nthreads().values()) or jobs
        yield from ordered_window(chunked(items, chunk_size), submit, result,
                                  window=2 * threads + 1)
    finally:
        if futures:
            client.cancel(futures)
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
