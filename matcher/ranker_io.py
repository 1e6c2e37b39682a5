"""Saving and loading a fitted :class:`~matcher.ranker.Ranker` without pickle.

A saved ranker is a directory with two files:

- ``ranker.json``: format version, registry fingerprint, parameters, weights, the vectoriser's
  vocabularies (theme codes, categories, countries) and the registry's organisations,
  projects, themes and country names (so ``search`` never reads the database);
- ``arrays.npz`` (``allow_pickle=False``): the incidence matrix, project years, theme and text
  blocks, the text idf arrays and the SVD components when the text is reduced.

The collaboration graph is rebuilt from the incidence matrix on load (a few sparse products).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from matcher.registry import OrgProfile, ProjectInfo, Registry, ThemeInfo
from matcher.vectorise import ProfileBlocks, ProfileVectoriser
from models.errors import DataFileError

if TYPE_CHECKING:
    from matcher.ranker import Ranker

__all__ = ["load_ranker", "save_ranker"]

FORMAT_VERSION = 1
_VECTORISER_PARAMS = ("n_features", "char_weight", "text_dims", "max_sparse_nnz",
                      "svd_sample", "svd_max_columns", "random_state")


_ORG_TEXT = ("pic", "oid", "erasmus_code", "name", "country", "city", "category", "type_code",
             "description")
_PROJECT_TEXT = ("identifier", "programme", "action", "title", "summary")
_SEP, _NONE = "\x1f", "\x1e"


def _pack(values: list[str | None]) -> str | list[str | None]:
    """A text column as one string (decoding one long JSON string is ~10x faster than a list
    of short ones); as a plain list when a value contains the separator characters."""
    if any(v is not None and (_SEP in v or _NONE in v) for v in values):
        return values
    return _SEP.join(_NONE if v is None else v for v in values)


def _unpack(packed: str | list[str | None], n: int) -> list[str | None]:
    if isinstance(packed, list):
        return packed
    if n == 0:
        return []
    return [None if v == _NONE else v for v in packed.split(_SEP)]


def _unpack_themes(packed: str | list[str | None], n: int) -> list[tuple[str, ...]]:
    return [tuple(v.split("|")) if v else () for v in _unpack(packed, n)]


def _put_csr(arrays: dict[str, np.ndarray], name: str, m: sp.csr_matrix) -> None:
    m = sp.csr_matrix(m)
    arrays[f"{name}_data"] = m.data
    arrays[f"{name}_indices"] = m.indices
    arrays[f"{name}_indptr"] = m.indptr
    arrays[f"{name}_shape"] = np.array(m.shape, dtype=np.int64)


def _get_csr(arrays: Any, name: str) -> sp.csr_matrix:
    return sp.csr_matrix((arrays[f"{name}_data"], arrays[f"{name}_indices"],
                          arrays[f"{name}_indptr"]), shape=tuple(arrays[f"{name}_shape"]))


def save_ranker(ranker: Ranker, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    reg, vec, blocks = ranker.registry_, ranker.vectoriser_, ranker.blocks_
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
    if sp.issparse(blocks.text):
        _put_csr(arrays, "text", sp.csr_matrix(blocks.text))
    else:
        arrays["text_dense"] = np.asarray(blocks.text)
    if vec.svd_components_ is not None:
        arrays["svd_components"] = vec.svd_components_
        arrays["svd_columns"] = vec.svd_columns_
    meta = {
        "format": FORMAT_VERSION,
        "registry_fingerprint": ranker.registry_fingerprint_,
        "params": {"n_content": ranker.n_content, "n_neighbours": ranker.n_neighbours},
        "vectoriser": {p: getattr(vec, p) for p in _VECTORISER_PARAMS},
        "weights": ranker.weights_,
        # default weights are re-read on load: a new model_weights.json needs no re-index
        "default_weights": ranker.weights is None,
        "theme_codes": list(vec.theme_codes_),
        "categories": list(vec.categories_),
        "countries": list(vec.countries_),
        "orgs": {name: _pack([getattr(o, name) for o in reg.orgs]) for name in _ORG_TEXT},
        "org_themes": _pack(["|".join(o.themes) for o in reg.orgs]),
        "projects": {name: _pack([getattr(p, name) for p in reg.projects])
                     for name in _PROJECT_TEXT},
        "project_themes": _pack(["|".join(p.themes) for p in reg.projects]),
        "themes": [[t.code, t.kind, t.label_en, t.label_fi] for t in reg.themes.values()],
        "country_names": reg.countries,
    }
    # write to temporary names first so a crash never leaves a half-written pair
    tmp_npz = directory / "arrays.tmp.npz"
    np.savez(tmp_npz, **arrays)  # type: ignore[arg-type]
    tmp_json = directory / "ranker.json.tmp"
    tmp_json.write_text(json.dumps(meta, ensure_ascii=False, separators=(",", ":")),
                        encoding="utf-8")
    tmp_npz.replace(directory / "arrays.npz")
    tmp_json.replace(directory / "ranker.json")


_Parts = tuple[Registry, ProfileVectoriser, ProfileBlocks, dict[str, float] | None,
               dict[str, Any]]


def load_ranker(directory: Path) -> _Parts:
    """The saved parts; weights are ``None`` when the ranker used the default weights.

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
        o_themes = _unpack_themes(meta["org_themes"], n_orgs)
        p = {name: _unpack(meta["projects"][name], n_projects) for name in _PROJECT_TEXT}
        p_themes = _unpack_themes(meta["project_themes"], n_projects)
        years = arrays["years"].tolist()
        orgs = tuple(map(OrgProfile, arrays["org_id"].tolist(), o["pic"], o["oid"],
                         o["erasmus_code"], o["name"], o["country"], o["city"], o["category"],
                         o["type_code"], arrays["org_eche"].tolist(), o_themes,
                         o["description"]))
        projects = tuple(map(ProjectInfo, arrays["project_id"].tolist(), p["identifier"],
                             p["programme"], p["action"],
                             [y if y >= 0 else None for y in years], p["title"],
                             p["summary"], p_themes))
        registry = Registry(
            orgs=orgs,
            projects=projects,
            incidence=_get_csr(arrays, "incidence"),
            themes={t[0]: ThemeInfo(*t) for t in meta["themes"]},
            countries=meta["country_names"],
            fingerprint=meta["registry_fingerprint"],
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
                else _get_csr(arrays, "text"))
        blocks = ProfileBlocks(themes=_get_csr(arrays, "themes"), text=text,
                               category=arrays["category"], country=arrays["country"])
    weights = (None if meta.get("default_weights") else
               {str(k): float(v) for k, v in meta["weights"].items()})
    return registry, vec, blocks, weights, meta["params"]
