"""Option bundles shared by the commands, defined once: the output format, what a project is
about, which organisations may be added or returned, the call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "json", "csv")


def format_option(*choices: str) -> Callable[[F], F]:
    """``--format`` with ``choices`` (default: table, json and csv), ``table`` first."""
    allowed = choices or FORMATS
    helps = {"table": "table (or text) for people", "json": "json for programs",
             "csv": "csv for spreadsheets"}

    def decorate(func: F) -> F:
        return click.option("--format", "fmt", type=click.Choice(allowed), default=allowed[0],
                            show_default=True,
                            help="Output format: " + ", ".join(helps[c] for c in allowed)
                            + ".")(func)
    return decorate


def _apply(func: F, options: list[Callable[[F], F]]) -> F:
    for option in reversed(options):
        func = option(func)
    return func


def idea_options(func: F) -> F:
    """What the project is about: ``--text``, ``--theme``, ``--topic``."""
    return _apply(func, [
        click.option("--text", default="", metavar="TEXT",
                     help="The project idea in words (English, Finnish, German, French...)."),
        click.option("--theme", "themes", multiple=True, metavar="THEME",
                     help="A theme code or English/Finnish label (repeatable); see "
                          "`matcher themes`."),
        click.option("--topic", "topics", multiple=True, metavar="TOPIC",
                     help="A call topic (SwafS-09-2018) or topic family (SwafS, SC1-BHC) "
                          "(repeatable): having worked in that family counts."),
    ])


def filter_options(func: F) -> F:
    """Which organisations may be returned or added."""
    return _apply(func, [
        click.option("--country", "countries", multiple=True, metavar="C",
                     help="Only organisations from this country: Erasmus or ISO code or a "
                          "name (FI, GR, Finland, Suomi) (repeatable)."),
        click.option("--exclude-country", "exclude_countries", multiple=True, metavar="C",
                     help="Never organisations from this country (repeatable)."),
        click.option("--type", "types", multiple=True, metavar="TYPE",
                     help="Only this organisation category (repeatable): higher-education, "
                          "school, research, company, ngo, public-body, network, other, or "
                          "an EPLUS-* / CORDIS type code (HES, PRC...)."),
        click.option("--eche", is_flag=True,
                     help="Only holders of the Erasmus Charter (ECHE)."),
        click.option("--include-unnamed", is_flag=True,
                     help="Also organisations the registry knows only by their PIC (left out "
                          "by default: hard to act on)."),
    ])


def action_option(*, required: bool, default: str | None = None) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        # click 8.3+ counts an explicit ``default=None`` as a value, so a required option
        # must not be given one
        extra: dict[str, Any] = {} if default is None else {"default": default,
                                                           "show_default": True}
        return click.option("--action", "-a", required=required, metavar="ACTION",
                            help="KA220-HED, KA203, KA200 or KA210.", **extra)(func)
    return decorate


def call_year_option(func: F) -> F:
    return click.option("--call-year", type=int, metavar="YEAR",
                        help="The call year (default: the action's latest call); decides which "
                             "countries count, e.g. the UK only up to 2020.")(func)


def parse_size(value: str | None) -> tuple[int, int] | None:
    """``MIN..MAX`` or ``N`` as a (min, max) pair (:func:`matcher.fields.parse_size`, the one
    reader of a size); a usage error otherwise."""
    from matcher.errors import QueryError
    from matcher.fields import parse_size as parse

    try:
        return parse(value)
    except QueryError as exc:
        raise click.BadParameter(str(exc), param_hint="'--size'") from None


_CLICK_TYPES: dict[str, Any] = {"str": str, "int": int, "float": float, "size": str}


def request_options(request_type: type, *, leave: tuple[str, ...] = ()) -> Callable[[F], F]:
    """An option for each field of ``request_type`` that the command has no option for yet
    (and not in ``leave``): a field added to the request is an option of the command with no
    other edit, its help from the field's ``help`` metadata. Put it right under
    ``@click.command``; its options come last in the help."""
    from dataclasses import fields

    from matcher.fields import kinds

    def decorate(func: F) -> F:
        have = {p.name for p in getattr(func, "__click_params__", ())} | set(leave)
        found = kinds(request_type)
        for f in fields(request_type):
            if f.name in have:
                continue
            kind, flag = found[f.name], "--" + f.name.replace("_", "-")
            extra: dict[str, Any] = (
                {"is_flag": True} if kind == "bool"
                else {"multiple": True} if kind == "list"
                else {"type": _CLICK_TYPES[kind]})
            option = click.Option([flag, f.name], help=f.metadata.get("help"), **extra)
            func.__click_params__ = [option, *getattr(func, "__click_params__", [])]  # type: ignore[attr-defined]
        return func
    return decorate
