"""Which commands may create a registry, and registries the user cannot write.

Read commands never create one: a mistyped ``--db`` used to become a silent empty registry
(even creating missing folders). Only imports and ``matcher init`` create one. A registry in a
read-only folder (installed by an administrator) used to fail with "unable to open database
file" even for ``stats``; read commands now open it read-only.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import cli

READ_COMMANDS = [["stats"], ["orgs"], ["show", "999994535"], ["themes"],
                 ["search", "--text", "guidance"], ["index"],
                 ["check", "--action", "KA220-HED", "-m", "999994535"]]


def _tables(url: str) -> list[str]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        return sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: c[0])
def test_read_commands_on_a_mistyped_db_say_so_and_create_nothing(
        runner: CliRunner, tmp_path: Path, command: list[str]) -> None:
    typo = tmp_path / "no-such-folder" / "typo.sqlite"
    result = runner.invoke(cli, ["--db", str(typo), *command])
    assert (result.exit_code, result.stderr) == (1, (
        f"Error: no registry at {typo}; create it with `matcher --db {typo} import KIND FILE` "
        f"or `matcher --db {typo} init`, or drop --db for the default\n"))
    assert not typo.parent.exists()


def test_a_database_without_the_registry_is_no_registry_on_both_backends(
        runner: CliRunner, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty SQLite file or PostgreSQL schema is not turned into a registry by a read."""
    if db_url.startswith("sqlite"):
        Path(db_url.removeprefix("sqlite:///")).touch()
    result = runner.invoke(cli, ["--db", db_url, "stats"])
    where = (db_url.removeprefix("sqlite:///") if db_url.startswith("sqlite") else
             sa.engine.make_url(db_url).render_as_string(hide_password=True))
    assert (result.exit_code, result.stderr) == (1, (
        f"Error: no registry at {where}; create it with `matcher --db {shlex.quote(db_url)} "
        f"import KIND FILE` or `matcher --db {shlex.quote(db_url)} init`, or drop --db for "
        "the default\n"))
    assert _tables(db_url) == []
    monkeypatch.setenv("MATCHER_DB", db_url)
    from_env = runner.invoke(cli, ["stats"])
    assert (from_env.exit_code, from_env.stderr) == (1, (
        f"Error: no registry at {where} (from $MATCHER_DB); create it with `matcher import "
        "KIND FILE` or `matcher init`, or unset MATCHER_DB for the default\n"))


def test_init_and_import_create_a_registry(runner: CliRunner, db_url: str,
                                           tmp_path: Path) -> None:
    created = runner.invoke(cli, ["--db", db_url, "init"])
    assert created.exit_code == 0
    assert created.stderr.startswith("Created an empty registry at ")
    assert created.stderr.endswith(" (77 themes of the reference vocabulary); add "
                                   "organisations with `matcher import KIND FILE`.\n")
    again = runner.invoke(cli, ["--db", db_url, "init"])
    assert again.exit_code == 0 and again.stderr.endswith(
        " already exists: 0 organisations; nothing to do.\n")
    stats = runner.invoke(cli, ["--db", db_url, "stats", "--format", "json"])
    assert json.loads(stats.stdout)["organisations"] == 0
    other = tmp_path / "sub" / "new.sqlite"
    path = tmp_path / "partners.csv"
    path.write_text("name,country,type\nInnokas ry,FI,NGO\n", encoding="utf-8")
    imported = runner.invoke(cli, ["--db", str(other), "import", "orgs", str(path)])
    assert (imported.exit_code, imported.stderr) == (
        0, "partners.csv: 1 row read; created 1 organisation.\n")


_READER = """
import json, sys
from click.testing import CliRunner
from cli.main import cli
runner = CliRunner()
print(json.dumps([(r.exit_code, r.stderr, r.stdout) for r in (
    runner.invoke(cli, ["--db", sys.argv[1], *args]) for args in json.loads(sys.argv[2]))]))
"""


def _as_reader(tmp_path: Path) -> list[str]:
    """A command prefix that runs without the right to write files we own: as root, root
    without CAP_DAC_OVERRIDE (the file modes then bind it as any user)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot drop the right to write")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_a_registry_in_a_read_only_folder_answers_read_commands(
        runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    registry = folder / "registry.sqlite"
    path = tmp_path / "partners.csv"
    path.write_text("name,country,type,themes\nInnokas ry,FI,NGO,guidance-counselling\n"
                    "Oulun yliopisto,FI,higher education,\n", encoding="utf-8")
    assert runner.invoke(cli, ["--db", str(registry), "import", "orgs", str(path)]
                         ).exit_code == 0
    cache = tmp_path / "cache"
    cache.mkdir()
    registry.chmod(0o444)
    folder.chmod(0o555)
    try:
        commands = [["stats", "--format", "json"], ["show", "#1"],
                    ["search", "--text", "guidance", "-k", "1", "--format", "json"],
                    ["import", "orgs", str(path)]]
        env = {**os.environ, "XDG_CACHE_HOME": str(cache), "XDG_DATA_HOME": str(cache),
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        done = subprocess.run([*_as_reader(tmp_path), sys.executable, "-c", _READER,
                               str(registry), json.dumps(commands)],
                              env=env, capture_output=True, text=True, timeout=120,
                              check=False)
        assert done.returncode == 0, done.stderr
        stats, show, search, imported = json.loads(done.stdout)
    finally:
        folder.chmod(0o755)
        registry.chmod(0o644)
    assert stats[0] == 0 and json.loads(stats[2])["organisations"] == 2
    assert show[0] == 0 and show[2].startswith("Innokas ry  (#1)")
    assert search[0] == 0 and '"name": "Innokas ry"' in search[2]
    assert tuple(imported[:2]) == (1, (
        f"Error: the registry at {registry} is read-only for you (no write permission on the "
        "file or its folder): import into a copy you own, or ask its owner to import\n"))
    assert sorted(p.name for p in folder.iterdir()) == ["registry.sqlite"]
