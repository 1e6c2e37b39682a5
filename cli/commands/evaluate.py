"""``matcher evaluate``: measure the recommender on real consortia it never saw."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from cli.app import App, pass_app
from cli.errors import reports_errors
from cli.options import format_option
from cli.output import emit

_FILE = click.Path(path_type=Path, dir_okay=False, exists=True)


def _load(histories: Sequence[Path], parts: Sequence[Path], projects: Sequence[Path],
          organisations: Sequence[Path], app: App) -> Any:
    """Every history file in a private temporary registry; its full snapshot."""
    from data.scratch import history_database
    from matcher.registry.store import load_registry

    with history_database(histories, parts, projects=projects, organisations=organisations,
                          announce=app.say) as db, db.sessions() as session:
        return load_registry(session)


def _progress(app: App) -> Callable[[int], Any]:
    """A tqdm bar on stderr for ``total`` queries (none with ``--quiet``)."""
    @contextmanager
    def opened(total: int) -> Iterator[Callable[[int], None]]:
        from tqdm import tqdm

        with tqdm(total=total, unit=" queries", disable=app.quiet, leave=False,
                  dynamic_ncols=True) as bar:
            yield bar.update

    return opened


@click.command("evaluate")
@click.option("--task", type=click.Choice(["partner", "idea", "complete"]), default="partner",
              show_default=True,
              help="partner: hide one member of a real consortium, query with the others. "
                   "idea: query with the project's title and call topic only. complete: "
                   "complete a real consortium from its coordinator and one member.")
@click.option("--history", "histories", multiple=True, required=True, type=_FILE,
              metavar="FILE",
              help="CORDIS participations (.csv/.csv.gz), repeatable: files are concatenated.")
@click.option("--programme-parts", "parts", multiple=True, type=_FILE, metavar="FILE",
              help="rcn -> H2020 programme part (repeatable): the query's theme.")
@click.option("--projects", "projects", multiple=True, type=_FILE, metavar="FILE",
              help="CORDIS projects: acronyms, titles and call topics (repeatable); the "
                   "idea task needs them.")
@click.option("--organisations", "organisations", multiple=True, type=_FILE, metavar="FILE",
              help="CORDIS organisation names (repeatable).")
@click.option("--train-until", type=int, required=True, metavar="YEAR",
              help="The model learns only from projects started up to this year.")
@click.option("--test-from", type=int, required=True, metavar="YEAR",
              help="Test consortia start in this year or later.")
@click.option("--test-to", type=int, default=None, metavar="YEAR",
              help="... and up to this year (default: the last year in the files).")
@click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="Cut-off of recall@k, hit@k and nDCG@k.")
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True,
              help="Seed of the random baseline, the tie-breaking and the training samples.")
@click.option("--max-queries", type=click.IntRange(1), default=None, metavar="N",
              help="complete task: at most N test consortia, a seeded sample (default: all).")
@format_option()
@pass_app
@reports_errors
def evaluate_command(app: App, task: str, histories: tuple[Path, ...],
                     parts: tuple[Path, ...], projects: tuple[Path, ...],
                     organisations: tuple[Path, ...], train_until: int, test_from: int,
                     test_to: int | None, k: int, seed: int, max_queries: int | None,
                     fmt: str) -> None:
    """Measure the recommender on real consortia the model never saw.

    The files are loaded into a private temporary registry (never your database). The model
    (profiles, graph and its learned weights) sees only projects started up to
    --train-until. Test consortia: those of the test years with 3+ organisations from 3+
    countries.

    \b
    --task partner  each member known in training is hidden in turn; the query is the other
                    members and the project's programme part. Every training organisation
                    not in the query is ranked. Baselines: random, popularity, programme-part
                    popularity, common neighbours, Adamic-Adar, and the field's peers:
                    implicit ALS (the query folded in as a new project) and personalised
                    PageRank, their hyper-parameters chosen on the last training year.
    --task idea     one query per titled consortium: its title + call-topic title, its call
                    topic and programme part, no member. Relevant: every member known in
                    training. Baselines: popularity, part popularity, topic family, text
                    (TF-IDF), blend.

    --task complete one query per test consortium of 4+ organisations from 3+ countries
                    whose members are all known in training: given its coordinator and
                    one other member (seeded), its programme part and its title +
                    call-topic title, `matcher complete` builds 5 consortia of the real
                    size (at most 6) with 3+ organisations from 3+ countries. Compared:
                    the learned and the hand-set objective, greedy on the ranker's
                    candidates, greedy on Adamic-Adar, random eligible.

    Reports recall@k, hit@k, MRR and nDCG@k per model; for --task complete precision@1,
    best-of-5 recall, any hit in the 5, and distinct added organisations over the 5.

    \b
    Example (the development split of the idea task, about 4 minutes):
      matcher evaluate --task idea --history participations.csv.gz \\
        --programme-parts programme_parts.csv.gz --projects projects.csv.gz \\
        --train-until 2017 --test-from 2018 --test-to 2019
    """
    from matcher.errors import QueryError
    from matcher.evaluation.harness import check_years
    from matcher.evaluation.report import evaluate_task

    check_years(train_until, test_from, test_to)
    if max_queries is not None and task != "complete":
        raise click.UsageError("--max-queries applies to --task complete only")
    if task == "idea" and not projects:
        raise QueryError("--task idea needs project titles: give --projects FILE (CORDIS "
                         "projects.csv.gz)")
    registry = _load(histories, parts, projects, organisations, app)
    report = evaluate_task(registry, task, train_until=train_until, test_from=test_from,
                           test_to=test_to, k=k, seed=seed, max_queries=max_queries,
                           say=app.say, progress=_progress(app))
    for name, tuned in report.tuned.items():
        chosen = ", ".join(f"{key} {value:g}" for key, value in tuned["chosen"].items())
        app.say(f"{name}: {chosen} (chosen on the {tuned['chosen_on']})")
    emit(report.rows, report.columns, fmt, json_payload=report.payload)


COMMANDS = [evaluate_command]
