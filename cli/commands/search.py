"""``matcher search`` (find partners) and ``matcher index`` (build the search index)."""

from __future__ import annotations

import json
import shutil
import textwrap
from typing import Any

import click

from cli.app import App, pass_app
from cli.errors import reports_errors
from cli.output import emit, format_option
from cli.reference import category_of, rulebook

COLUMNS = ("rank", "id", "pic", "name", "country", "type", "score", "why")


def _counting_countries(action: str) -> frozenset[str]:
    """The countries that count for ``action`` in its latest call (rules from ``data``)."""
    return rulebook().countries_that_count(action)


def render_table(results: list[dict[str, Any]]) -> str:
    """One aligned line per result, its reasons wrapped on the lines below."""
    if not results:
        return "(no results)"
    width = max(60, min(shutil.get_terminal_size((100, 20)).columns, 120))
    heads = ("#", "score", "name", "country", "type", "PIC")
    rows = [(str(r["rank"]), f"{r['score']:.3f}", r["name"], r["country"], r["type"],
             r["pic"] or f"#{r['id']}") for r in results]
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
@click.option("--org", metavar="ORG",
              help="Find partners for this organisation: PIC, OID, Erasmus code, #id or name "
                   "(exact, short name, or close: 'helsingin yliopisto', CNRS); an ambiguous "
                   "name lists the candidates' PICs.")
@click.option("--text", default="", metavar="TEXT",
              help="A project idea in words (English, Finnish, German, French...).")
@click.option("--theme", "themes", multiple=True, metavar="T",
              help="A theme code or label, English or Finnish (repeatable); see `matcher themes`.")
@click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many organisations to list.")
@click.option("--country", "countries", multiple=True, metavar="C",
              help="Only organisations from this country: Erasmus or ISO code or English name "
                   "(repeatable).")
@click.option("--exclude-country", "exclude_countries", multiple=True, metavar="C",
              help="Never organisations from this country (repeatable).")
@click.option("--type", "types", multiple=True, metavar="CATEGORY",
              help="Only this organisation category (repeatable): higher-education, school, "
                   "research, company, ngo, public-body, network, other, or an EPLUS-* / "
                   "CORDIS type code.")
@click.option("--programme-countries-only", is_flag=True,
              help="Only organisations from countries that count for --action's minimum "
                   "(programme / EU and associated countries of its latest call).")
@click.option("--eche", is_flag=True, help="Only holders of the Erasmus Charter (ECHE).")
@click.option("--action", "-a", default="KA220-HED", show_default=True, metavar="ACTION",
              help="The action whose countries --programme-countries-only uses.")
@format_option
@pass_app
@reports_errors
def search_command(app: App, org: str | None, text: str, themes: tuple[str, ...], k: int,
                   countries: tuple[str, ...], exclude_countries: tuple[str, ...],
                   types: tuple[str, ...], programme_countries_only: bool, eche: bool,
                   action: str, fmt: str) -> None:
    """Find partners: organisations ranked for an organisation and/or a project idea, each
    with the reasons (shared themes, matching words, past projects together, type, country).

    \b
    Examples:
      matcher search --text "guidance and counselling for first-year students" --country FI
      matcher search --org 999873188 --type company -k 5
      matcher search --theme "opintojen ohjaus ja neuvonta" --programme-countries-only
    """
    from data.reference import resolve_country
    from matcher.search import check_query, search

    check_query(org=org, text=text, themes=themes, k=k)
    counting = _counting_countries(action)  # an unknown --action is an error either way
    result = search(app.ranker(), org=org, text=text, themes=themes, countries=countries,
                    exclude_countries=exclude_countries, types=types, eche=eche,
                    programme_countries=counting if programme_countries_only else None, k=k, country_resolver=resolve_country,
                    type_resolver=category_of)
    payload = result.to_json()
    if fmt == "table":
        click.echo(render_table(payload["results"]))
    else:
        emit(payload["results"], COLUMNS, fmt, json_payload=payload)


@click.command("index")
@click.option("--rebuild", is_flag=True, help="Rebuild even when the index is up to date.")
@format_option
@pass_app
@reports_errors
def index_command(app: App, rebuild: bool, fmt: str) -> None:
    """Build the search index of the registry (it is also rebuilt by itself when the
    registry changes) and print what it holds: organisations, time, size on disk.
    """
    from dataclasses import asdict

    from matcher.ranking.index import build, check_index, index_dir
    from matcher.registry.snapshot import fingerprint

    with app.session() as session:
        info, problem = check_index(index_dir(session), fingerprint(session))
        built = rebuild or problem is not None
        if built:
            if problem is not None and not rebuild:
                app.say(problem)
            _, info = build(session, progress=None if app.quiet else app.say)
    assert info is not None
    if fmt == "table":
        click.echo(("Built the search index: " if built else "The search index is up to date: ")
                   + info.summary())
    else:
        row = {**asdict(info), "built": built}
        if fmt == "json":
            click.echo(json.dumps(row, indent=2))
        else:
            emit([row], list(row), fmt)


COMMANDS = [search_command, index_command]
