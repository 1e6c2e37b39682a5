"""Latent collaboration: who works with whom, as factors learned by implicit ALS.

:class:`LatentCollaboration` follows scikit-learn (``fit``, attributes ending in ``_``). It
factorises the binary project x organisation matrix of the registry with alternating least
squares for implicit feedback (the ``implicit`` package: Hu, Koren and Volinsky 2008): each
project is a "user" whose "items" are its members, seen with confidence ``alpha``. The
organisations' factors are kept; a query (organisations that would work together) is
*folded in* as a new project: its factor solves the same regularised least squares as a
project's (:meth:`fold_in`, the closed form ``implicit`` uses to recalculate a user), so
an organisation's score for the query, ``query factor . organisation factor``, says how
well it completes that group in the latent space of past consortia.

The factors are saved with the index as a plain array (no pickle) with their parameters.

>>> import scipy.sparse as sp
>>> inc = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=np.float32))
>>> latent = LatentCollaboration(factors=2, iterations=10).fit(inc)
>>> scores = latent.scores(latent.fold_in([np.array([0])]))[0]
>>> int(np.argmax(np.where(np.arange(4) == 0, -np.inf, scores)))
1
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["LatentCollaboration"]


class LatentCollaboration:
    """Implicit-feedback ALS factors of the organisations (module docstring).

    Parameters
    ----------
    factors : dimensions of the latent space.
    regularization : L2 penalty of the least squares.
    alpha : confidence of an observed membership.
    iterations : alternating rounds.
    random_state : seed of the initial factors.
    """

    def __init__(self, *, factors: int = 128, regularization: float = 1.0, alpha: float = 20.0,
                 iterations: int = 15, random_state: int = 0) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.random_state = random_state

    def get_params(self) -> dict[str, float]:
        return {"factors": self.factors, "regularization": self.regularization,
                "alpha": self.alpha, "iterations": self.iterations,
                "random_state": self.random_state}

    def fit(self, incidence: sp.spmatrix) -> LatentCollaboration:
        """Learn the organisations' factors from ``incidence`` (orgs x projects, any
        positive value a membership)."""
        from implicit.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        members = sp.csr_matrix(incidence, dtype=np.float32, copy=True)
        members.data[:] = 1.0
        members.eliminate_zeros()
        projects = members.T.tocsr()  # users x items, as implicit reads them
        n_orgs = members.shape[0]
        if projects.nnz == 0 or n_orgs == 0:
            return self.set_fitted(np.zeros((n_orgs, self.factors), dtype=np.float32))
        # implicit runs its own threads: BLAS's would oversubscribe the cores (and the
        # model warns when made with them on)
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                factors=self.factors, regularization=self.regularization, alpha=self.alpha,
                iterations=self.iterations, random_state=self.random_state,
                calculate_training_loss=False, use_gpu=False)
            model.fit(projects, show_progress=False)
        return self.set_fitted(np.asarray(model.item_factors, dtype=np.float32))

    def set_fitted(self, item_factors: np.ndarray,
                   gram: np.ndarray | None = None) -> LatentCollaboration:
        """Restore a fitted state (a saved index): the organisations' factors and, when
        saved, their Gram matrix ``Y'Y`` (recomputing it takes a float64 copy of every
        factor: a second at 250,000 organisations)."""
        self.item_factors_ = np.ascontiguousarray(item_factors, dtype=np.float32)
        if gram is None:
            y = self.item_factors_.astype(np.float64)
            gram = y.T @ y
        self.gram_ = np.asarray(gram, dtype=np.float64)
        return self

    def refresh(self, incidence: sp.spmatrix, rows: np.ndarray) -> LatentCollaboration:
        """A copy for ``incidence`` (this fit's organisations first, then new ones): the
        factors of organisation ``rows`` (new, or whose projects changed) learnt again, the
        others' kept. Every project's factor is solved from its members' factors, as ALS
        recalculates a user; then, ``iterations`` times as in a fit, the factors of
        ``rows`` by least squares with the projects' fixed (as ALS recalculates an item),
        and those of their projects from their members'. A new organisation starts from
        small random values, as in a fit, so that one whose projects hold no known
        organisation learns its factor with its new partners."""
        members = sp.csr_matrix(incidence, dtype=np.float32, copy=True)
        members.data[:] = 1.0
        members.eliminate_zeros()
        old = self.item_factors_
        rows = np.asarray(rows, dtype=np.int64)
        out = LatentCollaboration(**self.get_params())  # type: ignore[arg-type]
        if not rows.size and members.shape[0] == old.shape[0]:
            return out.set_fitted(old, self.gram_)
        factors = np.zeros((members.shape[0], old.shape[1]), dtype=np.float32)
        factors[:old.shape[0]] = old
        new = rows[rows >= old.shape[0]]
        rng = np.random.default_rng(self.random_state)
        factors[new] = rng.random((new.size, old.shape[1]), dtype=np.float32) * 0.01
        if rows.size and members.nnz:
            factors = self._learn(members, factors, rows)
        return out.set_fitted(factors)

    def _learn(self, members: sp.csr_matrix, factors: np.ndarray, rows: np.ndarray,
               ) -> np.ndarray:
        """:meth:`refresh`'s alternating least squares, with ``implicit``'s solver."""
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        projects = members.T.tocsr()
        touched = np.unique(members[rows].indices)
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                factors=factors.shape[1], regularization=self.regularization,
                alpha=self.alpha, iterations=self.iterations, random_state=self.random_state,
                calculate_training_loss=False)
            model.item_factors = factors
            model.user_factors = np.zeros((projects.shape[0], factors.shape[1]),
                                          dtype=np.float32)
            model.partial_fit_users(np.arange(projects.shape[0]), projects)
            for i in range(max(self.iterations, 1)):
                model.partial_fit_items(rows, members[rows])
                if i + 1 < self.iterations and touched.size:
                    model.partial_fit_users(touched, projects[touched])
        out: np.ndarray = np.asarray(model.item_factors, dtype=np.float32)
        return out

    @property
    def n_factors(self) -> int:
        return int(self.item_factors_.shape[1])

    def fold_in(self, queries: Sequence[np.ndarray]) -> np.ndarray:
        """``(queries, factors)``: each query's organisations folded in as a new project:
        ``(Y'Y + lambda I + (alpha - 1) Y_q'Y_q) x = alpha Y_q' 1``, the least squares
        ``implicit`` solves to recalculate a user."""
        f = self.n_factors
        out = np.zeros((len(queries), f), dtype=np.float32)
        base = self.gram_ + self.regularization * np.eye(f)
        for i, rows in enumerate(queries):
            rows = np.unique(np.asarray(rows, dtype=np.int64))
            if not rows.size:
                continue
            y = self.item_factors_[rows].astype(np.float64)
            a = base + (self.alpha - 1.0) * (y.T @ y)
            b = self.alpha * y.sum(axis=0)
            out[i] = np.linalg.solve(a, b)
        return out

    def scores(self, users: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """``(queries, rows)``: each folded-in query's score for the organisations of
        ``rows`` (default: all)."""
        items = self.item_factors_ if rows is None else self.item_factors_[rows]
        out: np.ndarray = (np.asarray(users, dtype=np.float32) @ items.T).astype(np.float32)
        return out
