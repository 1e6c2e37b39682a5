"""``matcher orgs``, ``matcher show``, ``matcher stats``, ``matcher themes``: browse the registry.

The work is in ``matcher.registry.catalogue``; these commands parse options and format the answer.
"""

from __future__ import annotations

from typing import Any

import click

from cli.app import App, pass_app
from cli.errors import reports_errors
from cli.options import format_option
from cli.output import echo, echo_json, emit, table
from matcher.limits import ROWS

ORG_COLUMNS = ("id", "pic", "erasmus_code", "name", "country", "city", "category", "eche",
               "projects")
ORG_CSV_COLUMNS = ("id", "pic", "oid", "erasmus_code", "name", "country", "city", "category",
                   "type_code", "eche", "projects")


@click.command("orgs", short_help="List organisations by country, type, theme, name, ECHE.")
@click.option("--country", "countries", multiple=True, metavar="COUNTRY",
              help="Erasmus code (FI, EL, UK) or English name; repeat for any of several.")
@click.option("--type", "types", multiple=True, metavar="TYPE",
              help="Category (higher-education, school, research, company, ngo, public-body, "
                   "network, other) or an EPLUS-* / CORDIS code (HES, PRC, REC, PUB, OTH); "
                   "repeat for any of several.")
@click.option("--theme", "themes", multiple=True, metavar="THEME",
              help="Theme code or English/Finnish label (see `matcher themes`), declared or "
                   "from the organisation's projects; repeat for any of several.")
@click.option("--name", metavar="TEXT",
              help="Part of the name or of a short name (case- and accent-insensitive), or "
                   "close to it word by word (helsinki finds HELSINGIN YLIOPISTO); best match "
                   "first, then most projects.")
@click.option("--eche", is_flag=True, help="Only holders of the Erasmus Charter (ECHE).")
@click.option("--merged-from", "merged", is_flag=True,
              help="Only organisations into which an import merged other spellings, with "
                   "where the record came from (file:row) and each spelling merged (file).")
@click.option("--limit", type=click.IntRange(1, ROWS), default=50, show_default=True,
              help="At most this many organisations.")
@click.option("--offset", type=click.IntRange(0, ROWS), default=0, show_default=True,
              help="Skip this many first (for paging).")
@format_option()
@pass_app
@reports_errors
def orgs_command(app: App, countries: tuple[str, ...], types: tuple[str, ...],
                 themes: tuple[str, ...], name: str | None, eche: bool, merged: bool,
                 limit: int, offset: int, fmt: str) -> None:
    """List organisations of the registry; filters combine (all must hold).

    \b
    Examples:
      matcher orgs --country FI --type HES --limit 5
      matcher orgs --name "oulun yliopisto" --format json
      matcher orgs --name helsinki
      matcher orgs --country Greece --theme h2020-msca --eche --format csv
      matcher orgs --merged-from --country EL
    """
    found = app.matcher().orgs(countries=countries, types=types, themes=themes, name=name,
                               eche=eche, limit=limit, offset=offset, merged=merged)
    rows = [o.to_json() for o in found]
    columns: tuple[str, ...] = ORG_CSV_COLUMNS if fmt == "csv" else ORG_COLUMNS
    if merged:
        columns += ("merged_from",)
        if fmt != "json":
            for row in rows:
                row["merged_from"] = "; ".join(row.get("merged_from", ()))
    emit(rows, columns, fmt)


def _identity_lines(d: dict[str, Any]) -> list[str]:
    """Who the organisation is: name, identifiers, country, type, website, ECHE, source."""
    eche = "no"
    if d["eche_end"]:
        eche = (f"{d['eche_start'] or '?'} to {d['eche_end']}"
                + (" (valid)" if d["eche_valid"] else " (not valid today)"))
    ids = ", ".join(f"{k.upper() if k != 'erasmus_code' else 'Erasmus code'} {d[k]}"
                    for k in ("pic", "oid", "erasmus_code") if d[k])
    lines = [
        f"{d['name']}  (#{d['id']})",
        f"  identifiers  {ids or '-'}",
        f"  country      {d['country_name']} ({d['country']})"
        + (f", {d['city']}" if d["city"] else ""),
        f"  type         {d['category']}" + (f" ({d['type_code']})" if d["type_code"] else ""),
        f"  website      {d['website'] or '-'}",
        f"  ECHE         {eche}",
    ]
    if d["description"]:
        lines.append(f"  description  {d['description']}")
    if d["source"]:
        lines.append(f"  source       {d['source']}")
    return lines


def _project_lines(projects: list[dict[str, Any]], n_projects: int) -> list[str]:
    """How many projects, and the first ``n_projects`` of them as a table."""
    lines = [f"\nProjects: {len(projects)}"]
    if projects:
        columns: tuple[str, ...] = ("identifier", "programme", "action", "year", "role")
        if any(p["title"] for p in projects):  # H2020 rows have none
            columns += ("title",)
        lines.append(table(projects[:n_projects], columns))
        if len(projects) > n_projects:
            lines.append(f"... and {len(projects) - n_projects} more (all in --format json)")
    return lines


def _profile_text(d: dict[str, Any], n_projects: int) -> str:
    lines = _identity_lines(d)
    if d["declared_themes"]:
        lines.append("\nDeclared themes: "
                     + "; ".join(t["label_en"] for t in d["declared_themes"]))
    if d["project_themes"]:
        lines += ["\nThemes of its projects:",
                  table(d["project_themes"], ("code", "label_en", "count"))]
    lines += _project_lines(d["projects"], n_projects)
    lines.append(f"\nPast partners (top {len(d['partners'])}, by shared projects):")
    lines.append(table(d["partners"], ("id", "ref", "name", "country", "category", "shared"))
                 if d["partners"] else "(none)")
    return "\n".join(lines)


@click.command("show", short_help="Profile, themes, projects and past partners of one organisation.")
@click.argument("org", metavar="ORG")
@click.option("--projects", "n_projects", type=click.IntRange(0), default=20,
              show_default=True, help="Projects to list in the table format (json has all).")
@format_option("table", "json")
@pass_app
@reports_errors
def show_command(app: App, org: str, n_projects: int, fmt: str) -> None:
    """Show one organisation: identifiers, type, ECHE, themes, projects and past partners.

    ORG is a 9-digit PIC, an OID (E + 8 digits), an Erasmus code (spaces do not matter),
    an internal id (12 or #12) or a name: the legal name or a short name in any case and
    without accents, or close to it (inflected, misspelt). A name that fits several
    organisations exits 2 and lists them with their PICs.

    \b
    Examples:
      matcher show 999873188
      matcher show "SF HELSINK01" --format json
      matcher show "helsingin yliopisto"
      matcher show CNRS
      matcher show '#12'
    """
    detail = app.matcher().show(org).to_json()
    if fmt == "json":
        echo_json(detail)
    else:
        echo(_profile_text(detail, n_projects))


@click.command("stats", short_help="Count organisations, projects, participations and themes.")
@format_option("table", "json")
@pass_app
@reports_errors
def stats_command(app: App, fmt: str) -> None:
    """Count what the registry holds: organisations, projects, participations, themes,
    with breakdowns by category, country, programme and year.

    \b
    Examples:
      matcher stats
      matcher stats --format json
    """
    stats = app.matcher().stats()
    if fmt == "json":
        echo_json(stats)
        return
    lines = []
    for key, value in stats.items():
        label = key.replace("_", " ")
        if isinstance(value, dict):
            lines.append(f"{label}:")
            lines += [f"  {k:<20} {v:>9,}" for k, v in value.items()]
        elif isinstance(value, int):
            lines.append(f"{label:<28} {value:>9,}")
        else:
            lines.append(f"{label:<28} {value}")
    echo("\n".join(lines))


@click.command("themes", short_help="List the theme vocabulary (English and Finnish labels).")
@click.option("--kind", metavar="KIND",
              help="Only one kind: seed (the domain's themes), topic (Erasmus+ topics), "
                   "priority (2021-27 priorities) or programme-part (H2020).")
@format_option()
@pass_app
@reports_errors
def themes_command(app: App, kind: str | None, fmt: str) -> None:
    """List the theme vocabulary: code, kind, English and Finnish labels, projects.

    Use a code or either label with `--theme` in orgs, search and complete.

    \b
    Examples:
      matcher themes --kind seed
      matcher themes --format csv > themes.csv
    """
    rows = [t.to_json() for t in app.matcher().themes(kind)]
    emit(rows, ("code", "kind", "label_en", "label_fi", "projects"), fmt)


COMMANDS = [orgs_command, show_command, stats_command, themes_command]
