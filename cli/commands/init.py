"""``matcher init``: create a registry explicitly (read commands never create one)."""

from __future__ import annotations

import click

from cli.app import App, pass_app
from cli.errors import reports_errors


@click.command("init", short_help="Create an empty registry at --db or $MATCHER_DB.")
@pass_app
@reports_errors
def init_command(app: App) -> None:
    """Create the registry that --db (or $MATCHER_DB) names: its tables and the reference
    data (countries, themes), no organisations; add them with `matcher import`. Without
    --db or $MATCHER_DB, builds the default registry from the bundled data.

    On an existing registry it changes nothing (it brings an old schema up to date).

    \b
    Examples:
      matcher --db team.sqlite init
      matcher --db postgresql://db.example.org/matcher init
    """
    from matcher.registry.catalogue import registry_stats

    db = app.open(write=True)
    with app.session() as session:
        stats = registry_stats(session)
    where = stats["database"] if not db.is_sqlite else db.engine.url.database
    if db.created and stats["organisations"]:  # the default registry, from the bundled data
        app.say(f"Created the registry at {where}: {stats['organisations']:,} organisations.")
    elif db.created:
        app.say(f"Created an empty registry at {where} ({stats['themes']} themes of the "
                "reference vocabulary); add organisations with `matcher import KIND FILE`.")
    else:
        app.say(f"The registry at {where} already exists: {stats['organisations']:,} "
                "organisations; nothing to do.")


COMMANDS = [init_command]
