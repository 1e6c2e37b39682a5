"""Rendering of listings: ``--format table|json|csv``. Machine output goes to stdout only.

What a file held reaches the terminal only through :func:`echo` and :func:`echo_json` (and
tables, cell by cell): control characters and bidirectional overrides are shown as escapes,
so that a name cannot clear, retitle or rewrite the user's terminal (:mod:`matcher.cells`)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import click

from matcher.cells import csv_writer, json_text, visible


def echo(text: str, *, err: bool = False) -> None:
    """``click.echo`` of text for people, control characters shown as escapes."""
    click.echo(visible(text), err=err)


def echo_json(value: Any) -> None:
    """``value`` as indented JSON on stdout, nothing in it that a terminal would run."""
    click.echo(json_text(value, indent=2, default=str))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, (list, tuple)):
        return "; ".join(_cell(v) for v in value)
    return str(value)


def _shown(value: Any) -> str:
    return visible(_cell(value), cell=True)


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *,
          max_width: int = 60) -> str:
    """An aligned plain-text table; long cells are shortened with an ellipsis."""
    def clip(text: str) -> str:
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[clip(_shown(r.get(c))) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def emit(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: str, *,
         json_payload: Any = None) -> None:
    """Print rows in the chosen format. ``json_payload`` replaces the plain list in JSON."""
    if fmt == "json":
        echo_json(json_payload if json_payload is not None else list(rows))
    elif fmt == "csv":
        write_csv(sys.stdout, rows, columns)
    else:
        echo(table(rows, columns) if rows else "(no results)")


def write_csv(stream: Any, rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> None:
    """Rows as CSV; a cell a spreadsheet would run as a formula is quoted (matcher.cells)."""
    writer = csv_writer(stream)
    writer.writerow(columns)
    for r in rows:
        writer.writerow([_cell(r.get(c)) for c in columns])
