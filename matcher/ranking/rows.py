"""Rows of a fitted matrix made again: what a refreshed index (:mod:`matcher.ranking.refresh`)
keeps of the old one and what it computes anew."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["replace_rows"]


def replace_rows(old: sp.spmatrix | np.ndarray, fresh: sp.spmatrix | np.ndarray,
                 rows: np.ndarray, n: int) -> sp.csr_matrix | np.ndarray:
    """``n`` rows: those of ``old`` (fewer or as many), except ``rows``, which are ``fresh``'s
    (one row each, in order); rows past ``old``'s and not in ``rows`` are zero. Dense when
    ``old`` is dense (float32), else CSR with the type of ``old``."""
    rows = np.asarray(rows, dtype=np.int64)
    if isinstance(old, np.ndarray):
        dense = np.zeros((n, old.shape[1]), dtype=np.float32)
        dense[:old.shape[0]] = old
        if rows.size:
            dense[rows] = (fresh.toarray() if isinstance(fresh, sp.spmatrix)
                           else np.asarray(fresh))
        return dense
    kept = sp.csr_matrix(old)
    dtype = kept.dtype
    fresh = sp.csr_matrix(fresh, dtype=dtype)
    # each output row's source in [old rows, fresh rows, one empty row]
    blank = kept.shape[0] + fresh.shape[0]
    take = np.full(n, blank, dtype=np.int64)
    take[:kept.shape[0]] = np.arange(kept.shape[0])
    take[rows] = kept.shape[0] + np.arange(rows.size)
    stacked = sp.vstack([kept, fresh, sp.csr_matrix((1, kept.shape[1]), dtype=dtype)],
                        format="csr")
    out: sp.csr_matrix = sp.csr_matrix(stacked[take], dtype=dtype)
    return out
