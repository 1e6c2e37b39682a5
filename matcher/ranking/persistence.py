"""Saving and loading a fitted :class:`~matcher.ranking.ranker.Ranker` without pickle.

A saved ranker is a directory of files that a search maps into memory rather than reads, so
that it touches only the pages it needs:

- ``ranker.json``: format version, registry fingerprint, parameters, weights, the vectoriser's
  vocabularies (theme codes, categories, countries), the registry's themes and country
  names, and the name, shape and type of every array below (written last: a directory
  without it holds no ranker);
- one ``NAME.npy`` per array (uncompressed, ``allow_pickle=False``, loaded with
  ``mmap_mode``): the incidence matrix, project years, theme and text blocks, the text idf
  arrays, the SVD components when the text is reduced, the projects' word vectors with
  their idf and the SVD that reduced the organisations' work profiles
  (:class:`~matcher.ranking.similar.ProjectTexts`), the topical index
  (:class:`~matcher.ranking.topical.TopicalIndex`: its hashed columns, BM25F document
  matrix by rows and by columns, document frequencies and idf, the mean length of each field
  and the role of each fixed expression, which a refresh reads), and the organisations'
  latent collaboration factors (:class:`~matcher.ranking.latent.LatentCollaboration`) with
  their Gram matrix; a sparse matrix is its ``_data``, ``_indices`` and ``_indptr``
  arrays and its ``_shape``. What a query reads by columns is saved by columns: made again
  on every load, it was a second of each warm search at 250,000 organisations;
- ``orgs.*`` and ``projects.*``: the organisations' and projects' texts (names,
  descriptions, summaries...) as :mod:`matcher.registry.records` tables, read a value at a
  time: loading parses none of them (they were 200 MB of JSON at 250,000 organisations),
  and a search decodes those of the organisations it shows.

The collaboration graph is rebuilt on load from the incidence and the projects shared by
each pair of organisations (saved: their product was the costliest step of a load), and so
are the evidence counts by call-topic family and theme (saved too).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, overload

import numpy as np
import scipy.sparse as sp

from matcher.errors import DataFileError
from matcher.ranking.features import FeatureSpace
from matcher.ranking.graph import CollaborationGraph
from matcher.ranking.latent import LatentCollaboration
from matcher.ranking.similar import ProjectTexts
from matcher.ranking.topical import FIELDS, TopicalIndex
from matcher.ranking.topics import TopicIndex
from matcher.ranking.vectorise import ProfileBlocks, ProfileVectoriser
from matcher.ranking.weights import Weights
from matcher.registry.records import LazyRecords, TextTable, values_of, write_table
from matcher.registry.reference import Reference
from matcher.registry.snapshot import OrgProfile, ProjectInfo, Registry, ThemeInfo

__all__ = ["FORMAT_VERSION", "load_ranker", "save_ranker"]

#: 7: arrays as separate ``.npy`` files, texts as lazily read tables, the graph's shared
#: projects and the topic and theme counts kept (6: ``arrays.npz`` and every text in
#: ``ranker.json``); a saved ranker of another format is rebuilt.
FORMAT_VERSION = 7
META_FILE = "ranker.json"
_VECTORISER_PARAMS = ("n_features", "char_weight", "text_dims", "max_sparse_nnz",
                      "svd_sample", "svd_max_columns", "random_state")

_ORG_TEXT = ("pic", "oid", "erasmus_code", "name", "country", "city", "category", "type_code",
             "themes", "description", "website", "aliases")
_PROJECT_TEXT = ("identifier", "programme", "action", "title", "summary", "themes",
                 "acronym", "topic_code", "topic_title")
_TUPLES = ("themes", "aliases")
#: Files of the format before this one, removed when a ranker is saved over them.
_OLD_FILES = ("arrays.npz", "arrays.tmp.npz", "ranker.json.tmp")


def _put_csr(arrays: dict[str, np.ndarray], name: str, m: sp.spmatrix) -> None:
    _put_sparse(arrays, name, sp.csr_matrix(m))


def _put_csc(arrays: dict[str, np.ndarray], name: str, m: sp.spmatrix) -> None:
    """A matrix by columns (a posting list per term), as a query reads it."""
    _put_sparse(arrays, name, sp.csc_matrix(m))


def _put_sparse(arrays: dict[str, np.ndarray], name: str,
                m: sp.csr_matrix | sp.csc_matrix) -> None:
    arrays[f"{name}_data"] = m.data
    arrays[f"{name}_indices"] = m.indices
    arrays[f"{name}_indptr"] = m.indptr
    arrays[f"{name}_shape"] = np.array(m.shape, dtype=np.int64)


def _get_csr(arrays: _Arrays, name: str) -> sp.csr_matrix:
    return sp.csr_matrix(_sparse_parts(arrays, name), shape=_shape(arrays, name))


def _get_csc(arrays: _Arrays, name: str) -> sp.csc_matrix:
    return sp.csc_matrix(_sparse_parts(arrays, name), shape=_shape(arrays, name))


def _shape(arrays: _Arrays, name: str) -> tuple[int, int]:
    rows, cols = arrays[f"{name}_shape"].tolist()
    return int(rows), int(cols)


def _sparse_parts(arrays: _Arrays, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (arrays[f"{name}_data"], arrays[f"{name}_indices"], arrays[f"{name}_indptr"])


class _Arrays:
    """The arrays of a saved ranker, each memory-mapped when first asked for, checked
    against the shape and type ``ranker.json`` gives it."""

    def __init__(self, directory: Path, listed: dict[str, list[Any]]) -> None:
        self.directory = directory
        self.listed = listed
        self._loaded: dict[str, np.ndarray] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.listed

    @overload
    def get(self, name: str) -> np.ndarray | None: ...

    @overload
    def get(self, name: str, default: np.ndarray) -> np.ndarray: ...

    def get(self, name: str, default: np.ndarray | None = None) -> np.ndarray | None:
        return self[name] if name in self.listed else default

    def __getitem__(self, name: str) -> np.ndarray:
        found = self._loaded.get(name)
        if found is None:
            found = self._loaded[name] = _open_array(self.directory / f"{name}.npy",
                                                     *self.listed[name])
        return found


def _open_array(path: Path, shape: list[int], dtype: str) -> np.ndarray:
    if not path.is_file():
        raise DataFileError(path, "missing from the saved ranker: rebuild it with "
                            "`matcher index --rebuild`")
    # copy on write: the pages are read from the file when touched, and an array that a
    # caller changes in place (scipy sorting indices) changes in memory, never on disk
    mapped = np.load(path, mmap_mode="c", allow_pickle=False)
    if list(mapped.shape) != list(shape) or mapped.dtype.str != dtype:
        raise ValueError(f"{path.name} holds {mapped.dtype.str} {list(mapped.shape)}, "
                         f"expected {dtype} {list(shape)}")
    out: np.ndarray = mapped.view(np.ndarray)
    return out


def save_ranker(space: FeatureSpace, weights: Weights | None, params: dict[str, int],
                directory: Path) -> None:
    """Write a fitted ranker's parts; ``weights`` None: the default ones, re-read on load."""
    directory.mkdir(parents=True, exist_ok=True)
    reg, vec, blocks = space.registry, space.vectoriser, space.blocks
    arrays: dict[str, np.ndarray] = {
        "years": reg.project_years,
        "category": blocks.category, "country": blocks.country,
        "theme_idf": vec.theme_idf_, "word_idf": vec.word_idf_, "char_idf": vec.char_idf_,
    }
    arrays["org_id"] = np.array(values_of(reg.orgs, "id"), dtype=np.int64)
    arrays["org_eche"] = np.array(values_of(reg.orgs, "eche"), dtype=bool)
    arrays["project_id"] = np.array(values_of(reg.projects, "id"), dtype=np.int64)
    _put_csr(arrays, "incidence", reg.incidence)
    _put_csr(arrays, "themes", blocks.themes)
    if sp.issparse(blocks.text):  # by columns: how a query reads it
        _put_csr(arrays, "text", sp.csr_matrix(sp.csc_matrix(blocks.text).T))
    else:
        arrays["text_dense"] = np.asarray(blocks.text)
    arrays["work_profile"] = space.texts.work_profiles_
    if space.texts.components_ is not None:  # what a refresh reduces new profiles with
        arrays["work_components"] = space.texts.components_
        arrays["work_columns"] = space.texts.component_columns_
    if vec.svd_components_ is not None:
        arrays["svd_components"] = vec.svd_components_
        arrays["svd_columns"] = vec.svd_columns_
    texts = space.texts
    _put_csc(arrays, "project_text", texts.postings_)
    used = np.flatnonzero(texts.idf_).astype(np.int64)
    arrays["project_idf_columns"] = used
    arrays["project_idf"] = texts.idf_[used]
    topical = space.topical
    arrays["topical_columns"] = topical.columns_
    _put_csr(arrays, "topical_documents", topical.documents_)
    _put_csc(arrays, "topical_postings", topical.postings_)
    arrays["topical_df"] = topical.df_
    arrays["topical_idf"] = topical.idf_
    arrays["topical_collocations"] = topical.collocations_
    arrays["topical_context"] = topical.context_
    if topical.collocation_roles_ is not None:  # what a refresh checks them again with
        arrays["topical_collocation_roles"] = topical.collocation_roles_
    if topical.field_means_ is not None:  # what a refresh weighs new documents with
        arrays["topical_field_means"] = np.array(
            [topical.field_means_.get(name, np.nan) for name in FIELDS], dtype=np.float64)
    arrays["latent_factors"] = space.latent.item_factors_
    arrays["latent_gram"] = space.latent.gram_
    # what a load would make again from every project: the costliest products of a load
    _put_csr(arrays, "graph_shared", space.graph.shared_)
    _put_csr(arrays, "topic_matrix", space.topics.matrix_)
    _put_csr(arrays, "family_counts", space.family_counts)
    _put_csr(arrays, "theme_counts", space.theme_counts)
    meta = {
        "format": FORMAT_VERSION,
        "registry_fingerprint": reg.fingerprint,
        "params": params,
        "vectoriser": {p: getattr(vec, p) for p in _VECTORISER_PARAMS},
        # default weights are re-read on load: a new model_weights.json needs no re-index
        "weights": None if weights is None else weights.to_json(),
        "project_texts": {"n_features": texts.n_features, "min_df": texts.min_df,
                          "top_k": texts.top_k, "stop_words": sorted(texts.stop_words_)},
        "topical": topical.get_params(),
        "latent": space.latent.get_params(),
        "theme_codes": list(vec.theme_codes_),
        "categories": list(vec.categories_),
        "countries": list(vec.countries_),
        "topic_families": list(space.topics.families_),
        "themes": [[t.code, t.kind, t.label_en, t.label_fi] for t in reg.themes.values()],
        "reference": None if reg.reference is None else reg.reference.to_json(),
        "country_names": reg.countries,
    }
    meta_path = directory / META_FILE
    # without its ranker.json, a directory holds no ranker: a save that stops half-way
    # leaves nothing that loads (the index writes a new folder and renames it)
    meta_path.unlink(missing_ok=True)
    for name in _OLD_FILES:
        (directory / name).unlink(missing_ok=True)
    listed: dict[str, list[Any]] = {}
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        np.save(directory / f"{name}.npy", array, allow_pickle=False)
        listed[name] = [list(array.shape), array.dtype.str]
    meta["arrays"] = listed
    meta["tables"] = {
        "orgs": write_table(directory, "orgs", {f: values_of(reg.orgs, f) for f in _ORG_TEXT},
                            _TUPLES),
        "projects": write_table(directory, "projects",
                                {f: values_of(reg.projects, f) for f in _PROJECT_TEXT}, _TUPLES),
    }
    tmp = directory / f"{META_FILE}.tmp"
    tmp.write_text(json.dumps(meta, ensure_ascii=False, separators=(",", ":")),
                   encoding="utf-8")
    tmp.replace(meta_path)


_Parts = tuple[FeatureSpace, Weights | None, dict[str, Any]]


def load_ranker(directory: Path) -> _Parts:
    """The saved feature space, weights (``None`` when the ranker used the default weights)
    and parameters.

    A damaged save (a truncated or missing ``.npy``, wrong JSON) raises ``DataFileError``,
    never a numpy error. A file damaged inside (its size and header intact) is not read
    whole here: :func:`matcher.ranking.index.check_index` compares checksums.
    """
    try:
        return _load(directory)
    except DataFileError:
        raise
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise DataFileError(directory, f"cannot read the saved ranker ({type(exc).__name__}: "
                            f"{exc}); rebuild it with `matcher index --rebuild`") from exc


def _load(directory: Path) -> _Parts:
    meta_path = directory / META_FILE
    if not meta_path.is_file():
        raise DataFileError(meta_path, "no saved ranker here: build one with `matcher index`")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DataFileError(meta_path, f"not valid JSON ({exc}); rebuild with `matcher index`"
                            ) from exc
    if meta.get("format") != FORMAT_VERSION:
        raise DataFileError(meta_path, f"saved ranker format {meta.get('format')!r}; this "
                            f"version reads format {FORMAT_VERSION}: rebuild with `matcher index`")
    arrays = _Arrays(directory, meta["arrays"])
    tables = meta["tables"]
    orgs = LazyRecords(OrgProfile, TextTable.open(directory, "orgs", tables["orgs"]),
                       {"id": arrays["org_id"], "eche": arrays["org_eche"]})
    projects = LazyRecords(ProjectInfo, TextTable.open(directory, "projects", tables["projects"]),
                           {"id": arrays["project_id"], "start_year": arrays["years"]},
                           {"start_year": _year})
    registry = Registry(
        orgs=orgs,
        projects=projects,
        incidence=_get_csr(arrays, "incidence"),
        themes={t[0]: ThemeInfo(*t) for t in meta["themes"]},
        countries=meta["country_names"],
        fingerprint=meta["registry_fingerprint"],
        reference=(None if meta["reference"] is None
                   else Reference.from_json(meta["reference"])),
    )
    vec = ProfileVectoriser(**meta["vectoriser"])
    vec.theme_codes_ = tuple(meta["theme_codes"])
    vec.theme_col_ = {c: i for i, c in enumerate(vec.theme_codes_)}
    vec.categories_ = tuple(meta["categories"])
    vec.countries_ = tuple(meta["countries"])
    vec.theme_idf_ = arrays["theme_idf"]
    vec.word_idf_ = arrays["word_idf"]
    vec.char_idf_ = arrays["char_idf"]
    vec.svd_components_ = arrays.get("svd_components")
    vec.svd_columns_ = arrays.get("svd_columns", np.zeros(0, dtype=np.int64))
    text = (arrays["text_dense"] if "text_dense" in arrays
            else sp.csc_matrix(_get_csr(arrays, "text").T))
    blocks = ProfileBlocks(themes=_get_csr(arrays, "themes"), text=text,
                           category=arrays["category"], country=arrays["country"])
    saved = meta["project_texts"]
    texts = ProjectTexts(n_features=saved["n_features"], min_df=saved["min_df"],
                         top_k=saved["top_k"])
    idf = np.zeros(texts.n_features, dtype=np.float32)
    idf[arrays["project_idf_columns"]] = arrays["project_idf"]
    texts.set_fitted(_get_csc(arrays, "project_text"), idf, frozenset(saved["stop_words"]),
                     arrays["work_profile"], arrays.get("work_components"),
                     arrays.get("work_columns"))
    topical = TopicalIndex(**meta["topical"]).set_fitted(
        arrays["topical_columns"], _get_csr(arrays, "topical_documents"),
        arrays["topical_df"], arrays["topical_idf"], registry.incidence,
        arrays["topical_collocations"], arrays["topical_context"],
        _get_csc(arrays, "topical_postings"), field_means=_field_means(arrays),
        roles=arrays.get("topical_collocation_roles"))
    latent = LatentCollaboration(**meta["latent"]).set_fitted(arrays["latent_factors"],
                                                              arrays["latent_gram"])
    weights = None if meta["weights"] is None else Weights.from_json(meta["weights"])
    graph = CollaborationGraph(registry.incidence, registry.project_years,
                               shared=_get_csr(arrays, "graph_shared"))
    counts = (TopicIndex.fitted(meta["topic_families"], _get_csr(arrays, "topic_matrix")),
              _get_csr(arrays, "family_counts"), _get_csr(arrays, "theme_counts"))
    space = FeatureSpace(registry, vec, blocks, graph, texts, topical, latent, counts=counts)
    return space, weights, meta["params"]


def _field_means(arrays: _Arrays) -> dict[str, float] | None:
    saved = arrays.get("topical_field_means")
    if saved is None:
        return None
    return {name: float(v) for name, v in zip(FIELDS, saved.tolist(), strict=True)
            if not np.isnan(v)}


def _year(value: int) -> int | None:
    return value if value >= 0 else None
