"""``matcher serve``: the web page and the JSON API (the ``web`` extra)."""

from __future__ import annotations

import os

import click

from cli.app import App, pass_app
from cli.errors import reports_errors


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; 0.0.0.0 makes the page reachable from other "
                   "machines.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="The port to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes; each loads the search index (memory per worker: see "
                   "docs/web.md), and a new one when the registry changes.")
@pass_app
@reports_errors
def serve_command(app: App, host: str, port: int, workers: int) -> None:
    """Serve the web page (search, organisation, consortium builder, exports) and the JSON
    API (OpenAPI at /docs) on the registry of --db.

    Read-only. Each worker loads the search index at start and never builds it in a
    request: a missing index is built before the server starts. When an import changes the
    registry (checked every few seconds), each worker brings the new index in from a
    background thread while it answers from the old one (one worker builds it, the others
    load it), then swaps; /health says `refreshing` meanwhile, without a restart.

    \b
    Examples:
      matcher serve                       # http://127.0.0.1:8000/
      matcher serve --port 8080 --workers 2
      curl 'http://127.0.0.1:8000/api/search?text=virtual+mobility&countries=FI&k=3'
    """
    try:
        import uvicorn

        from cli.web.app import SERVE_DB_ENV
    except ImportError as exc:
        raise click.ClickException(
            f"matcher serve needs the web extra ({exc.name} is missing): "
            "pip install 'erasmus-partner-matcher[web]'") from None
    found = app.matcher().index_status()  # sets up the default registry on first use
    if found.info is None:
        app.matcher().build_index()
    elif found.problem:
        app.say(f"Note: {found.problem.removesuffix(': rebuilding it.')}: serving it as it is "
                "while the workers bring the new one in (/health says refreshing).")
    app.close()  # the workers open their own connections
    os.environ[SERVE_DB_ENV] = app.db_url or ""
    app.say(f"Serving on http://{host}:{port}/ (Ctrl+C stops)")
    uvicorn.run("cli.web.app:app_from_environment", factory=True, host=host, port=port,
                workers=workers, log_level="warning" if app.quiet else "info")


COMMANDS = [serve_command]
