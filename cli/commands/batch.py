"""``matcher batch``: thousands of search / complete queries from a CSV or JSON Lines file."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from cli.app import App, pass_app
from cli.errors import reports_errors

INTERRUPTED_EXIT = 130  # the shell's convention for "stopped by Ctrl-C"


class _TqdmStream:
    """Error lines on stderr that do not tear through the progress bar."""

    def __init__(self, bar: Any) -> None:
        self._bar = bar

    def write(self, text: str) -> None:
        self._bar.write(text.rstrip("\n"), file=sys.stderr)

    def flush(self) -> None:
        sys.stderr.flush()


class _Bar:
    """A tqdm progress bar on stderr as the batch run's :class:`~matcher.batch.job.Progress`."""

    def __init__(self, bar: Any, quiet: bool) -> None:
        self.update = bar.update
        self.errors: Any = sys.stderr if quiet else _TqdmStream(bar)


def _progress(quiet: bool) -> Any:
    @contextmanager
    def opened(total: int | None, initial: int) -> Iterator[_Bar]:
        from tqdm import tqdm

        with tqdm(total=total, initial=initial, unit="row", desc="batch", file=sys.stderr,
                  disable=quiet, dynamic_ncols=True, smoothing=0.1) as bar:
            yield _Bar(bar, quiet)

    return opened


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
    from matcher.batch.job import BatchJob, run_batch

    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler needs --engine dask")
    if resume and output_path == "-":
        raise click.UsageError("--resume needs an OUTPUT file, not stdout")
    job = BatchJob(input=input_path, output=output_path, mode=mode,  # type: ignore[arg-type]
                   k=k, action=action, jobs=jobs, errors=errors_path, engine=engine,
                   scheduler=scheduler, input_format=input_format,
                   output_format=output_format, resume=resume, chunk_size=chunk_size)
    summary = run_batch(app.matcher, job, progress=_progress(app.quiet))
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
