"""Saving and loading a fitted :class:`~matcher.ranking.ranker.Ranker` without pickle.

A saved ranker is a directory with two files:

- ``ranker.json``: format version, registry fingerprint, parameters, weights, the vectoriser's
  vocabularies (theme codes, categories, countries) and the registry's organisations,
  projects, themes and country names (so ``search`` never reads the database);
- ``arrays.npz`` (``allow_pickle=False``): the incidence matrix, project years, theme and text
  blocks, the text idf arrays, the SVD components when the text is reduced, the
  projects' word vectors with their idf (:class:`~matcher.ranking.similar.ProjectTexts`),
  and the topical index (:class:`~matcher.ranking.topical.TopicalIndex`: its hashed columns,
  BM25F document matrix by rows and by columns, document frequencies and idf), and the
  organisations' latent collaboration factors
  (:class:`~matcher.ranking.latent.LatentCollaboration`) with their Gram matrix and their
  parameters in the JSON. What a query reads by columns is saved by columns: made again on
  every load, it was a second of each warm search at 250,000 organisations.

The collaboration graph and the topic families are rebuilt on load (a few sparse products).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import scipy.sparse as sp

from matcher.errors import DataFileError
from matcher.ranking.features import FeatureSpace
from matcher.ranking.graph import CollaborationGraph
from matcher.ranking.latent import LatentCollaboration
from matcher.ranking.similar import ProjectTexts
from matcher.ranking.topical import TopicalIndex
from matcher.ranking.vectorise import ProfileBlocks, ProfileVectoriser
from matcher.ranking.weights import Weights
from matcher.registry.reference import Reference
from matcher.registry.snapshot import OrgProfile, ProjectInfo, Registry, ThemeInfo

__all__ = ["load_ranker", "save_ranker"]

FORMAT_VERSION = 6
_VECTORISER_PARAMS = ("n_features", "char_weight", "text_dims", "max_sparse_nnz",
                      "svd_sample", "svd_max_columns", "random_state")


_ORG_TEXT = ("pic", "oid", "erasmus_code", "name", "country", "city", "category", "type_code",
             "description", "website")
_PROJECT_TEXT = ("identifier", "programme", "action", "title", "summary", "acronym",
                 "topic_code", "topic_title")
_SEP, _NONE, _ITEM = "\x1f", "\x1e", "\x1d"


def _unpack(packed: str | list[str | None], n: int) -> list[str | None]:
    if isinstance(packed, list):
        return packed
    if n == 0:
        return []
    return [None if v == _NONE else v for v in packed.split(_SEP)]


def _joined_items(values: list[tuple[str, ...]]) -> list[str | None]:
    if any(_ITEM in item for items in values for item in items):
        raise ValueError("a name contains the control character U+001D")
    return [_ITEM.join(items) for items in values]


class _Column:
    """A text column, written as one string of its values joined by ``_SEP`` (decoding one
    long JSON string is ~10x faster than a list of short ones), or as a plain list when a
    value contains the separator characters. Written a slice at a time: the joined string
    of 100,000 project summaries, its JSON and its bytes were the peak of saving at
    250,000 organisations."""

    def __init__(self, values: list[str | None]) -> None:
        self.values = values

    def write(self, fh: TextIO, step: int = 10_000) -> None:
        values = self.values
        if any(v is not None and (_SEP in v or _NONE in v or _ITEM in v) for v in values):
            fh.write(json.dumps(values, ensure_ascii=False, separators=(",", ":")))
            return
        fh.write('"')
        for start in range(0, len(values), step):
            part = _SEP.join(_NONE if v is None else v for v in values[start:start + step])
            # JSON escapes each character alone: the slices' escapes are the whole's
            fh.write(json.dumps(_SEP + part if start else part, ensure_ascii=False)[1:-1])
        fh.write('"')


def _dump(value: Any, fh: TextIO) -> None:
    """``json.dump(value, fh, ensure_ascii=False, separators=(",", ":"))``, each
    :class:`_Column` written as its packed string."""
    if isinstance(value, _Column):
        value.write(fh)
    elif isinstance(value, dict):
        fh.write("{")
        for i, (key, item) in enumerate(value.items()):
            fh.write(("," if i else "") + json.dumps(str(key), ensure_ascii=False) + ":")
            _dump(item, fh)
        fh.write("}")
    else:
        fh.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _unpack_items(packed: str | list[str | None], n: int) -> list[tuple[str, ...]]:
    return [tuple(v.split(_ITEM)) if v else () for v in _unpack(packed, n)]


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


def _get_csr(arrays: Any, name: str) -> sp.csr_matrix:
    return sp.csr_matrix(_sparse_parts(arrays, name), shape=tuple(arrays[f"{name}_shape"]))


def _get_csc(arrays: Any, name: str) -> sp.csc_matrix:
    return sp.csc_matrix(_sparse_parts(arrays, name), shape=tuple(arrays[f"{name}_shape"]))


def _sparse_parts(arrays: Any, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (arrays[f"{name}_data"], arrays[f"{name}_indices"], arrays[f"{name}_indptr"])


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
    arrays["org_id"] = np.array([o.id for o in reg.orgs], dtype=np.int64)
    arrays["org_eche"] = np.array([o.eche for o in reg.orgs], dtype=bool)
    arrays["project_id"] = np.array([p.id for p in reg.projects], dtype=np.int64)
    _put_csr(arrays, "incidence", reg.incidence)
    _put_csr(arrays, "themes", blocks.themes)
    if sp.issparse(blocks.text):  # by columns: how a query reads it
        _put_csr(arrays, "text", sp.csr_matrix(sp.csc_matrix(blocks.text).T))
    else:
        arrays["text_dense"] = np.asarray(blocks.text)
    arrays["work_profile"] = space.texts.work_profiles_
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
    arrays["latent_factors"] = space.latent.item_factors_
    arrays["latent_gram"] = space.latent.gram_
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
        "orgs": {name: _Column([getattr(o, name) for o in reg.orgs]) for name in _ORG_TEXT},
        "org_themes": _Column(_joined_items([o.themes for o in reg.orgs])),
        "org_aliases": _Column(_joined_items([o.aliases for o in reg.orgs])),
        "projects": {name: _Column([getattr(p, name) for p in reg.projects])
                     for name in _PROJECT_TEXT},
        "project_themes": _Column(_joined_items([p.themes for p in reg.projects])),
        "themes": [[t.code, t.kind, t.label_en, t.label_fi] for t in reg.themes.values()],
        "reference": None if reg.reference is None else reg.reference.to_json(),
        "country_names": reg.countries,
    }
    # write to temporary names first so a crash never leaves a half-written pair
    tmp_npz = directory / "arrays.tmp.npz"
    np.savez(tmp_npz, **arrays)  # type: ignore[arg-type]
    tmp_json = directory / "ranker.json.tmp"
    # written as it is encoded: the whole text, then its bytes, were 900 MB more at
    # 250,000 organisations
    with tmp_json.open("w", encoding="utf-8") as fh:
        _dump(meta, fh)
    tmp_npz.replace(directory / "arrays.npz")
    tmp_json.replace(directory / "ranker.json")


_Parts = tuple[FeatureSpace, Weights | None, dict[str, Any]]


def load_ranker(directory: Path) -> _Parts:
    """The saved feature space, weights (``None`` when the ranker used the default weights)
    and parameters.

    A damaged save (truncated ``.npz``, wrong JSON) raises ``DataFileError``, never a
    zipfile or numpy error.
    """
    try:
        return _load(directory)
    except DataFileError:
        raise
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError,
            zipfile.BadZipFile) as exc:
        raise DataFileError(directory, f"cannot read the saved ranker ({type(exc).__name__}: "
                            f"{exc}); rebuild it with `matcher index --rebuild`") from exc


def _load(directory: Path) -> _Parts:
    meta_path, npz_path = directory / "ranker.json", directory / "arrays.npz"
    for path in (meta_path, npz_path):
        if not path.is_file():
            raise DataFileError(path, "no saved ranker here: build one with `matcher index`")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DataFileError(meta_path, f"not valid JSON ({exc}); rebuild with `matcher index`"
                            ) from exc
    if meta.get("format") != FORMAT_VERSION:
        raise DataFileError(meta_path, f"saved ranker format {meta.get('format')!r}; this "
                            f"version reads format {FORMAT_VERSION}: rebuild with `matcher index`")
    with npz_path.open("rb") as fh, np.load(fh, allow_pickle=False) as arrays:  # closed on errors
        n_orgs, n_projects = arrays["org_id"].size, arrays["project_id"].size
        o = {name: _unpack(meta["orgs"][name], n_orgs) for name in _ORG_TEXT}
        o_themes = _unpack_items(meta["org_themes"], n_orgs)
        o_aliases = _unpack_items(meta["org_aliases"], n_orgs)
        p = {name: _unpack(meta["projects"][name], n_projects) for name in _PROJECT_TEXT}
        p_themes = _unpack_items(meta["project_themes"], n_projects)
        years = arrays["years"].tolist()
        orgs = tuple(map(OrgProfile, arrays["org_id"].tolist(), o["pic"], o["oid"],
                         o["erasmus_code"], o["name"], o["country"], o["city"], o["category"],
                         o["type_code"], arrays["org_eche"].tolist(), o_themes,
                         o["description"], o["website"], o_aliases))
        projects = tuple(map(ProjectInfo, arrays["project_id"].tolist(), p["identifier"],
                             p["programme"], p["action"],
                             [y if y >= 0 else None for y in years], p["title"],
                             p["summary"], p_themes, p["acronym"], p["topic_code"],
                             p["topic_title"]))
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
        vec.svd_components_ = (arrays["svd_components"] if "svd_components" in arrays.files
                               else None)
        vec.svd_columns_ = (arrays["svd_columns"] if "svd_columns" in arrays.files
                            else np.zeros(0, dtype=np.int64))
        text = (arrays["text_dense"] if "text_dense" in arrays.files
                else sp.csc_matrix(_get_csr(arrays, "text").T))
        blocks = ProfileBlocks(themes=_get_csr(arrays, "themes"), text=text,
                               category=arrays["category"], country=arrays["country"])
        saved = meta["project_texts"]
        texts = ProjectTexts(n_features=saved["n_features"], min_df=saved["min_df"],
                             top_k=saved["top_k"])
        idf = np.zeros(texts.n_features, dtype=np.float32)
        idf[arrays["project_idf_columns"]] = arrays["project_idf"]
        texts.set_fitted(_get_csc(arrays, "project_text"), idf, frozenset(saved["stop_words"]),
                         arrays["work_profile"])
        topical = TopicalIndex(**meta["topical"]).set_fitted(
            arrays["topical_columns"], _get_csr(arrays, "topical_documents"),
            arrays["topical_df"], arrays["topical_idf"], registry.incidence,
            arrays["topical_collocations"], arrays["topical_context"],
            _get_csc(arrays, "topical_postings"))
        latent = LatentCollaboration(**meta["latent"]).set_fitted(arrays["latent_factors"],
                                                                  arrays["latent_gram"])
    weights = None if meta["weights"] is None else Weights.from_json(meta["weights"])
    space = FeatureSpace(registry, vec, blocks, CollaborationGraph.from_registry(registry), texts,
                         topical, latent)
    return space, weights, meta["params"]
