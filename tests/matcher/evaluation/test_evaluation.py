"""The hidden-partner split, the no-leakage guarantee, and the batched model scores.

Registries are built directly from small real slices of the CORDIS file (no database), with
organisation ids taken from the PICs so that two registries can be compared row by row.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from matcher.evaluation.harness import (
    EvalQuery,
    evaluate,
    idea_split,
    partner_split,
    training_registry,
)
from matcher.evaluation.training import RankerScorer, learn_weights, to_queries
from matcher.ranking.graph import CollaborationGraph
from matcher.ranking.ranker import Ranker
from matcher.registry.snapshot import OrgProfile, ProjectInfo, Registry
from models.errors import QueryError

CATEGORY = {"HES": "higher-education", "PRC": "company", "REC": "research",
            "PUB": "public-body", "OTH": "other"}


def registry_from_rows(rows: Sequence[dict[str, str]]) -> Registry:
    pics = sorted({r["pic"] for r in rows})
    rcns = sorted({r["rcn"] for r in rows}, key=int)
    first: dict[str, dict[str, str]] = {}
    for r in rows:
        first.setdefault(r["pic"], r)
    orgs = tuple(OrgProfile(int(p), p, None, None, f"(unnamed, PIC {p})", first[p]["country"],
                            None, CATEGORY[first[p]["type"]], first[p]["type"], False)
                 for p in pics)
    year = {r["rcn"]: int(r["start_year"]) for r in rows}
    part = {r["rcn"]: r.get("part", "") for r in rows}
    projects = tuple(ProjectInfo(int(c), c, "H2020", None, year[c], None, None,
                                 (f"h2020-{part[c].lower()}",) if part[c] else ())
                     for c in rcns)
    row, col = {p: i for i, p in enumerate(pics)}, {c: j for j, c in enumerate(rcns)}
    inc = sp.csr_matrix((np.array([2.0 if r["role"] == "coordinator" else 1.0 for r in rows],
                                  dtype=np.float32),
                         ([row[r["pic"]] for r in rows], [col[r["rcn"]] for r in rows])),
                        shape=(len(pics), len(rcns)))
    return Registry(orgs, projects, inc, {}, {}, f"rows:{len(rows)}")


@pytest.fixture(scope="module")
def real_rows(shared_data: Path) -> list[dict[str, str]]:
    """Every row of about 640 real projects (every 40th rcn) started 2015-2019, with their part."""
    base = shared_data / "cordis-h2020"
    with gzip.open(base / "programme_parts.csv.gz", "rt", encoding="utf-8") as fh:
        parts = {r["rcn"]: r["programme_part"] for r in csv.DictReader(fh)}
    with gzip.open(base / "participations.csv.gz", "rt", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["start_year"] >= "2015"]
    rcns = sorted({r["rcn"] for r in rows}, key=int)[::40]
    keep = set(rcns)
    return [{**r, "part": parts.get(r["rcn"], "")} for r in rows if r["rcn"] in keep]


def _row(rcn: str, pic: str, country: str, year: int, role: str = "participant"
         ) -> dict[str, str]:
    return {"rcn": rcn, "pic": pic, "country": country, "start_year": str(year), "role": role,
            "type": "HES", "part": "SC1"}


def test_split_by_hand() -> None:
    rows = [_row("1", "100000001", "FI", 2016), _row("1", "100000002", "DE", 2016),
            _row("1", "100000003", "FR", 2016),
            # 3 orgs, 3 countries; 100000009 is new in the test year, 100000003 is not a member
            _row("2", "100000001", "FI", 2018), _row("2", "100000002", "DE", 2018),
            _row("2", "100000009", "ES", 2018),
            # only 2 countries: no queries
            _row("3", "100000001", "FI", 2018), _row("3", "100000002", "DE", 2018),
            _row("3", "100000004", "DE", 2018)]
    data = partner_split(registry_from_rows(rows), train_until=2017, test_from=2018)
    assert [o.pic for o in data.train.orgs] == ["100000001", "100000002", "100000003"]
    assert [p.identifier for p in data.train.projects] == ["1"]
    assert data.test_projects == 1
    # one query per training member, the new organisation is neither hidden nor in the query
    assert [(q.project, q.members, q.hidden) for q in data.queries] == [("2", (1,), 0),
                                                                        ("2", (0,), 1)]
    assert data.queries[0].themes == ("h2020-sc1",)


def test_a_consortium_with_one_known_member_and_no_theme_gives_no_partner_query() -> None:
    """Hiding its only known member would leave nothing to ask with; with a theme, the theme
    is the query."""
    train = [_row("1", "100000001", "FI", 2016), _row("1", "100000002", "DE", 2016)]
    test = [_row("2", "100000001", "FI", 2018), _row("2", "100000008", "DE", 2018),
            _row("2", "100000009", "FR", 2018)]
    untitled = [{**r, "part": ""} for r in test]
    assert partner_split(registry_from_rows(train + untitled), train_until=2017,
                         test_from=2018).queries == ()
    (query,) = partner_split(registry_from_rows(train + test), train_until=2017,
                             test_from=2018).queries
    assert (query.members, query.hidden, query.themes) == ((), 0, ("h2020-sc1",))


def test_idea_split_and_its_metrics_by_hand() -> None:
    """One titled test consortium, one untitled: one idea query, its text the title and the
    call-topic title, every member known in training relevant; ranks counted by hand."""
    from dataclasses import replace

    from matcher.evaluation.baselines import TopicFamily
    from matcher.evaluation.metrics import ranks_many, summarise

    rows = [_row("1", "100000001", "FI", 2016), _row("1", "100000002", "DE", 2016),
            _row("1", "100000003", "FR", 2016), _row("4", "100000004", "FR", 2017),
            _row("2", "100000001", "FI", 2018), _row("2", "100000002", "DE", 2018),
            _row("2", "100000009", "ES", 2018),
            _row("3", "100000001", "FI", 2019), _row("3", "100000003", "FR", 2019),
            _row("3", "100000004", "ES", 2019)]
    reg = registry_from_rows(rows)
    titled = {"1": ("Old", "SwafS-01-2016", "Science education"),
              "2": ("PERFORM", "SwafS-09-2018", ("Innovative ways to make science education "
                                                "attractive")),
              "4": ("Lab", "ICT-01-2017", "Robots")}
    reg = Registry(reg.orgs, tuple(
        replace(p, title=titled[p.identifier][0], topic_code=titled[p.identifier][1],
                topic_title=titled[p.identifier][2]) if p.identifier in titled else p
        for p in reg.projects), reg.incidence, {}, {}, "x")
    data = idea_split(reg, train_until=2017, test_from=2018)
    (q,) = data.queries  # project 3 has no title
    assert (q.project, q.members, q.topic) == ("2", (), "SwafS-09-2018")
    assert q.text == "PERFORM Innovative ways to make science education attractive"
    assert q.relevant == (0, 1)  # 100000009 is new in 2018: not a candidate
    # topic family SwafS: orgs 0, 1, 2 took part in project 1 (SwafS), org 3 did not
    scores = TopicFamily().fit(data.train).scores([q])
    assert scores.tolist() == [[1.0, 1.0, 1.0, 0.0]]
    found = ranks_many(scores, [q.relevant], np.zeros(scores.shape, dtype=bool),
                       np.array([2, 0, 1, 3]))
    # ties broken by the key (lower first): org 1, org 2, then org 0
    assert found[0].tolist() == [3, 1]
    m = summarise(found, 1)
    assert (m.recall, m.hit, m.mrr) == (0.5, 1.0, 1.0)


def test_bad_years_are_named() -> None:
    reg = registry_from_rows([_row("1", "100000001", "FI", 2016)])
    with pytest.raises(QueryError, match="--test-from 2016 must be after --train-until 2016"):
        partner_split(reg, train_until=2016, test_from=2016)
    with pytest.raises(QueryError, match="no project started in or before 2014"):
        partner_split(reg, train_until=2014, test_from=2015)


class Oracle:
    """Knows the answer: the perfect scorer."""

    def fit(self, train: Registry) -> Oracle:
        self.n = train.n_orgs
        return self

    def scores(self, queries: Sequence[EvalQuery]) -> np.ndarray:
        out = np.zeros((len(queries), self.n))
        out[np.arange(len(queries)), [q.hidden for q in queries]] = 1.0
        return out


def test_evaluate_oracle_and_shape(real_rows: list[dict[str, str]]) -> None:
    data = partner_split(registry_from_rows(real_rows), train_until=2017, test_from=2018)
    assert len(data.queries) > 50
    result = evaluate(data, {"oracle": Oracle()}, k=5, batch=64)
    assert result.to_json()["models"] == {"oracle": {"recall": 1.0, "hit": 1.0, "mrr": 1.0,
                                                    "ndcg": 1.0}}
    assert (result.k, result.queries) == (5, len(data.queries))


def test_no_leakage_from_the_test_period(real_rows: list[dict[str, str]]) -> None:
    """Whatever happens after --train-until changes nothing the model knows or scores."""
    full = registry_from_rows(real_rows)
    cut = registry_from_rows([r for r in real_rows if int(r["start_year"]) <= 2017])
    a, b = training_registry(full, 2017), training_registry(cut, 2017)
    assert a.orgs == b.orgs and a.projects == b.projects
    assert (a.incidence != b.incidence).nnz == 0
    queries = partner_split(full, train_until=2017, test_from=2018).queries[:40]
    assert len(queries) == 40
    ga, gb = CollaborationGraph.from_registry(a), CollaborationGraph.from_registry(b)
    fa = ga.features_many([np.array(q.members) for q in queries])
    fb = gb.features_many([np.array(q.members) for q in queries])
    assert all(np.array_equal(fa[name], fb[name]) for name in fa)
    ma = RankerScorer(max_queries=150, negatives=20).fit(a)
    mb = RankerScorer(max_queries=150, negatives=20).fit(b)
    assert ma.learned_.as_weights() == mb.learned_.as_weights()
    assert np.array_equal(ma.scores(queries), mb.scores(queries))


def test_batched_features_equal_one_query_at_a_time(real_rows: list[dict[str, str]]) -> None:
    """One path for ranking, training and evaluation: a batch gives each query's features
    exactly as the query alone does."""
    data = partner_split(registry_from_rows(real_rows), train_until=2017, test_from=2018)
    ranker = Ranker(weights={"ppr": 1.0}).fit(data.train)
    queries = to_queries(data.train, [*data.queries[:6], EvalQuery("x", (), (0,),
                                                                    ("h2020-sc1",))])
    batch = ranker.features(queries)
    for i, q in enumerate(queries):
        one = ranker.features([q])[0]
        assert batch[i] == pytest.approx(one, abs=1e-5)


def test_an_ablation_learns_without_the_features_it_leaves_out(
        real_rows: list[dict[str, str]]) -> None:
    registry = training_registry(registry_from_rows(real_rows), 2017)
    learned = learn_weights(registry, until_year=2017, max_queries=150, negatives=20,
                            without=("latent", "ppr"))
    assert learned.partner.weights["latent"] == learned.partner.weights["ppr"] == 0.0
    assert learned.partner.weights["common_neighbours"] != 0.0
    assert learned.to_json()["training"]["without"] == ["latent", "ppr"]
    with pytest.raises(QueryError, match="unknown features"):
        learn_weights(registry, until_year=2017, without=("als",))
