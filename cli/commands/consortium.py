"""``matcher check``, ``matcher complete`` and ``matcher propose``: eligibility and consortia."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from cli.app import App, pass_app
from cli.errors import reports_errors
from cli.options import (
    action_option,
    call_year_option,
    filter_options,
    format_option,
    idea_options,
    parse_size,
    request_options,
)
from cli.output import echo, echo_json, emit, table
from matcher.requests import ConsortiumRequest

F = TypeVar("F", bound=Callable[..., Any])


def build_options(func: F) -> F:
    """Options shared by ``complete`` and ``propose``."""
    for option in reversed([
        click.option("--size", metavar="MIN..MAX",
                     help="Organisations in the whole consortium (default: the action's "
                          "minimum and one more)."),
        click.option("-n", "n", type=click.IntRange(1, 50), default=5, show_default=True,
                     help="How many alternative consortia."),
        idea_options,
        click.option("--idea-weight", type=click.FloatRange(0.0, 1.0), metavar="W",
                     help="How much the additions' closeness to the idea (--text, --theme, "
                          "--topic) counts, 0 to 1. Default: the weight learned from real "
                          "consortia, beside the fit to the request, type and country "
                          "diversity and a shared history; 0.5 or more lets the idea lead."),
        filter_options,
        call_year_option,
        format_option("table", "json"),
    ]):
        func = option(func)
    return func


def show_consortia(app: App, payload: dict[str, Any], fmt: str) -> None:
    from matcher.i18n import said
    payload = said(payload, app.lang)
    for note in payload["notes"]:
        app.say(f"Note: {note}")
    if fmt == "json":
        echo_json(payload)
        return
    for c in payload["consortia"]:
        echo(f"#{c['rank']}  score {c['score']:.3f}  ({payload['action']}, "
                   f"{payload['call_year']} call, eligible)")
        rows = [{**m, "added": "+" if m["added"] else "", "pic": m["pic"] or "no PIC"}
                for m in c["members"]]
        echo(table(rows, ["added", "pic", "name", "country", "type"], max_width=50))
        for reason in c["why"]:
            echo(f"  - {reason}")
        echo("")


@click.command("check")
@action_option(required=True)
@click.option("--member", "-m", "members", multiple=True, required=True, metavar="ORG",
              help="A member: PIC, OID, Erasmus code, #id or name (repeatable).")
@click.option("--coordinator", metavar="ORG", help="The coordinator (a member or not).")
@call_year_option
@format_option()
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
    from matcher.errors import NotEligible
    from matcher.i18n import message, said, say

    verdict = app.matcher().check(ConsortiumRequest.from_mapping(
        {"action": action, "members": members, "coordinator": coordinator,
         "call_year": call_year}))
    violations = [{"rule": v.rule, "message": say(v.message, app.lang)}
                  for v in verdict.violations]
    if fmt == "table":
        if violations:  # whole sentences, one per broken rule: a table would clip them
            for v in violations:
                echo(f"- {v['message']} [{v['rule']}]")
        else:
            label = app.matcher().rulebook.action(verdict.action).label
            echo(f"Eligible for {verdict.action} ({label}), {verdict.call_year} call.")
    else:
        emit(violations, ["rule", "message"], fmt,
             json_payload=said(verdict.to_json(), app.lang))
    if not verdict.eligible:
        n = len(violations)
        raise NotEligible(message("error.not_eligible", action=verdict.action,
                                  year=str(verdict.call_year), n=n))


@click.command("complete")
@request_options(ConsortiumRequest)
@action_option(required=True)
@click.option("--member", "-m", "members", multiple=True, required=True, metavar="ORG",
              help="A member you already have: PIC, OID, Erasmus code, #id or name "
                   "(repeatable).")
@build_options
@pass_app
@reports_errors
def complete_command(app: App, /, size: str | None, fmt: str, **options: Any) -> None:
    """Complete a consortium: the N best eligible consortia that contain the given members.

    Ranked by fit (past collaboration and the idea's words, themes and call topic),
    complementary organisation types and country diversity; alternatives differ in at least
    two members. Exit 4 when no eligible consortium can be made, with the constraint that
    cannot be met.

    \b
    Example:
      matcher complete --action KA220-HED -m 999873188 -m 999991722 --size 3..5 -n 5
    """
    request = ConsortiumRequest.from_mapping({**options, "size": parse_size(size)})
    app.follow_idea(request.text)
    show_consortia(app, app.matcher().complete(request).to_json(), fmt)


@click.command("propose")
@request_options(ConsortiumRequest, leave=("members", "coordinator"))
@action_option(required=True)
@click.option("--lead", "coordinator", required=True, metavar="ORG",
              help="The coordinator: PIC, OID, Erasmus code, #id or name.")
@build_options
@pass_app
@reports_errors
def propose_command(app: App, /, size: str | None, fmt: str, **options: Any) -> None:
    """Propose whole eligible consortia around a lead organisation for a project on --text,
    --theme or --topic.

    \b
    Example:
      matcher propose --action KA220-HED --lead "SF HELSINK01" --text "virtual mobility"
    """
    if not options["text"].strip() and not options["themes"] and not options["topics"]:
        raise click.UsageError("give what the project is about: --text, --theme or --topic")
    request = ConsortiumRequest.from_mapping({**options, "size": parse_size(size)})
    app.follow_idea(request.text)
    show_consortia(app, app.matcher().complete(request).to_json(), fmt)


COMMANDS = [check_command, complete_command, propose_command]
