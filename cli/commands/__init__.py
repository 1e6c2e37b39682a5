"""Every subcommand, one module each; ``COMMANDS`` is what ``cli.main`` registers."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
