"""``matcher batch``: thousands of search / complete queries from a CSV or JSON Lines file."""

from __future__ import annotations

import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import click

from cli.app import App, pass_app
from cli.errors import reports_errors
from models.errors import QueryError

INTERRUPTED_EXIT = 130  # the shell's convention for "stopped by Ctrl-C"


class _TqdmStream:
    """Error lines on stderr that do not tear through the progress bar."""

    def __init__(self, bar: Any) -> None:
        self._bar = bar

    def write(self, text: str) -> None:
        self._bar.write(text.rstrip("\n"), file=sys.stderr)

    def flush(self) -> None:
        sys.stderr.flush()


def _open(stack: ExitStack[Any], path: str, mode: str) -> IO[str]:
    """A text stream for ``path`` (``-``: stdin or stdout), closed with ``stack``."""
    if path == "-":
        return sys.stdin if mode == "r" else sys.stdout
    encoding = "utf-8-sig" if mode == "r" else "utf-8"
    stream: IO[str] = Path(path).open(mode, encoding=encoding, newline="")  # noqa: SIM115
    stack.callback(stream.close)
    return stream


def _errors_format(path: str) -> str:
    suffix = Path(path).suffix.lower()
    return {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}.get(suffix, "text")


def _task(app: App, mode: str, k: int | None, action: str | None, scratch: Path,
          in_process: bool) -> tuple[Any, Any]:
    """The batch task for ``mode``, and its handler when rows are answered in this process.

    The search index is loaded (or rebuilt, when the registry changed) here first, so that
    workers only ever open fresh artefacts: the database's index folder, or a copy in
    ``scratch``.
    """
    from matcher.batch.tasks import CompleteHandler, CompleteTask, SearchHandler, SearchTask

    matcher = app.matcher()
    ranker = matcher.ranker()
    if action is not None:
        matcher.rulebook.action(action)  # an unknown --action is a usage error at once
    directory = matcher.index_directory()
    if not in_process and not matcher.index_status().fresh:
        ranker.save(scratch)
        directory = scratch
    if mode == "search":
        search = SearchTask(str(directory), k=k or 10, action=action or "KA220-HED")
        return search, SearchHandler(matcher, search.k, search.action) if in_process else None
    complete = CompleteTask(str(directory), action=action, k=k or 5)
    return complete, CompleteHandler(matcher, action, complete.k) if in_process else None


@click.command("batch")
@click.argument("input_path", metavar="INPUT", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("-o", "--output", "output_path", required=True, metavar="OUTPUT",
              type=click.Path(allow_dash=True, dir_okay=False),
              help="Results file (*.csv or *.jsonl), or - for stdout.")
@click.option("--mode", type=click.Choice(["search", "complete"]), default="search",
              show_default=True, help="Answer each row as `matcher search` or `matcher complete`.")
@click.option("-k", "k", type=click.IntRange(1, 1000), default=None,
              help="Results per row (search: 10, complete: 5); a row's own `k` wins.")
@click.option("--action", metavar="ACTION",
              help="complete: the action of rows without an `action`; search: which countries "
              "count for rows with `programme_countries_only` (default KA220-HED).")
@click.option("--jobs", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Worker processes (local) or local-cluster workers (dask).")
@click.option("--errors", "errors_path", default="-", metavar="FILE",
              type=click.Path(allow_dash=True, dir_okay=False),
              help="Errors report: one line per bad row (row number, id, message); "
              "*.jsonl or *.csv for machines. Default: stderr.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="Local processes, or a Dask distributed cluster.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Dask scheduler (tcp://HOST:8786); default: a local cluster for this run.")
@click.option("--input-format", type=click.Choice(["csv", "jsonl"]),
              help="Format of INPUT (needed for - ; else from the extension).")
@click.option("--output-format", type=click.Choice(["csv", "jsonl"]),
              help="Format of OUTPUT (default for -: jsonl; else from the extension).")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run: answer again from the last row in OUTPUT "
              "(its lines are replaced) and append; the --errors file is trimmed to match.")
@click.option("--chunk-size", type=click.IntRange(1, 10_000), default=32, show_default=True,
              help="Rows per task sent to a worker.")
@pass_app
@reports_errors
def batch_command(app: App, input_path: str, output_path: str, mode: str, k: int | None,
                  action: str | None, jobs: int, errors_path: str, engine: str,
                  scheduler: str | None, input_format: str | None, output_format: str | None,
                  resume: bool, chunk_size: int) -> None:
    """Answer many queries at once: one query a row of INPUT (CSV or JSON Lines, - for
    stdin), one line a result in OUTPUT, in input order.

    \b
    Columns: id, text, themes, topics, countries, exclude_countries, types, eche, k;
      search: org, programme_countries_only; complete: members, action, size, call_year.
      Multi-valued CSV cells are ;-separated, JSON Lines take lists.
    Output: query_id, query_row, then the fields of one `search` / `complete` JSON result.

    A bad row goes to the errors report and the run goes on. Exit 0: every row answered;
    1: some rows failed; 2: bad options or input header; 130: interrupted (Ctrl-C), the
    output then holds whole rows only: run the same command with --resume to finish it.

    \b
      matcher batch queries.csv -o results.csv --jobs 2
      matcher batch ideas.jsonl -o - --mode complete --action KA220-HED --errors bad.txt
    """
    from tqdm import tqdm

    from matcher.batch.engine import answer, run
    from matcher.batch.resume import prepare_resume
    from matcher.batch.rows import (
        ErrorWriter,
        ResultWriter,
        count_rows,
        format_of,
        read_queries,
    )
    from matcher.batch.tasks import COMPLETE_COLUMNS, SEARCH_COLUMNS

    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler needs --engine dask")
    in_fmt = format_of(input_path, input_format, what="input")
    out_fmt = format_of(output_path, output_format or ("jsonl" if output_path == "-" else None),
                        what="output")
    if resume and output_path == "-":
        raise click.UsageError("--resume needs an OUTPUT file, not stdout")
    if input_path != "-" and not Path(input_path).is_file():
        raise QueryError(f"no such input file: {input_path}")
    err_fmt = _errors_format(errors_path) if errors_path != "-" else "text"

    with ExitStack() as stack:
        start = (prepare_resume(Path(output_path), out_fmt,
                                Path(errors_path) if errors_path != "-" else None, err_fmt)
                 if resume else None)
        source = _open(stack, input_path, "r")
        items = read_queries(source, in_fmt, mode,  # type: ignore[arg-type]
                             source=input_path if input_path != "-" else "stdin",
                             start_row=start.row if start else 1)
        first = next(items, None)  # a bad CSV header fails here, before the Ranker loads
        # a whole pass over a file, before the Ranker loads too: an unclosed quote refuses it
        total = count_rows(Path(input_path), in_fmt) if input_path != "-" else None
        ranker_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="batch-")))
        task, handler = _task(app, mode, k, action, ranker_dir,
                              in_process=engine == "local" and jobs == 1)

        done_before = start.row - 1 if start else 0
        bar = stack.enter_context(tqdm(
            total=total, initial=done_before, unit="row", desc="batch", file=sys.stderr,
            disable=app.quiet, dynamic_ncols=True, smoothing=0.1))
        out = _open(stack, output_path, "a" if resume else "w")
        err_header = True
        if errors_path == "-":
            err: Any = _TqdmStream(bar) if not app.quiet else sys.stderr
        else:
            err_header = not (resume and Path(errors_path).exists()
                              and Path(errors_path).stat().st_size > 0)
            err = _open(stack, errors_path, "a" if resume else "w")
        writer = ResultWriter(out, out_fmt, columns=start.columns if start else None,
                              fallback=SEARCH_COLUMNS if mode == "search" else COMPLETE_COLUMNS)
        errors = ErrorWriter(err, err_fmt, header=err_header)

        def rows() -> Any:
            if first is not None:
                yield first
                yield from items

        summary = run(answer(rows(), task, jobs=jobs, engine=engine, scheduler=scheduler,
                             chunk_size=chunk_size, handler=handler),
                      writer, errors, start_row=start.row if start else 1, progress=bar.update)
    if summary.interrupted:
        click.echo(f"Interrupted at row {summary.resume_row}: the output holds whole rows "
                   "only. To finish, run the same command with --resume; it resumes from the "
                   "last row in the output.", err=True)
        sys.exit(INTERRUPTED_EXIT)
    if summary.failed:
        where = "" if errors_path == "-" else f"; see {errors_path}"
        click.echo(f"{summary.failed} of {summary.rows} rows failed{where}.", err=True)
        sys.exit(1)
    app.say(f"{summary.rows} rows answered.")


COMMANDS = [batch_command]
