"""Call topics: ``SwafS-09-2018``, ``SC1-BHC-07-2019``, ``ERC-2017-STG``, and their families.

A topic's *family* is made of the first two non-numeric dash-separated parts of its code:
the programme line a call belongs to, stable across the years (``SC1-BHC``, ``MSCA-ITN``,
``ERC-STG``, ``SwafS``). Having worked in a family is evidence of knowing that kind of call.

>>> family("SC1-BHC-07-2019"), family("SwafS-09-2018"), family("ERC-2017-STG")
('SC1-BHC', 'SwafS', 'ERC-STG')

Families compare case-insensitively (``swafs`` is ``SwafS``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["TopicIndex", "family"]

def family(code: str) -> str:
    """The family of a topic code, or of a family given as is (``SwafS``, ``SC1-BHC``)."""
    parts = [p for p in code.strip().split("-") if p and not p.isdigit()]
    return "-".join(parts[:2])


class TopicIndex:
    """Which projects belong to which topic family, as a sparse (projects x families) matrix.

    >>> ix = TopicIndex(["SwafS-09-2018", None, "SC1-BHC-07-2019", "SwafS-01-2016"])
    >>> ix.families_
    ('SC1-BHC', 'SwafS')
    >>> ix.projects_of(["swafs-13-2019"]).tolist()
    [0, 3]
    """

    def __init__(self, codes: Sequence[str | None]) -> None:
        of = {c: family(c) for c in set(codes) if c}  # many projects share a topic
        keys = [of[c] if c else "" for c in codes]
        families = tuple(sorted({k for k in keys if k}))
        column = {f.casefold(): i for i, f in enumerate(families)}
        rows = [j for j, k in enumerate(keys) if k]
        cols = [column[k.casefold()] for k in keys if k]
        self._set(families, sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                                          shape=(len(codes), len(families))))

    @classmethod
    def fitted(cls, families: Sequence[str], matrix: sp.csr_matrix) -> TopicIndex:
        """The index whose ``families_`` and ``matrix_`` were saved (nothing recomputed)."""
        index = cls.__new__(cls)
        index._set(tuple(families), matrix)
        return index

    def _set(self, families: tuple[str, ...], matrix: sp.csr_matrix) -> None:
        self.families_ = families
        self._column = {f.casefold(): i for i, f in enumerate(families)}
        self.matrix_ = matrix
        self._by_family = matrix.tocsc()

    def column(self, code: str) -> int | None:
        """The column of the family of ``code`` (a topic code or a family), if known."""
        return self._column.get(family(code).casefold())

    def projects_of(self, codes: Iterable[str]) -> np.ndarray:
        """Sorted project columns in the families of ``codes``."""
        cols = [c for c in (self.column(code) for code in codes) if c is not None]
        m = self._by_family
        found = [m.indices[m.indptr[c]:m.indptr[c + 1]] for c in cols]
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int32)
