"""The complete task: its split by hand, its metrics on a hand-checked example, the greedy
baselines, the builder as the evaluation runs it, and no leakage from the test years."""

from __future__ import annotations

import random

import numpy as np
import pytest

from matcher.consortium.objective import HAND_SET, Objective
from matcher.evaluation.complete_task import METHODS, complete_task
from matcher.evaluation.completers import BuilderCompleter, GreedyCompleter, greedy_alternatives
from matcher.evaluation.consortia import (
    CompleteQuery,
    complete_split,
    evaluation_call,
    query_metrics,
    summarise,
)
from matcher.evaluation.harness import training_registry
from matcher.evaluation.objective_fit import learn_objective
from matcher.ranking.ranker import Ranker
from matcher.ranking.weights import Weights
from matcher.registry.snapshot import Registry
from tests.matcher.evaluation.test_evaluation import _row, registry_from_rows

SIMPLE = Weights.same({"direct": 1.0, "ppr": 1.0, "popularity": 0.1, "theme_sim": 0.5})


def _rows(rcn: str, year: int, members: list[tuple[str, str]]) -> list[dict[str, str]]:
    """A project whose first member coordinates."""
    return [_row(rcn, pic, country, year, "coordinator" if i == 0 else "participant")
            for i, (pic, country) in enumerate(members)]


def test_split_by_hand() -> None:
    a, b, c, d, e, f, g = (("10000000" + str(i), cc) for i, cc in
                           enumerate(["FI", "DE", "FR", "ES", "IT", "FI", "PL"], 1))
    rows = (_rows("1", 2016, [a, b, c, d, e, f, g])
            + _rows("2", 2018, [a, b, c, d, e, f, g])  # 7 members: asked size 6
            + _rows("3", 2018, [b, c, d])  # 3 members: too small
            + _rows("4", 2018, [a, b, f, ("100000009", "SE")])  # a member new in 2018
            + _rows("5", 2019, [c, d, e, a]))
    data = complete_split(registry_from_rows(rows), train_until=2017, test_from=2018, seed=3)
    assert data.test_projects == 2
    q2, q5 = data.queries
    assert (q2.project, q2.size, q2.year, q2.themes) == ("2", 6, 2018, ("h2020-sc1",))
    assert q2.given[0] == 0 and len(q2.given) == 2  # the coordinator, then one other member
    assert sorted(q2.given + q2.hidden) == list(range(7)) and q2.additions == 4
    assert q5.given[0] == 2 and q5.size == 4 and len(q5.hidden) == 2
    # the seeded sample keeps the order of the projects
    (one,) = complete_split(registry_from_rows(rows), train_until=2017, test_from=2018,
                            seed=3, max_queries=1).queries
    assert one in (q2, q5)


def test_metrics_by_hand() -> None:
    hidden = (11, 12, 13, 14)
    consortia = [(11, 20, 21, 22), (12, 13, 20, 23), (20, 21, 24, 25)]
    m = query_metrics(consortia, hidden)
    # top consortium: 1 of 4 additions real; the best finds 2 of the 4 hidden
    assert (m.precision_at_1, m.best_of_5_recall, m.any_hit_at_5) == (0.25, 0.5, 1.0)
    assert m.distinct_additions == 9  # 11, 12, 13, 20..25
    empty = query_metrics([], hidden)
    assert (empty.precision_at_1, empty.best_of_5_recall, empty.distinct_additions) == (0, 0, 0)
    mean = summarise([m, empty])
    assert (mean.precision_at_1, mean.best_of_5_recall, mean.any_hit_at_5,
            mean.distinct_additions) == (0.125, 0.25, 0.5, 4.5)


def test_greedy_skips_picks_that_make_the_rule_unreachable() -> None:
    reg = registry_from_rows(_rows("1", 2016, [(f"10000000{i}", c) for i, c in
                                               enumerate(["FI", "FI", "FI", "DE", "FI", "ES"])]))
    orgs = reg.orgs
    # given two Finns; a third Finn first would leave one slot for two missing countries
    assert greedy_alternatives(orgs, [0, 1], [2, 3, 4, 5], size=4, min_countries=3) == [
        (3, 5)]
    # every alternative skips the first pick of each previous one
    assert greedy_alternatives(orgs, [0, 3], [2, 4, 5, 1], size=4, min_countries=3) == [
        (2, 5), (4, 5), (5, 1)]


def synthetic(seed: int = 0, years: range = range(2014, 2020)) -> Registry:
    """60 organisations in 8 countries; each year 20 consortia of 4-7, half of them
    re-forming a past consortium with one change."""
    rnd = random.Random(seed)
    countries = ["FI", "DE", "FR", "ES", "IT", "PL", "SE", "NL"]
    pics = [(f"1{i:08d}", countries[i % 8]) for i in range(60)]
    rows, past, rcn = [], [], 0
    for year in years:
        for _ in range(20):
            rcn += 1
            if past and rnd.random() < 0.5:
                members = list(rnd.choice(past))
                members[rnd.randrange(len(members))] = rnd.choice(pics)
            else:
                members = rnd.sample(pics, rnd.randint(4, 7))
            members = list(dict.fromkeys(members))
            past.append(members)
            rows += _rows(str(rcn), year, members)
    return registry_from_rows(rows)


def test_the_builder_as_evaluated_returns_eligible_consortia_of_the_real_size() -> None:
    data = complete_split(synthetic(), train_until=2017, test_from=2018)
    assert data.queries
    ranker = Ranker(weights=SIMPLE).fit(data.train)
    builder = BuilderCompleter(ranker, HAND_SET).fit(data.train)
    greedy = GreedyCompleter("ranker", ranker=ranker).fit(data.train)
    for q in data.queries[:5]:
        call = evaluation_call(data.train, q.year)
        for method in (builder, greedy):
            found = method.consortia(q)
            assert 1 <= len(found) <= 5
            for added in found:
                assert len(added) == q.additions and not set(added) & set(q.given)
                assert call.check([data.train.orgs[r] for r in (*q.given, *added)]) == []
    with pytest.raises(ValueError, match="fitted on the split's training registry"):
        BuilderCompleter(ranker).fit(synthetic(1))


def test_complete_task_reports_every_method() -> None:
    result = complete_task(synthetic(), train_until=2017, test_from=2018, weights=SIMPLE,
                           objective=Objective.from_mapping({"fit": 0.5, "history": 0.5}))
    report = result.to_json()
    assert report["task"] == "complete" and report["queries"] > 0
    assert list(report["models"]) == list(METHODS)
    for figures in report["models"].values():
        assert set(figures) == {"precision_at_1", "best_of_5_recall", "any_hit_at_5",
                                "distinct_additions"}
        assert all(0 <= v <= 1 for k, v in figures.items() if k != "distinct_additions")


def test_the_objective_is_learned_without_the_test_years() -> None:
    """Whatever happens after the label year changes nothing the objective learns."""
    full = synthetic(2)
    cut = training_registry(full, 2017)
    a = learn_objective(full, until_year=2017, weights=SIMPLE, max_queries=12, rounds=1,
                        steps=(0.2,), reuses=(0.2,))
    b = learn_objective(cut, until_year=2017, weights=SIMPLE, max_queries=12, rounds=1,
                        steps=(0.2,), reuses=(0.2,))
    assert a.queries >= 8 and a.label_years == (2016, 2017)
    assert a.objective == b.objective and a.to_json() == b.to_json()
    assert sum(w for _, w in a.objective.weights) == pytest.approx(1.0)
    # the test queries of the split hold training rows only
    data = complete_split(full, train_until=2017, test_from=2018)
    assert all(0 <= r < data.train.n_orgs for q in data.queries for r in (*q.given, *q.hidden))
    assert isinstance(data.queries[0], CompleteQuery)
    assert np.all(data.train.project_years <= 2017)
