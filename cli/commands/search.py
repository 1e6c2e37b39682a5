"""``matcher search`` (find partners) and ``matcher index`` (build the search index)."""

from __future__ import annotations

import shutil
import textwrap
from typing import Any

import click

from cli.app import App, pass_app
from cli.errors import reports_errors
from cli.options import (
    action_option,
    filter_options,
    format_option,
    idea_options,
    request_options,
)
from cli.output import echo, echo_json, emit
from matcher.cells import visible
from matcher.requests import SearchRequest

COLUMNS = ("rank", "id", "pic", "name", "country", "type", "score", "closest", "why")


def render_table(results: list[dict[str, Any]]) -> str:
    """One aligned line per result, its reasons wrapped on the lines below."""
    if not results:
        return "(no results)"
    width = max(60, min(shutil.get_terminal_size((100, 20)).columns, 120))
    heads = ("#", "score", "name", "country", "type", "PIC")
    rows = [(str(r["rank"]), f"{r['score']:.3f}", visible(r["name"], cell=True), r["country"],
             r["type"],
             r["pic"] or "no PIC") for r in results]
    name_width = max(20, width - 48)
    rows = [(a, b, n if len(n) <= name_width else n[: name_width - 1] + "…", *rest)
            for a, b, n, *rest in rows]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(heads)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(heads), line(tuple("-" * w for w in widths))]
    for row, r in zip(rows, results, strict=True):
        out.append(line(row))
        for reason in r["why"]:
            out.append(textwrap.fill(reason, width=width, initial_indent="     - ",
                                     subsequent_indent="       "))
    return "\n".join(out)


@click.command("search")
@request_options(SearchRequest)
@click.option("--org", metavar="ORG",
              help="Find partners for this organisation: PIC, OID, Erasmus code, #id or name.")
@idea_options
@click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many organisations to list.")
@filter_options
@click.option("--programme-countries-only", is_flag=True,
              help="Only organisations from countries that count for --action's minimum "
                   "(programme / EU and associated countries of its latest call).")
@action_option(required=False, default="KA220-HED")
@format_option()
@pass_app
@reports_errors
def search_command(app: App, /, fmt: str, **options: Any) -> None:
    """Find partners: organisations ranked for an organisation and/or a project idea, each
    with the reasons (past projects like the idea, past projects together, partners in
    common, shared themes, matching words, type, country).

    \b
    Examples:
      matcher search --text "guidance and counselling for first-year students" --country FI
      matcher search --org "SF HELSINK01" --type company -k 5
      matcher search --text "science education" --topic SwafS --type ngo
      matcher search --theme "Tiede yhteiskunnan kanssa ja yhteiskuntaa varten" --programme-countries-only
    """
    from matcher.i18n import said

    request = SearchRequest.from_mapping(options)  # checked before anything is loaded
    app.follow_idea(request.text)
    result = app.matcher().search(request)
    payload = said(result.to_json(), app.lang)
    for note in payload["notes"]:
        app.say(f"Note: {note}")
    if fmt == "table":
        echo(render_table(payload["results"]))
    else:
        emit(payload["results"], COLUMNS, fmt, json_payload=payload)


@click.command("index")
@click.option("--rebuild", is_flag=True, help="Rebuild even when the index is up to date.")
@format_option()
@pass_app
@reports_errors
def index_command(app: App, rebuild: bool, fmt: str) -> None:
    """Build the search index of the registry (it is also refreshed or rebuilt by itself when
    the registry changes) and print what it holds: organisations, time, size on disk.
    """
    found = app.matcher().build_index(rebuild=rebuild)
    info = found.info
    assert info is not None
    if fmt == "table":
        done = ("The search index is up to date: " if not found.built
                else "Updated the search index: " if info.refreshed_from
                else "Built the search index: ")
        echo(done + info.summary())
    else:
        row = found.to_json()
        row.pop("checksums", None)
        if fmt == "json":
            echo_json(row)
        else:
            emit([row], list(row), fmt)


COMMANDS = [search_command, index_command]
