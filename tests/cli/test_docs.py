"""Every command and every option explains itself (after sqlite-utils' ``tests/test_docs.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from cli.main import cli


def commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> Iterator[
        tuple[tuple[str, ...], click.Command]]:
    yield path, group
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name), command


ALL = list(commands())
IDS = [" ".join(path) or "matcher" for path, _ in ALL]


def test_the_registry_commands_are_there() -> None:
    assert {"orgs", "show", "stats", "themes", "import"} <= set(cli.commands)


@pytest.mark.parametrize(("path", "command"), ALL, ids=IDS)
def test_command_has_help(path: tuple[str, ...], command: click.Command) -> None:
    assert command.help and command.help.strip(), f"`matcher {' '.join(path)}` has no help"
    assert command.short_help is None or command.short_help.strip()


@pytest.mark.parametrize(("path", "command"), ALL, ids=IDS)
def test_every_option_has_help(path: tuple[str, ...], command: click.Command) -> None:
    missing = [p.name for p in command.params
               if isinstance(p, click.Option) and not (p.help or "").strip()]
    assert missing == [], f"`matcher {' '.join(path)}`: options without help: {missing}"


@pytest.mark.parametrize(("path", "command"), ALL, ids=IDS)
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_flags_work_everywhere(runner: CliRunner, path: tuple[str, ...],
                                    command: click.Command, flag: str) -> None:
    result = runner.invoke(cli, [*path, flag])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: ")
    assert (command.help or "").strip().split("\n")[0][:40] in " ".join(result.stdout.split())


@pytest.mark.parametrize("name", ["orgs", "show", "stats", "themes"])
def test_registry_commands_show_examples(runner: CliRunner, name: str) -> None:
    result = runner.invoke(cli, [name, "--help"])
    assert "Examples:" in result.stdout and f"matcher {name}" in result.stdout


def test_main_help_names_the_three_jobs(runner: CliRunner) -> None:
    out = runner.invoke(cli, ["--help"]).stdout
    assert "Find partners" in out
    assert "Complete a consortium" in out
    assert "Batch matching" in out
    for command in ("search", "complete", "batch"):
        assert f"matcher {command}" in out
