"""Every subcommand lives in a module of this package and is found here, so adding a command
touches no shared file. A module lists its commands in ``COMMANDS``.

Command modules import heavy libraries (scikit-learn, scipy) inside the command function,
not at module level: ``matcher --help`` must stay instant.
"""

from __future__ import annotations

import importlib
import pkgutil

import click


def _discover() -> list[click.Command]:
    found: list[click.Command] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(getattr(module, "COMMANDS", ()))
    return found


COMMANDS: list[click.Command] = _discover()
