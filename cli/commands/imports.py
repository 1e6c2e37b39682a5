"""``matcher import KIND FILE``: one file, one transaction."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from cli.app import App, pass_app
from cli.errors import reports_errors

#: A file of more rows than this gets a progress bar and its slow steps said.
BAR_FROM = 5000
INTERRUPTED_EXIT = 130  # as a shell reports a command stopped by Ctrl-C
INTERRUPTED = "Interrupted: nothing was imported; the registry is as it was."
INTERRUPTED_COMMITTING = ("Interrupted while committing: the registry holds the whole file or "
                          "none of it; import it again (a file already imported changes "
                          "nothing).")
KIND_HELP = {
    "eche": "ECHE holders list 2021-27 (.xlsx or ;-separated .csv)",
    "history": "CORDIS H2020 participations (.csv/.csv.gz), with --programme-parts, "
               "--organisations, --projects",
    "eplus": "Erasmus+ project results export (.csv)",
    "orgs": "your own organisation profiles (.csv or .jsonl)",
}


@click.command("import")
@click.argument("kind", type=click.Choice(list(KIND_HELP)), metavar="KIND")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--skip-invalid", is_flag=True,
              help="Import the good rows and list every bad one (exit 0), instead of stopping "
                   "at the first bad row with nothing imported (exit 1).")
@click.option("--programme-parts", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE", help="history: rcn -> H2020 programme part (.csv/.csv.gz); "
                                   "gives each project its action and theme.")
@click.option("--organisations", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE", help="history: CORDIS organisations (pic, name, short_name, "
                                   "city, url): names the organisations; other names and "
                                   "short names become searchable aliases.")
@click.option("--projects", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE", help="history: CORDIS projects (rcn, acronym, title, "
                                   "topic_code, topic_title): what each project was about.")
@click.option("--merges", "merges_file", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE", help="eplus: write to FILE (CSV) every name merged into an "
                                   "organisation of another spelling and every near miss "
                                   "(alike names kept apart), with the evidence that decided.")
@pass_app
@reports_errors
def import_command(app: App, kind: str, file: Path, skip_invalid: bool,
                   programme_parts: Path | None, organisations: Path | None,
                   projects: Path | None, merges_file: Path | None) -> None:
    """Import FILE of the given KIND into the registry, in one transaction.

    \b
    KIND is one of:
      eche     ECHE holders list 2021-27 (.xlsx or ;-separated .csv)
      history  CORDIS H2020 participations (.csv/.csv.gz), with --programme-parts,
               --organisations and --projects
      eplus    Erasmus+ project results export (.csv)
      orgs     your own organisation profiles (.csv or .jsonl)

    Importing the same file again changes nothing, also when two imports run at once (the
    second waits for the first). A bad row stops the import with `file:line: field: problem`
    and leaves the registry as it was (exit 1). Creates the registry named by --db if needed.

    \b
    Examples:
      matcher import orgs partners.csv
      matcher import eplus ErasmusPlus_KA2_Projects_Overview.csv --merges merges.csv
      matcher import history participations.csv.gz --programme-parts programme_parts.csv.gz \\
        --organisations organisations.csv.gz --projects projects.csv.gz
    """
    import time

    from tqdm import tqdm

    from data.importers import count_lines, count_rows, import_file

    if kind != "history" and (programme_parts or organisations or projects):
        raise click.UsageError("--programme-parts, --organisations and --projects only go "
                               "with KIND history")
    if merges_file is not None and kind != "eplus":
        raise click.UsageError("--merges only goes with KIND eplus")
    # an export's values hold line breaks: its rows are counted as the importer reads them
    counter = count_rows if kind == "eplus" else count_lines
    total = counter(file) if file.is_file() else None
    show = not app.quiet and total is not None and total > BAR_FROM
    started = time.monotonic()
    committing = False
    try:
        with tqdm(total=total, unit=" rows", disable=not show, leave=False,
                  desc=f"import {kind}") as bar, app.write_session() as session:

            def phase(what: str) -> None:
                # the rows are read: the bar is done, and what takes the time now is said
                bar.close()
                if show:
                    app.say(f"import {kind}: {what}...")

            report = import_file(session, kind, file, skip_invalid=skip_invalid,
                                 programme_parts=programme_parts, organisations=organisations,
                                 projects=projects, progress=bar.update, on_wait=app.say_once,
                                 phase=phase)
            phase("saving (committing the transaction)")
            committing = True
    except KeyboardInterrupt:  # Ctrl-C: the transaction is rolled back, or went through whole
        click.echo(INTERRUPTED_COMMITTING if committing else INTERRUPTED, err=True)
        sys.exit(INTERRUPTED_EXIT)
    if show:
        app.say(f"import {kind}: done in {time.monotonic() - started:.1f} s")
    for error in report.skipped:
        click.echo(f"Skipped {error}", err=True)
    for note in report.notes:
        app.say(f"Note: {note}")
    if merges_file is not None:
        _write_merges(merges_file, report.merges)
        merged = sum(m.decision == "merged" for m in report.merges)
        app.say(f"{merges_file}: {merged:,} names merged into another spelling, "
                f"{len(report.merges) - merged:,} near misses kept apart.")
    app.say(report.summary())


MERGE_COLUMNS = ("decision", "line", "name", "country", "city", "website", "into_id",
                 "into_name", "into_city", "into_website", "score", "evidence")


def _write_merges(path: Path, merges: tuple[Any, ...]) -> None:
    from matcher.cells import csv_writer

    try:
        with path.open("w", encoding="utf-8", newline="") as f:
            out = csv_writer(f)
            out.writerow(MERGE_COLUMNS)
            out.writerows([getattr(m, c) for c in MERGE_COLUMNS] for m in merges)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from exc


COMMANDS = [import_command]
