"""A whole batch run as one library call: read the rows, answer them, write the results.

:func:`run_batch` does what ``matcher batch`` does, without click: it checks the formats and
the input, cuts an interrupted output back for ``resume``, reads the rows lazily, builds the
task (and, in one process, its handler), answers the rows on the chosen engine and writes
results and errors, in input order. It returns a :class:`~matcher.batch.engine.BatchSummary`;
the command line only parses options and prints what the summary says.

A path ``-`` is standard input or output. Progress is reported to an object the caller opens
(:class:`Progress`), told the number of rows (None when unknown) and how many an earlier run
already answered.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, Protocol

from matcher.batch import rows
from matcher.batch.engine import BatchSummary, answer, run
from matcher.batch.resume import ResumePoint, prepare_resume
from matcher.batch.tasks import (
    COMPLETE_COLUMNS,
    SEARCH_COLUMNS,
    CompleteHandler,
    CompleteTask,
    SearchHandler,
    SearchTask,
)
from matcher.batch.work import Handler, HandlerFactory
from matcher.errors import DataFileError, QueryError
from matcher.facade import Matcher
from matcher.files import regular_file

__all__ = ["BatchJob", "Progress", "run_batch"]


class Progress(Protocol):
    """What a run reports to: ``update(n)`` after ``n`` rows; ``errors``, where an errors
    report on ``-`` is written (a stream that does not tear through a progress bar)."""

    errors: IO[str]

    def update(self, n: int) -> object: ...


@dataclass
class _Silent:
    errors: IO[str]

    def update(self, n: int) -> object:
        return None


def _silent(total: int | None, initial: int) -> AbstractContextManager[Progress]:
    return nullcontext(_Silent(sys.stderr))


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchJob:
    """One batch run, as the ``matcher batch`` options give it.

    ``k``: results per row (search: 10, complete: 5) unless a row gives its own. ``action``:
    complete: the action of rows without one; search: whose countries count for rows with
    ``programme_countries_only`` (default KA220-HED). ``errors``: the errors report (``-``:
    the progress's ``errors`` stream; ``*.jsonl`` / ``*.csv``: for machines; else text).
    """

    input: str
    output: str
    mode: Literal["search", "complete"] = "search"
    k: int | None = None
    action: str | None = None
    jobs: int = 1
    errors: str = "-"
    engine: str = "local"
    scheduler: str | None = None
    input_format: str | None = None
    output_format: str | None = None
    resume: bool = False
    chunk_size: int = 32

    @property
    def in_process(self) -> bool:
        """Whether the rows are answered in this process (one local job)."""
        return self.engine == "local" and self.jobs == 1

    def errors_format(self) -> str:
        """``jsonl`` or ``csv`` by the errors file's extension, else ``text``."""
        if self.errors == "-":
            return "text"
        suffix = Path(self.errors).suffix.lower()
        return {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}.get(suffix, "text")


def _open(stack: ExitStack, path: str, mode: str) -> IO[str]:
    """A text stream for ``path`` (``-``: stdin or stdout), closed with ``stack``."""
    if path == "-":
        return sys.stdin if mode == "r" else sys.stdout
    encoding = "utf-8-sig" if mode == "r" else "utf-8"
    try:
        stream: IO[str] = Path(path).open(mode, encoding=encoding, newline="")  # noqa: SIM115
    except OSError as exc:
        raise DataFileError(path, f"cannot {'read' if mode == 'r' else 'write'} the file: "
                            f"{exc.strerror}") from exc
    stack.callback(stream.close)
    return stream


def _check_paths(job: BatchJob) -> None:
    """The input is a regular file, and no file written is the input."""
    if job.input == "-":
        return
    if not Path(job.input).exists():
        raise QueryError(f"no such input file: {job.input}")
    regular_file(Path(job.input))
    for option, path in (("-o", job.output), ("--errors", job.errors)):
        if path != "-" and Path(path).exists() and os.path.samefile(path, job.input):
            raise QueryError(f"{option} {path} is the input file: writing it would erase the "
                             "queries before they are read; give another file")


def _task(matcher: Matcher, job: BatchJob, scratch: Path,
          ) -> tuple[HandlerFactory, Handler | None]:
    """The batch task for ``job.mode``, and its handler when rows are answered in this process.

    The search index is loaded (or rebuilt, when the registry changed) here first, so that
    workers only ever open fresh artefacts: the database's index folder, or a copy in
    ``scratch``.
    """
    ranker = matcher.ranker()
    if job.action is not None:
        matcher.rulebook.action(job.action)  # an unknown action is a usage error at once
    directory = matcher.index_directory()
    if not job.in_process and not matcher.index_status().fresh:
        ranker.save(scratch)
        directory = scratch
    if job.mode == "search":
        search = SearchTask(str(directory), k=job.k or 10, action=job.action or "KA220-HED")
        return search, (SearchHandler(matcher, search.k, search.action) if job.in_process
                        else None)
    complete = CompleteTask(str(directory), action=job.action, k=job.k or 5)
    return complete, (CompleteHandler(matcher, job.action, complete.k) if job.in_process
                      else None)


def _errors_stream(stack: ExitStack, job: BatchJob, progress: Progress) -> rows.ErrorWriter:
    if job.errors == "-":
        return rows.ErrorWriter(progress.errors, "text")
    path = Path(job.errors)
    header = not (job.resume and path.exists() and path.stat().st_size > 0)
    return rows.ErrorWriter(_open(stack, job.errors, "a" if job.resume else "w"),
                       job.errors_format(), header=header)


def run_batch(matcher: Matcher | Callable[[], Matcher], job: BatchJob, *,
              progress: Callable[[int | None, int], AbstractContextManager[Progress]]
              = _silent) -> BatchSummary:
    """Answer every row of ``job.input`` into ``job.output``; how the run ended.

    ``QueryError`` before any row is answered for an output format that cannot be told, an
    input that does not exist or a CSV header with an unknown column; ``DataFileError`` for
    an input without a query or that is not UTF-8 text. A bad row goes to the errors report
    and the run goes on. ``progress(total, initial)`` opens what the run reports to.
    ``matcher`` may be a function that opens one: it is called once the input has been read
    through, so that a bad file is refused before any database is opened.
    """
    in_fmt = rows.format_of(job.input, job.input_format, what="input")
    out_fmt = rows.format_of(job.output, job.output_format or ("jsonl" if job.output == "-" else None),
                        what="output")
    _check_paths(job)
    try:
        return _run(matcher, job, in_fmt, out_fmt, progress)
    except BrokenPipeError:
        raise  # the reader of stdout is gone (`| head`): the command line ends quietly
    except OSError as exc:  # a write that failed under the run: a full disk, a lost mount
        then = ("try again" if job.output == "-" else
                "the output holds whole rows only: free space and run the same command with "
                "--resume")
        raise DataFileError(exc.filename or job.output, f"cannot write the results: "
                            f"{exc.strerror}; {then}") from exc


def _run(matcher: Matcher | Callable[[], Matcher], job: BatchJob, in_fmt: str, out_fmt: str,
         progress: Callable[[int | None, int], AbstractContextManager[Progress]],
         ) -> BatchSummary:
    with ExitStack() as stack:
        start = (prepare_resume(Path(job.output), out_fmt,
                                Path(job.errors) if job.errors != "-" else None,
                                job.errors_format())
                 if job.resume else ResumePoint(1, None))
        items = rows.read_queries(_open(stack, job.input, "r"), in_fmt, job.mode,
                             source=job.input if job.input != "-" else "stdin",
                             start_row=start.row)
        first = next(items, None)  # a bad CSV header fails here, before the Ranker loads
        # a whole pass over a file, before the Ranker loads too: an unclosed quote refuses it
        total = rows.count_rows(Path(job.input), in_fmt) if job.input != "-" else None
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="batch-")))
        task, handler = _task(matcher if isinstance(matcher, Matcher) else matcher(), job,
                              scratch)
        bar = stack.enter_context(progress(total, start.row - 1))
        out = _open(stack, job.output, "a" if job.resume else "w")
        errors = _errors_stream(stack, job, bar)
        writer = rows.ResultWriter(out, out_fmt, columns=start.columns,
                              fallback=SEARCH_COLUMNS if job.mode == "search"
                              else COMPLETE_COLUMNS)

        def queries() -> Iterator[rows.BatchQuery | rows.RowOutcome]:
            if first is not None:
                yield first
                yield from items

        return run(answer(queries(), task, jobs=job.jobs, engine=job.engine,
                          scheduler=job.scheduler, chunk_size=job.chunk_size,
                          handler=handler),
                   writer, errors, start_row=start.row, progress=bar.update)

