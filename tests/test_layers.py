"""The dependency rules: cli -> matcher -> models, data -> models, never back (the command
line and the web reach ``models`` only through the library and ``data``); inside
``matcher``, each part imports only the parts below it; no import cycle anywhere, counting the
imports inside functions too; the ORM stays inside ``matcher.registry``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"cli", "matcher", "models", "data"}
ALLOWED = {
    "models": set(),
    "data": {"models"},
    "matcher": {"models"},
    "cli": {"matcher", "data"},
}
FORBIDDEN_THIRD_PARTY = {"matcher": {"click"}, "models": {"click"}, "data": {"click"}}
#: Inside ``matcher``: what each part may import (besides itself and ``models``).
MATCHER_PARTS = {
    "i18n": {"language"},
    "names": {"errors", "i18n", "text"},
    "language": set(),
    "cells": set(),
    "limits": {"errors", "i18n", "text"},
    "errors": set(),
    "text": set(),
    "files": set(),
    "fields": {"errors", "text"},
    "requests": {"errors", "fields", "i18n", "limits"},
    "registry": {"i18n", "names"},
    "values": {"registry"},
    "ranking": {"errors", "files", "i18n", "language", "registry", "text", "values"},
    "consortium": {"errors", "fields", "i18n", "registry", "text", "values"},
    "vocabulary": {"errors", "i18n", "names", "ranking", "registry", "text", "values"},
    "partners": {"consortium", "errors", "i18n", "ranking", "registry", "requests", "values",
                 "vocabulary"},
    "evaluation": {"consortium", "errors", "files", "ranking", "registry", "values"},
    "facade": {"consortium", "i18n", "limits", "partners", "ranking", "registry", "requests",
               "values", "vocabulary"},
    "live": {"errors", "facade", "partners", "requests"},
    "batch": {"cells", "errors", "facade", "fields", "files", "live", "partners", "requests",
              "values"},
    "export": {"cells", "registry"},
}
#: The ORM schema is read inside the registry boundary only.
ORM_ONLY_IN = "registry"


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at module level or inside functions (TYPE_CHECKING
    blocks aside: they are never run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _sources() -> list[Path]:
    return sorted(p for package in OURS for p in (ROOT / package).rglob("*.py")
                  if "migrations" not in p.parts)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_dependencies_point_one_way(package: str) -> None:
    offences = []
    for path in sorted((ROOT / package).rglob("*.py")):
        imported = {name.split(".")[0] for name in _imports(path)}
        bad = (imported & OURS) - ALLOWED[package] - {package}
        bad |= imported & FORBIDDEN_THIRD_PARTY.get(package, set())
        if bad:
            offences.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not offences, "\n".join(offences)


def _part(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "matcher" and len(parts) > 1 else None


def test_matcher_parts_import_only_the_parts_below() -> None:
    offences = []
    for path in sorted((ROOT / "matcher").rglob("*.py")):
        mine = _part(_module(path))
        if mine is None:
            continue  # matcher/__init__.py: the package's face exports every part
        allowed = MATCHER_PARTS[mine] | {mine}
        used = {_part(name) for name in _imports(path)} - {None}
        bad = used - allowed
        if bad:
            offences.append(f"{path.relative_to(ROOT)} ({mine}) imports {sorted(bad)}")  # type: ignore[arg-type]
        if mine != ORM_ONLY_IN and any(n.startswith("models.schema")
                                       for n in _imports(path)):
            offences.append(f"{path.relative_to(ROOT)} reads the ORM schema outside "
                            f"matcher.{ORM_ONLY_IN}")
    assert not offences, "\n".join(offences)


def test_no_import_cycle() -> None:
    """Between our modules, following every import (inside functions too): no cycle."""
    modules = {_module(p): p for p in _sources()}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        # an import of a package's member counts as an import of that module when it is one
        graph[name] = {target for target in _imports(path) if target in modules
                       and target != name and not name.startswith(target + ".")
                       and not (path.name == "__init__.py" and target.startswith(name))}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


#: What may talk to the database inside ``matcher``: the registry's store and browsing
#: queries, the facade (it owns the sessions) and the database's door for the edges (opening
#: it, its failures). Everything else works on plain values; the search index's cache asks
#: the store (``matcher.registry.store.Store``) for its database's identity, fingerprint and
#: snapshot.
DATABASE_IN = {"matcher/facade.py", "matcher/registry/store.py",
               "matcher/registry/catalogue.py", "matcher/registry/database.py"}
DATABASE_MODULES = ("sqlalchemy", "models.db", "models.schema", "models.locks")


def test_plain_values_and_the_models_never_import_the_database() -> None:
    offences = []
    for path in sorted((ROOT / "matcher").rglob("*.py")):
        where = str(path.relative_to(ROOT))
        if where in DATABASE_IN:
            continue
        found = sorted(name for name in _imports(path)
                       if name.startswith(DATABASE_MODULES))
        if found:
            offences.append(f"{where} imports {found}")
    assert not offences, "\n".join(offences)


#: The parts that work on plain values, and the edges: neither SQLAlchemy nor ``models``. The
#: errors they raise or map, the text rules and the file readers are the library's
#: (``matcher.errors``, ``matcher.text``, ``matcher.files``); the edges open the database and
#: tell its failures through ``matcher.registry.database``.
NO_MODELS_IN = ("matcher/ranking", "matcher/consortium", "matcher/batch", "matcher/evaluation",
                "matcher/language", "matcher/i18n", "cli")
#: The library's modules at its top that reach ``models``: the facade (it owns the sessions)
#: and the doors the rest go through. Every other one takes those doors (one way to each).
MODELS_DOORS = {"facade.py", "errors.py", "text.py", "files.py"}


def _every_import(path: Path) -> set[str]:
    """Every module ``path`` names in an import, type-checking ones too: a type is a
    dependency as well."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _reaching_below(folder: Path, root: Path = ROOT) -> list[str]:
    offences = []
    for path in sorted(folder.rglob("*.py")):
        found = sorted(name for name in _every_import(path)
                       if name.split(".")[0] in ("sqlalchemy", "models"))
        if found:
            offences.append(f"{path.relative_to(root)} imports {found}")
    return offences


@pytest.mark.parametrize("folder", NO_MODELS_IN)
def test_plain_parts_and_edges_import_neither_sqlalchemy_nor_models(folder: str) -> None:
    offences = _reaching_below(ROOT / folder)
    assert not offences, "\n".join(offences)


def test_the_library_reaches_models_through_its_doors_only() -> None:
    offences = [o for path in sorted((ROOT / "matcher").glob("*.py"))
                if path.name not in MODELS_DOORS
                for o in _reaching_below(path.parent, ROOT) if o.startswith(
                    f"{path.relative_to(ROOT)} ")]
    assert not offences, "\n".join(offences)


@pytest.mark.parametrize(("line", "module"), [
    ("from models.text import fold", "models.text"),
    ("import sqlalchemy", "sqlalchemy"),
    ("import sqlalchemy.orm as orm", "sqlalchemy.orm"),
    ("def f():\n    from models.errors import QueryError", "models.errors"),
    ("if TYPE_CHECKING:\n    from sqlalchemy.orm import Session", "sqlalchemy.orm"),
])
def test_an_import_from_below_is_caught(tmp_path: Path, line: str, module: str) -> None:
    """The check above is not blind: each way of reaching below is an offence."""
    (tmp_path / "ranking").mkdir()
    (tmp_path / "ranking" / "late.py").write_text(line + "\n", encoding="utf-8")
    assert _reaching_below(tmp_path / "ranking", tmp_path) == [f"ranking/late.py imports {[module]}"]
