"""``matcher evaluate``: hide one partner of real consortia; is it recommended?"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from cli.app import App, pass_app
from cli.errors import reports_errors
from cli.output import emit, format_option

COLUMNS = ("model", "recall@k", "mrr", "ndcg@k", "queries")


def _load(histories: Sequence[Path], parts: Sequence[Path], app: App) -> Any:
    """Every history file in a private temporary registry; its full snapshot."""
    from data.scratch import history_database
    from matcher.registry.snapshot import load_registry

    with history_database(histories, parts, announce=app.say) as db, db.sessions() as session:
        return load_registry(session)


@click.command("evaluate")
@click.option("--history", "histories", multiple=True, required=True,
              type=click.Path(path_type=Path, dir_okay=False, exists=True), metavar="FILE",
              help="CORDIS participations (.csv/.csv.gz), repeatable: files are concatenated.")
@click.option("--programme-parts", "parts", multiple=True,
              type=click.Path(path_type=Path, dir_okay=False, exists=True), metavar="FILE",
              help="rcn -> H2020 programme part (repeatable): the query's theme.")
@click.option("--train-until", type=int, required=True, metavar="YEAR",
              help="The model learns only from projects started up to this year.")
@click.option("--test-from", type=int, required=True, metavar="YEAR",
              help="Test consortia start in this year or later.")
@click.option("--test-to", type=int, default=None, metavar="YEAR",
              help="... and up to this year (default: the last year in the files).")
@click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="Cut-off of Recall@k and nDCG@k.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the random baseline, the tie-breaking and the training samples.")
@format_option
@pass_app
@reports_errors
def evaluate_command(app: App, histories: tuple[Path, ...], parts: tuple[Path, ...],
                     train_until: int, test_from: int, test_to: int | None, k: int, seed: int,
                     fmt: str) -> None:
    """Measure the recommender on real consortia: hide one partner, is it recommended?

    The files are loaded into a private temporary registry (never your database). The model
    (profiles, graph and its learned weights) sees only projects started up to
    --train-until. Each consortium of the test years with 3+ organisations from 3+ countries
    gives one query per member known in training: that member hidden, the others and the
    project's programme part as the query. Every training organisation not in the query is
    ranked. Reports Recall@k, MRR and nDCG@k for the tool's model and the baselines random,
    popularity, programme-part popularity, common neighbours and Adamic-Adar.

    \b
    Example (the development split, about 5 minutes):
      matcher evaluate --history participations.csv.gz \\
        --programme-parts programme_parts.csv.gz \\
        --train-until 2017 --test-from 2018 --test-to 2019
    """
    from tqdm import tqdm

    from matcher.evaluation.baselines import baselines
    from matcher.evaluation.harness import check_years, evaluate, partner_split
    from matcher.evaluation.training import RankerScorer

    check_years(train_until, test_from, test_to)
    registry = _load(histories, parts, app)
    data = partner_split(registry, train_until=train_until, test_from=test_from, test_to=test_to)
    app.say(f"{len(data.queries):,} hidden-partner queries from {data.test_projects:,} test "
            f"consortia over {data.train.n_orgs:,} training organisations")
    learn = 6000
    scorers: dict[str, Any] = {}
    with tqdm(total=len(data.queries) * 6 + learn, unit=" queries", disable=app.quiet,
              leave=False, dynamic_ncols=True) as bar:
        scorers["matcher"] = RankerScorer(progress=bar.update, seed=seed, max_queries=learn)
        scorers.update(baselines(seed=seed))
        result = evaluate(data, scorers, k=k, seed=seed, progress=bar.update)
    rows = [{"model": name, "recall@k": m.recall, "mrr": m.mrr, "ndcg@k": m.ndcg,
             "queries": result.queries} for name, m in result.models.items()]
    payload = result.to_json()
    learned = scorers["matcher"].learned_
    payload["matcher_weights"] = learned.to_json()
    emit(rows, COLUMNS, fmt, json_payload=payload)


COMMANDS = [evaluate_command]
