"""Entry point: ``matcher`` and its global options."""

from __future__ import annotations

import click

from cli.app import App
from matcher.registry.database import DEFAULT_DB_ENV

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _given_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An empty ``--db`` (a script's unset variable) is an error, not the default registry."""
    if value is not None and not value.strip():
        raise click.BadParameter("is empty: give a database URL (sqlite:///PATH or "
                                 "postgresql://HOST/DB), or leave --db out for the default "
                                 "registry", ctx=ctx, param=param)
    return value


@click.group(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    callback=_given_url,
    help=f"Database URL (sqlite:///PATH or postgresql://HOST/DB). Default: ${DEFAULT_DB_ENV}, "
    "else a registry in your user data folder, built from the bundled data on first use.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or notes on stderr.")
@click.option("--lang", type=click.Choice(["en", "fi"]), envvar="MATCHER_LANG",
              help="The language of the reasons, notes, rule violations and errors "
                   "(fi: Finnish). Also $MATCHER_LANG. Default: the idea's (--text) when it "
                   "is Finnish, else English.")
@click.version_option(package_name="erasmus-partner-matcher")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, quiet: bool, lang: str | None) -> None:
    """Find partners and build eligible consortia for Erasmus+ higher-education partnerships
    (KA203, KA220-HED, KA210).

    \b
    Three jobs:
      1. Find partners before a call:   matcher search --text "..." --topic SwafS --country FI
                                        matcher search --org "HELSINGIN YLIOPISTO"
      2. Complete a consortium:         matcher complete --action KA220-HED --member A --member B
                                        matcher check / matcher propose
      3. Batch matching:                matcher batch queries.csv -o results.csv --jobs 2
    The same in a web page, with a JSON API:  matcher serve   (the `web` extra)

    The default registry (the 5,911 ECHE holders 2021-27 and the 32,012 organisations of
    25,620 real H2020 consortia 2014-19, with names and project titles) works without any
    import; add your own data with `matcher import`.
    """
    ctx.obj = App(db_url=db_url, quiet=quiet, lang=lang or "en", lang_given=lang is not None)
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    from cli.commands import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="matcher")


if __name__ == "__main__":  # python -m cli.main
    main()
