"""The collaboration graph: who took part in projects with whom, as sparse matrices.

Everything here is computed from the organisation x project incidence matrix of a
:class:`~matcher.registry.snapshot.Registry` (2.0 coordinator, 1.0 partner) and the projects' start
years. Two views of it are used:

- the bipartite organisation-project graph ``B`` (binary), on which the link predictors and
  random walks run (the neighbours of an organisation there are its projects), and
- the co-participation graph ``S = B B^T`` without its diagonal (``S[i, j]`` = number of
  projects organisations ``i`` and ``j`` shared), whose binary form ``A`` gives partners.

A query is a set of organisation rows. Its features for a candidate ``c``:

``direct``            projects ``c`` shared with any query organisation
``direct_orgs``       query organisations ``c`` has worked with
``common_neighbours`` sum over query organisations ``q`` of the projects ``q`` and ``c``
                      shared (common neighbours on ``B``)
``adamic_adar``       the same, each shared project ``p`` weighted ``1 / log |p|``
``partners_of_partners`` sum over ``q`` of ``|A(q) & A(c)|``: partners in common
``ppr``               personalised PageRank (random walk with restart on ``B``) from the query
``popularity``        ``log(1 + participations)``
``coordinations``     ``log(1 + projects coordinated)``
``recency``           ``log(1 + participations weighted by 0.5 ** (age / half_life))``, age
                      counted from the graph's last year; unknown years weigh nothing

Query organisations themselves get their true values; callers drop them from candidates.
Batches of queries are computed with one sparse product per step (:meth:`features_many`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matcher.registry.snapshot import Registry

__all__ = ["FEATURES", "CollaborationGraph", "PageRankWalk"]

FEATURES: tuple[str, ...] = (
    "direct", "direct_orgs", "common_neighbours", "adamic_adar", "partners_of_partners", "ppr",
    "popularity", "coordinations", "recency",
)
_STATIC = ("popularity", "coordinations", "recency")
#: What :meth:`CollaborationGraph.features_one` reads from the query's own projects and partners.
_FROM_QUERY_PROJECTS = ("direct", "common_neighbours", "adamic_adar", "direct_orgs")
#: Batches up to this many queries use dense right-hand sides (measured on the H2020 graph).
DENSE_UP_TO = 256


@dataclass(frozen=True, slots=True)
class PageRankWalk:
    """A personalised PageRank walk half a step from its end: the (projects x queries)
    values its last step carries back to the organisations, and the restart term."""

    back: np.ndarray
    restart: np.ndarray  # (orgs, queries)
    keep: np.float32

    def column(self, j: int) -> PageRankWalk:
        """The walk of query ``j`` alone: the same values, as every query walks alone."""
        return PageRankWalk(np.ascontiguousarray(self.back[:, j:j + 1]),
                            np.ascontiguousarray(self.restart[:, j:j + 1]), self.keep)

    def last_step(self, graph: CollaborationGraph, cand: np.ndarray | None) -> np.ndarray:
        """``(orgs, queries)``: the walk's end for the ``cand`` rows (default: all). Each
        row sums the same terms in the same order whichever rows are asked."""
        if cand is None:
            return np.asarray((graph.incidence_ @ self.back) * self.keep + self.restart,
                              dtype=np.float32)
        last = graph.incidence_[cand] @ self.back
        return np.asarray(last * self.keep + self.restart[cand], dtype=np.float32)


class CollaborationGraph:
    """Graph features of candidate organisations for queries made of organisations.

    Parameters
    ----------
    incidence : sparse (orgs x projects), 2.0 coordinator / 1.0 partner, 0 absent.
    years : start year of each project column; negative or 0 for unknown.
    restart : restart probability of the personalised PageRank walk.
    ppr_steps : power-iteration steps (each one org -> project -> org hop).
    half_life : years after which a participation counts half in ``recency``.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> inc = sp.csr_matrix(np.array([[2, 0], [1, 1], [0, 2], [1, 0]], dtype=np.float32))
    >>> g = CollaborationGraph.from_incidence(inc, np.array([2016, 2017]))
    >>> f = g.features(np.array([0]))
    >>> f["direct_orgs"].tolist(), f["partners_of_partners"].tolist()
    ([0.0, 1.0, 0.0, 1.0], [2.0, 1.0, 1.0, 1.0])
    >>> g.past_partners(1)
    [(0, 1), (2, 1), (3, 1)]
    """

    def __init__(self, incidence: sp.spmatrix | sp.sparray, years: np.ndarray, *,
                 restart: float = 0.3, ppr_steps: int = 6, half_life: float = 2.0,
                 shared: sp.csr_matrix | None = None) -> None:
        inc = sp.csr_matrix(incidence, dtype=np.float32)
        years = np.asarray(years)
        if years.shape != (inc.shape[1],):
            raise ValueError(f"years has shape {years.shape}; expected ({inc.shape[1]},), "
                             "one start year per project column")
        if not 0.0 < restart < 1.0:
            raise ValueError(f"restart={restart}; valid: strictly between 0 and 1")
        self.restart = restart
        self.ppr_steps = ppr_steps
        self.half_life = half_life
        coord = inc.multiply(inc >= 2.0).tocsr()
        b = inc.copy()
        b.data[:] = 1.0
        b.eliminate_zeros()
        self.incidence_ = b
        self.incidence_t_ = b.T.tocsr()
        self.years_ = years.astype(np.int32)
        org_deg = np.asarray(b.sum(axis=1)).ravel()
        proj_deg = np.asarray(b.sum(axis=0)).ravel()
        self.participations_ = org_deg
        # the walk's degree normalisations
        self.inv_org_deg = np.divide(1.0, org_deg, out=np.zeros_like(org_deg),
                                     where=org_deg > 0).astype(np.float32)
        self.inv_proj_deg = np.divide(1.0, proj_deg, out=np.zeros_like(proj_deg),
                                      where=proj_deg > 0).astype(np.float32)
        if shared is None:
            shared = self.shared_projects(b)
        self.shared_ = shared.astype(np.float32, copy=False)
        adj = shared.copy()
        adj.data[:] = 1.0
        self.adjacency_ = adj.astype(np.float32)
        self.partner_counts_ = np.asarray(adj.sum(axis=1)).ravel()
        # A project of one organisation links nobody: weight 0 instead of 1 / log 1.
        self._aa_project = np.where(proj_deg > 1, 1.0 / np.log(np.maximum(proj_deg, 2)), 0.0
                                    ).astype(np.float32)
        known = self.years_ > 0
        last = int(self.years_[known].max()) if known.any() else 0
        self.last_year_ = last
        decay = np.where(known, 0.5 ** ((last - self.years_) / half_life), 0.0)
        n_coord = np.asarray((coord > 0).sum(axis=1)).ravel()
        self._static = {
            "popularity": np.log1p(org_deg).astype(np.float32),
            "coordinations": np.log1p(n_coord).astype(np.float32),
            "recency": np.log1p(b @ decay).astype(np.float32),
        }

    @staticmethod
    def shared_projects(incidence: sp.csr_matrix) -> sp.csr_matrix:
        """How many projects each pair of organisations shared (0/1 ``incidence``), none with
        itself: what a saved index keeps (``shared=``), the costliest product of a load at
        250,000 organisations."""
        shared: sp.csr_matrix = (incidence @ incidence.T).tocsr()
        # the diagonal zeroed in place (setdiag goes through a COO copy)
        own = np.repeat(np.arange(shared.shape[0]), np.diff(shared.indptr)) == shared.indices
        shared.data[own] = 0
        shared.eliminate_zeros()
        return shared

    @classmethod
    def from_registry(cls, registry: Registry, **params: float) -> CollaborationGraph:
        return cls(registry.incidence, registry.project_years, **params)  # type: ignore[arg-type]

    @classmethod
    def from_incidence(cls, incidence: sp.spmatrix | sp.sparray, years: np.ndarray,
                       **params: float) -> CollaborationGraph:
        return cls(incidence, years, **params)  # type: ignore[arg-type]

    @property
    def n_orgs(self) -> int:
        return int(self.incidence_.shape[0])

    def static(self, name: str) -> np.ndarray:
        """A query-independent feature (``popularity``, ``coordinations``, ``recency``)."""
        values: np.ndarray = self._static[name]
        return values

    def features(self, query_rows: np.ndarray,
                 candidate_rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Every feature of :data:`FEATURES` for one query, one value per candidate row."""
        many = self.features_many([np.asarray(query_rows)], candidate_rows)
        return {name: values[0] for name, values in many.items()}

    def _start(self, queries: Sequence[np.ndarray]) -> sp.csr_matrix:
        """The (orgs x queries) indicator of the queries' organisations."""
        n = self.n_orgs
        cols = np.repeat(np.arange(len(queries)), [len(np.asarray(q)) for q in queries])
        rows = (np.concatenate([np.asarray(q, dtype=np.int64) for q in queries])
                if len(queries) else np.zeros(0, dtype=np.int64))
        if rows.size and (rows.min() < 0 or rows.max() >= n):
            raise ValueError(f"query rows must be in [0, {n}); got {rows.min()}..{rows.max()}")
        x = sp.csr_matrix((np.ones(rows.size, dtype=np.float32), (rows, cols)),
                          shape=(n, len(queries)))
        x.sum_duplicates()
        x.data[:] = 1.0
        return x

    def walk(self, queries: Sequence[np.ndarray]) -> PageRankWalk:
        """The personalised PageRank walk of ``queries`` but its last step, which
        :meth:`features_many` takes for its candidates only: made once, it serves every
        candidate set of the same queries."""
        return self._walk(self._start(queries))

    def features_many(self, queries: Sequence[np.ndarray],
                      candidate_rows: np.ndarray | None = None,
                      names: Sequence[str] = FEATURES, *,
                      walk: PageRankWalk | None = None) -> dict[str, np.ndarray]:
        """Features for several queries at once: ``{name: array (n_queries, n_candidates)}``.

        The work is a handful of sparse products over an org x query indicator matrix, so a
        batch of a few hundred queries costs little more than one. ``walk``: the
        :meth:`walk` of the same ``queries``, made earlier.
        """
        unknown = set(names) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown graph features {sorted(unknown)}; valid: {FEATURES}")
        x = self._start(queries)
        xt = x.T.tocsr()  # queries x orgs: products with it read the query orgs' rows only
        cand = np.arange(self.n_orgs) if candidate_rows is None else np.asarray(candidate_rows)
        out: dict[str, np.ndarray] = {}
        want = set(names)
        dense = len(queries) <= DENSE_UP_TO
        if want & {"direct", "common_neighbours", "adamic_adar"}:
            inc = self.incidence_ if candidate_rows is None else self.incidence_[cand]
            # query orgs in each project (queries x projects): the query orgs' incidence rows
            per_project = sp.csr_matrix(xt @ self.incidence_)
            if "direct" in want:
                out["direct"] = _t(inc @ _rhs(_binary(per_project), dense))
            if "common_neighbours" in want:
                out["common_neighbours"] = _t(inc @ _rhs(per_project, dense))
            if "adamic_adar" in want:
                scaled = sp.csr_matrix(per_project @ sp.diags(self._aa_project))
                out["adamic_adar"] = _t(inc @ _rhs(scaled, dense))
        if want & {"direct_orgs", "partners_of_partners"}:
            # near[k, z]: query-k orgs z knew (the adjacency is symmetric: read query rows)
            near = sp.csr_matrix(xt @ self.adjacency_)
            if "direct_orgs" in want:
                out["direct_orgs"] = np.asarray(near.tocsc()[:, cand].toarray(),
                                                dtype=np.float32)
            if "partners_of_partners" in want:
                adj = self.adjacency_ if candidate_rows is None else self.adjacency_[cand]
                out["partners_of_partners"] = _t(adj @ _rhs(near, dense))
        if "ppr" in want:
            out["ppr"] = (walk or self._walk(x)).last_step(
                self, cand if candidate_rows is not None else None).T
        for name in _STATIC:
            if name in want:
                out[name] = np.broadcast_to(self._static[name][cand], (len(queries), cand.size))
        return {name: out[name] for name in names}

    def features_one(self, query_rows: np.ndarray, candidate_rows: np.ndarray,
                     names: Sequence[str] = FEATURES, *,
                     walk: PageRankWalk | None = None) -> dict[str, np.ndarray]:
        """:meth:`features_many` of one query for ``candidate_rows``: ``{name: (candidates,)}``,
        the same values to the bit, at the cost of the query's own projects and their members
        rather than of the candidates' rows (a query's projects are few, its candidates
        thousands). ``walk``: the query's :meth:`walk`, made earlier."""
        unknown = set(names) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown graph features {sorted(unknown)}; valid: {FEATURES}")
        want = set(names)
        cand = np.asarray(candidate_rows, dtype=np.int64)
        rest = [n for n in names if n not in _FROM_QUERY_PROJECTS]
        if rest:  # the walk, partners of partners and the static features: as for many
            found = {k: v[0] for k, v in self.features_many(
                [np.asarray(query_rows)], cand, rest, walk=walk).items()}
        else:
            found = {}
        if not want & set(_FROM_QUERY_PROJECTS):
            return {name: found[name] for name in names}
        xt = self._start([np.asarray(query_rows)]).T.tocsr()
        if want & {"direct", "common_neighbours", "adamic_adar"}:
            # query organisations in each project; each candidate sums, in project order,
            # one value per project it shares with them: the members of those projects,
            # read from the projects' rows, as the candidates' own rows would give them
            per_project = sp.csr_matrix(xt @ self.incidence_)
            per_project.sort_indices()  # in project order, as a candidate's row reads them
            projects = per_project.indices
            members = sp.csr_matrix(self.incidence_t_[projects]).T
            counts = per_project.data.astype(np.float32)
            values = {"direct": np.ones_like(counts), "common_neighbours": counts,
                      "adamic_adar": counts * self._aa_project[projects]}
            for name in ("direct", "common_neighbours", "adamic_adar"):
                if name in want:
                    total = np.asarray(members @ values[name], dtype=np.float32)
                    found[name] = total[cand]
        if "direct_orgs" in want:
            near = np.asarray(sp.csr_matrix(xt @ self.adjacency_).toarray()[0],
                              dtype=np.float32)
            found["direct_orgs"] = near[cand]
        return {name: found[name] for name in names}

    def _walk(self, x: sp.csr_matrix) -> PageRankWalk:
        """Random walk with restart on the bipartite graph, started uniformly on each query.

        ``ppr_steps - 1`` power-iteration steps; while the walk's support is small a step
        reads the rows of the support only. Every step adds the same terms in the same order
        however many queries walk at once (the rows outside a query's support add exact
        zeros), so a query gets the same values alone or in a batch.
        """
        sizes = np.asarray(x.sum(axis=0)).ravel()
        start: np.ndarray = (x @ sp.diags(np.divide(1.0, sizes, out=np.zeros_like(sizes),
                                                    where=sizes > 0))).toarray()
        start = start.astype(np.float32)
        r = start.copy()
        restart = np.float32(self.restart) * start
        keep = np.float32(1.0 - self.restart)
        inv_org, inv_proj = self.inv_org_deg, self.inv_proj_deg
        for _step in range(self.ppr_steps - 1):
            support = np.flatnonzero(r.any(axis=1))
            if support.size * 8 > self.n_orgs:
                back = (self.incidence_t_ @ (r * inv_org[:, None])) * inv_proj[:, None]
                r = np.asarray(self.incidence_ @ back, dtype=np.float32)
            else:
                projects = self.incidence_[support].T @ (r[support] * inv_org[support, None])
                touched = np.flatnonzero(projects.any(axis=1))
                back = projects[touched] * inv_proj[touched, None]
                r = np.asarray(self.incidence_t_[touched].T @ back, dtype=np.float32)
            r *= keep
            r += restart
        back = (self.incidence_t_ @ (r * inv_org[:, None])) * inv_proj[:, None]
        return PageRankWalk(np.asarray(back, dtype=np.float32), restart, keep)

    def past_partners(self, row: int) -> list[tuple[int, int]]:
        """``(row, projects shared)`` of everyone ``row`` worked with, most shared first."""
        start, end = self.shared_.indptr[row], self.shared_.indptr[row + 1]
        pairs = zip(self.shared_.indices[start:end].tolist(),
                    self.shared_.data[start:end].tolist(), strict=True)
        return sorted(((int(r), int(c)) for r, c in pairs), key=lambda p: (-p[1], p[0]))




def _t(m: object) -> np.ndarray:
    """Dense float32 transpose: (candidates x queries) -> (queries x candidates)."""
    dense = m if isinstance(m, np.ndarray) else sp.csr_matrix(m).toarray()
    return np.asarray(dense, dtype=np.float32).T  # a view: transposing copies cost more


def _rhs(m: sp.csr_matrix, dense: bool) -> np.ndarray | sp.csr_matrix:
    """A (queries x k) matrix as the right-hand side (k x queries) of a product."""
    return m.toarray().T if dense else sp.csr_matrix(m.T)


def _binary(m: np.ndarray | sp.csr_matrix) -> np.ndarray | sp.csr_matrix:
    if isinstance(m, np.ndarray):
        return (m > 0).astype(np.float32)
    b = m.copy()
    b.data[:] = 1.0
    return b
