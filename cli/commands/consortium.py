"""``matcher check``, ``matcher complete`` and ``matcher propose``: eligibility and consortia."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from cli.app import App, pass_app
from cli.errors import reports_errors
from cli.output import emit, format_option, table
from cli.reference import rulebook

F = TypeVar("F", bound=Callable[..., Any])


def parse_size(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    lo, sep, hi = value.partition("..")
    try:
        size = (int(lo), int(hi if sep else lo))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not MIN..MAX or N (e.g. 3..5)",
                                 param_hint="'--size'") from None
    if size[0] > size[1] or size[0] < 1:
        raise click.BadParameter(f"{value!r}: MIN must be 1 or more and not above MAX",
                                 param_hint="'--size'")
    return size


def action_option(func: F) -> F:
    return click.option("--action", "-a", required=True, metavar="ACTION",
                        help="KA220-HED, KA203, KA200 or KA210.")(func)


def call_year_option(func: F) -> F:
    return click.option("--call-year", type=int, metavar="YEAR",
                        help="The call year (default: the action's latest call); decides which "
                             "countries count, e.g. the UK only up to 2020.")(func)


def build_options(func: F) -> F:
    """Options shared by ``complete`` and ``propose``."""
    for option in reversed([
        click.option("--size", metavar="MIN..MAX",
                     help="Organisations in the whole consortium (default: the action's "
                          "minimum and one more)."),
        click.option("-n", "n", type=click.IntRange(1, 50), default=5, show_default=True,
                     help="How many alternative consortia."),
        click.option("--text", default="", help="What the project is about, in words."),
        click.option("--theme", "themes", multiple=True, metavar="THEME",
                     help="A theme code or label (repeatable); see `matcher themes`."),
        click.option("--country", "countries", multiple=True, metavar="C",
                     help="Only add organisations from these countries (repeatable)."),
        click.option("--exclude-country", "exclude_countries", multiple=True, metavar="C",
                     help="Never add organisations from these countries (repeatable)."),
        click.option("--type", "types", multiple=True, metavar="TYPE",
                     help="Only add organisations of these categories (repeatable), e.g. "
                          "company, ngo, research."),
        click.option("--eche", is_flag=True, help="Only add ECHE holders."),
        call_year_option,
        click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
                     show_default=True, help="table for people, json for programs."),
    ]):
        func = option(func)
    return func


def show_consortia(payload: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for c in payload["consortia"]:
        click.echo(f"#{c['rank']}  score {c['score']:.3f}  ({payload['action']}, "
                   f"{payload['call_year']} call, eligible)")
        rows = [{**m, "added": "+" if m["added"] else ""} for m in c["members"]]
        click.echo(table(rows, ["added", "pic", "name", "country", "type"], max_width=50))
        for reason in c["why"]:
            click.echo(f"  - {reason}")
        click.echo("")


@click.command("check")
@action_option
@click.option("--member", "-m", "members", multiple=True, required=True, metavar="ORG",
              help="A member: PIC, OID, Erasmus code, #id or name (repeatable).")
@click.option("--coordinator", metavar="ORG",
              help="The coordinator (a member or not): PIC, OID, Erasmus code, #id or name.")
@call_year_option
@format_option
@pass_app
@reports_errors
def check_command(app: App, action: str, members: tuple[str, ...], coordinator: str | None,
                  call_year: int | None, fmt: str) -> None:
    """Check whether a consortium is eligible for ACTION; list every rule it breaks.

    Exit 0 when eligible, 3 when not.

    \b
    Example:
      matcher check --action KA220-HED -m 999873188 -m "SF HELSINK01" -m E10208573
    """
    from matcher.vocabulary import OrgIndex
    from models.errors import NotEligible

    book = rulebook()
    rules = book.action(action)
    year = book.call_year(rules.code, call_year)
    index = OrgIndex(app.ranker().registry_.orgs)
    orgs = [index.get(ref) for ref in members]
    lead = index.get(coordinator) if coordinator else None
    found = book.check(rules.code, orgs, coordinator=lead, call_year=year)
    violations = [{"rule": v.rule, "message": v.message} for v in found]
    if fmt == "table":
        if found:  # whole sentences, one per broken rule: a table would clip them
            for v in found:
                click.echo(f"- {v.message} [{v.rule}]")
        else:
            click.echo(f"Eligible for {rules.code} ({rules.label}), {year} call.")
    else:
        emit(violations, ["rule", "message"], fmt,
             json_payload={"action": rules.code, "call_year": year, "eligible": not found,
                           "violations": violations})
    if found:
        raise NotEligible(f"not eligible for {rules.code} ({year} call): {len(found)} "
                          f"rule{'s' if len(found) > 1 else ''} broken")


@click.command("complete")
@action_option
@click.option("--member", "-m", "members", multiple=True, required=True, metavar="ORG",
              help="A member you already have: PIC, OID, Erasmus code, #id or name "
                   "(repeatable).")
@build_options
@pass_app
@reports_errors
def complete_command(app: App, action: str, members: tuple[str, ...], size: str | None, n: int,
                     text: str, themes: tuple[str, ...], countries: tuple[str, ...],
                     exclude_countries: tuple[str, ...], types: tuple[str, ...], eche: bool,
                     call_year: int | None, fmt: str) -> None:
    """Complete a consortium: the N best eligible consortia that contain the given members.

    Ranked by thematic fit, complementary organisation types, past collaboration and country
    diversity; alternatives differ in at least two members. Exit 4 when no eligible consortium
    can be made, with the constraint that cannot be met.

    \b
    Example:
      matcher complete --action KA220-HED -m 999873188 -m 999991722 --size 3..5 -n 5
    """
    from matcher.consortium.requests import complete_request

    payload = complete_request(
        app.ranker(), rulebook(), action=action, members=members, size=parse_size(size),
        n=n, text=text, themes=themes, countries=countries,
        exclude_countries=exclude_countries, types=types, eche=eche, call_year=call_year)
    show_consortia(payload, fmt)


@click.command("propose")
@action_option
@click.option("--lead", required=True, metavar="ORG",
              help="The coordinator: PIC, OID, Erasmus code, #id or name.")
@build_options
@pass_app
@reports_errors
def propose_command(app: App, action: str, lead: str, size: str | None, n: int, text: str,
                    themes: tuple[str, ...], countries: tuple[str, ...],
                    exclude_countries: tuple[str, ...], types: tuple[str, ...], eche: bool,
                    call_year: int | None, fmt: str) -> None:
    """Propose whole eligible consortia around a lead organisation for a project on --text
    or --theme.

    \b
    Example:
      matcher propose --action KA220-HED --lead "SF HELSINK01" --text "virtual mobility"
    """
    from matcher.consortium.requests import propose_request

    if not text.strip() and not themes:
        raise click.UsageError("give what the project is about: --text or --theme")
    payload = propose_request(
        app.ranker(), rulebook(), action=action, lead=lead, size=parse_size(size), n=n,
        text=text, themes=themes, countries=countries, exclude_countries=exclude_countries,
        types=types, eche=eche, call_year=call_year)
    show_consortia(payload, fmt)


COMMANDS = [check_command, complete_command, propose_command]
