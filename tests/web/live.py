"""A small registry of universities about robotics, and what the tests of a server that
follows its registry share: importing into it, and polling without timed asserts."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from click.testing import CliRunner

from cli.main import cli

T = TypeVar("T")

#: (name, country, PIC) of the registry the server starts on.
BASE = [("Helsinki Robotics University", "FI", "999000001"),
        ("Berlin Robotics Hochschule", "DE", "999000002"),
        ("Uppsala Robotics College", "SE", "999000003"),
        ("Lyon Robotics Ecole", "FR", "999000004"),
        ("Madrid Robotics Universidad", "ES", "999000005"),
        ("Roma Robotics Universita", "IT", "999000006")]
#: The organisation imported while the server runs.
NEW = ("Tampere Robotics Academy", "FI", "999000111")
DESCRIPTION = "robotics education for schools"
#: Generous: a refresh of this registry takes a few seconds on an idle machine.
PATIENCE = 180.0


def import_orgs(url: str, folder: Path, rows: list[tuple[str, str, str]], name: str) -> None:
    """``matcher --db URL import orgs`` of ``rows`` (as universities about robotics)."""
    source = folder / f"{name}.csv"
    source.write_text("name,country,type,pic,description\n" + "".join(
        f"{org},{country},higher education,{pic},{DESCRIPTION}\n"
        for org, country, pic in rows), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-q", "--db", url, "import", "orgs", str(source)])
    assert result.exit_code == 0, result.output


def eventually(probe: Callable[[], T | None], what: str, *, patience: float = PATIENCE) -> T:
    """The first answer of ``probe`` that is not None, asked every 0.1 s; fails, saying
    ``what`` was awaited, after ``patience`` seconds (a bound for a stuck server, not a
    figure of speed)."""
    deadline = time.monotonic() + patience
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting, after {patience:.0f} s, for {what}")
        time.sleep(0.1)
