"""A second hostile trial of the command line (docs/hostile-trial-2.md): special files, numbers
too long to read, a column named twice, outputs that cannot be written, Ctrl-C during an
import, and names that would rewrite the user's terminal. Each case: one ``Error:`` line (or
escapes in place of control characters), the exit code, no traceback, the registry as it was;
on SQLite and PostgreSQL where a registry is written."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cli.main import cli

GOOD = "name,country,type,description\nAlpha robotics ry,FI,NGO,robotics education\n"
#: Names and a city that, printed raw, clear the screen, colour it, retitle the window, ring,
#: overwrite letters and reverse what follows.
HOSTILE = ("name,country,type,city,description\n"
           "\x1b[2J\x1b[31mRED\x07\x08\x08X robotics,FI,NGO,\x1b]0;pwned\x07,robotics education\n"
           "\u202eevil\u202c robotics,FI,NGO,,robotics education\n")
RUNS = ["\x1b", "\x07", "\x08", "\u202e", "\x9b"]


def _ok(result: Result) -> None:
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def _registry(runner: CliRunner, url: str, folder: Path, text: str = GOOD) -> None:
    (folder / "start.csv").write_text(text, encoding="utf-8")
    _ok(runner.invoke(cli, ["-q", "--db", url, "import", "orgs", str(folder / "start.csv")]))


def _state(runner: CliRunner, url: str) -> Any:
    result = runner.invoke(cli, ["-q", "--db", url, "orgs", "--format", "json", "--limit", "1000"])
    _ok(result)
    return json.loads(result.stdout)


def _refused(result: Result, code: int, *said: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(
        result.exception, SystemExit)
    for text in said:
        assert text in result.output, result.output


# -- files that are no files ------------------------------------------------------------

def _fifo(folder: Path) -> Path:
    path = folder / "pipe.csv"
    os.mkfifo(path)
    return path


SPECIAL: dict[str, Callable[[Path], Path]] = {
    "a named pipe": _fifo,  # reading it waited for a writer for ever
    "a device": lambda _folder: Path("/dev/zero"),  # read without end: MemoryError
}


@pytest.mark.parametrize("what", list(SPECIAL))
def test_import_refuses_a_special_file_before_reading_it(runner: CliRunner, db_url: str,
                                                         tmp_path: Path, what: str) -> None:
    _registry(runner, db_url, tmp_path)
    before = _state(runner, db_url)
    path = SPECIAL[what](tmp_path)
    result = runner.invoke(cli, ["--db", db_url, "import", "orgs", str(path)])
    _refused(result, 1, f"Error: {path}: is {what}, not a file: save what it holds to a file")
    assert _state(runner, db_url) == before


@pytest.mark.parametrize("what", list(SPECIAL))
def test_batch_refuses_a_special_input(runner: CliRunner, tmp_path: Path, what: str) -> None:
    path = SPECIAL[what](tmp_path)
    result = runner.invoke(cli, ["--db", f"sqlite:///{tmp_path / 'r.sqlite'}", "batch",
                                 str(path), "-o", str(tmp_path / "out.csv"),
                                 "--input-format", "csv"])
    _refused(result, 1, f"Error: {path}: is {what}, not a file")


# -- numbers too long to read, a column named twice -------------------------------------

def test_import_of_a_json_integer_too_long_to_read_names_the_line(
        runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    _registry(runner, db_url, tmp_path)
    before = _state(runner, db_url)
    path = tmp_path / "long.jsonl"
    path.write_text('{"name": "A", "country": "FI", "type": "NGO", "pic": ' + "9" * 5000 + "}\n")
    result = runner.invoke(cli, ["--db", db_url, "import", "orgs", str(path)])
    _refused(result, 1, f"Error: {path}:1: -: not valid JSON: a number too long to read "
                        "(over 4,300 digits)")
    assert _state(runner, db_url) == before


def test_batch_row_with_an_integer_too_long_to_read_is_a_row_error(runner: CliRunner,
                                                                   tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "text": "robotics", "k": ' + "9" * 5000 + "}\n")
    result = runner.invoke(cli, ["-q", "--db", f"sqlite:///{tmp_path / 'r.sqlite'}", "init"])
    _ok(result)
    result = runner.invoke(cli, ["-q", "--db", f"sqlite:///{tmp_path / 'r.sqlite'}", "batch",
                                 str(path), "-o", str(tmp_path / "out.csv")])
    _refused(result, 1, "row 1 (id 1): not valid JSON: a number too long to read")


def test_import_refuses_a_column_named_twice(runner: CliRunner, db_url: str,
                                             tmp_path: Path) -> None:
    """The second ``name`` column used to be ignored: row "A,B" imported as "A"."""
    _registry(runner, db_url, tmp_path)
    before = _state(runner, db_url)
    path = tmp_path / "twice.csv"
    path.write_text("name,Name,country,type\nA,B,FI,NGO\n")
    result = runner.invoke(cli, ["--db", db_url, "import", "orgs", str(path)])
    _refused(result, 1, f"Error: {path}: line 1: column 'name' appears twice (columns 1 "
                        "and 2)")
    assert _state(runner, db_url) == before


# -- outputs that cannot be written ------------------------------------------------------

@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("hostile-batch")
    url = f"sqlite:///{folder / 'r.sqlite'}"
    _registry(CliRunner(), url, folder)
    (folder / "q.csv").write_text("id,text\n1,robotics education\n")
    return url, folder


@pytest.mark.parametrize(("option", "target", "said"), [
    ("-o", "missing/out.csv", "missing/out.csv: cannot write the file: No such file or directory"),
    ("--errors", "missing/e.txt", "missing/e.txt: cannot write the file: No such file or directory"),
    ("-o", "/dev/full", ("/dev/full: cannot write the results: No space left on device; the "
                         "output holds whole rows only: free space and run the same command "
                         "with --resume")),
])
def test_batch_output_that_cannot_be_written_is_one_error(
        runner: CliRunner, small: tuple[str, Path], option: str, target: str,
        said: str) -> None:
    url, folder = small
    where = target if target.startswith("/") else str(folder / target)
    args = ["-q", "--db", url, "batch", str(folder / "q.csv"), "--output-format", "csv"]
    args += [option, where] + (["-o", str(folder / "out.csv")] if option != "-o" else [])
    result = runner.invoke(cli, args)
    _refused(result, 1, said)


def test_batch_output_that_is_the_input_is_refused(runner: CliRunner,
                                                   small: tuple[str, Path]) -> None:
    """Opening it for writing emptied the queries before they were read."""
    url, folder = small
    query = folder / "same.csv"
    query.write_text("id,text\n1,robotics education\n")
    result = runner.invoke(cli, ["-q", "--db", url, "batch", str(query), "-o", str(query)])
    _refused(result, 2, f"-o {query} is the input file: writing it would erase the queries")
    assert query.read_text() == "id,text\n1,robotics education\n"


@pytest.mark.parametrize("name", ["notes.csv", "notes.jsonl"])
def test_resume_refuses_a_file_that_is_no_batch_output(runner: CliRunner,
                                                       small: tuple[str, Path],
                                                       name: str) -> None:
    """A CSV of random bytes raised UnicodeDecodeError; any other file was cut to nothing."""
    url, folder = small
    output = folder / name
    for content in (os.urandom(2000) + b"\n", b"my notes\nmore notes\n"):
        output.write_bytes(content)
        result = runner.invoke(cli, ["-q", "--db", url, "batch", str(folder / "q.csv"), "-o",
                                     str(output), "--resume"])
        _refused(result, 2, "does not look like the output of `matcher batch`")
        assert output.read_bytes() == content


# -- options ----------------------------------------------------------------------------

def test_an_empty_db_is_a_usage_error_not_the_default_registry(runner: CliRunner,
                                                               tmp_path: Path) -> None:
    (tmp_path / "good.csv").write_text(GOOD)
    result = runner.invoke(cli, ["--db", "", "import", "orgs", str(tmp_path / "good.csv")])
    _refused(result, 2, "Invalid value for '--db': is empty: give a database URL")


# -- Ctrl-C during an import ------------------------------------------------------------

def test_ctrl_c_during_an_import_leaves_the_registry_as_it_was(
        runner: CliRunner, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import data.importers

    _registry(runner, db_url, tmp_path)
    before = _state(runner, db_url)
    real = data.importers.import_file

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)  # every row written in the transaction, then Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(data.importers, "import_file", interrupted)
    path = tmp_path / "more.csv"
    path.write_text("name,country,type\n" + "".join(f"Org {i},FI,NGO\n" for i in range(50)))
    result = runner.invoke(cli, ["-q", "--db", db_url, "import", "orgs", str(path)])
    assert result.exit_code == 130, result.output
    assert result.output.strip() == ("Interrupted: nothing was imported; the registry is as "
                                     "it was.")
    assert _state(runner, db_url) == before


# -- names that would rewrite the terminal ----------------------------------------------

@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("hostile-terminal")
    url = f"sqlite:///{folder / 'r.sqlite'}"
    _registry(CliRunner(), url, folder, HOSTILE)
    return url


@pytest.mark.parametrize("args", [
    ["orgs"], ["orgs", "--format", "csv"], ["orgs", "--format", "json"],
    ["search", "--text", "robotics education"], ["search", "--text", "robotics", "--format",
                                                  "json"],
    ["show", "#1"], ["show", "#1", "--format", "json"], ["show", "#2"],
])
def test_no_output_runs_a_control_character_from_a_name(runner: CliRunner, hostile: str,
                                                        args: list[str]) -> None:
    """In a CSV a bidirectional override stays: a spreadsheet runs nothing of it."""
    result = runner.invoke(cli, ["-q", "--db", hostile, *args])
    _ok(result)
    runs = [c for c in RUNS if c != "\u202e"] if "csv" in args else RUNS
    assert not [c for c in runs if c in result.output], result.output
    if "#2" in args:
        assert "\\u202eevil\\u202c robotics" in result.stdout
    elif "json" in args:
        assert "\\u001b[2J\\u001b[31mRED" in result.stdout
    else:  # (a table may clip the name to the terminal's width)
        assert "\\x1b[2J\\x1b[31mRED\\x07" in result.stdout


def test_an_error_message_runs_no_control_character(runner: CliRunner, hostile: str) -> None:
    result = runner.invoke(cli, ["-q", "--db", hostile, "show", "\x1b[2Jnobody\x07"])
    assert result.exit_code == 2
    assert not [c for c in RUNS if c in result.output], result.output


# -- identifiers in other digits --------------------------------------------------------

FULLWIDTH = "\uff19" * 9
ARABIC = "".join(chr(0x661 + i) for i in range(9))

@pytest.mark.parametrize(("kind", "text", "said"), [
    ("orgs", f"name,country,type,pic\nFullwidth ry,FI,NGO,{FULLWIDTH}\n",
     f":2: pic: '{FULLWIDTH}' is not a PIC; valid: 9 digits (0-9)"),
    ("orgs", f"name,country,type,pic\nArabic ry,FI,NGO,{ARABIC}\n", ":2: pic: "),
    ("history", "rcn,role,pic,type,country,start_year\n\u00b2,participant,999999990,HES,FI,2019\n",
     ":2: rcn: '\u00b2' is not a project number; valid: digits (0-9)"),
])
def test_identifiers_in_other_digits_are_refused(runner: CliRunner, db_url: str,
                                                 tmp_path: Path, kind: str, text: str,
                                                 said: str) -> None:
    """Python's ``\\d`` and ``isdigit`` take them: a PIC no lookup by 9 digits ever found."""
    _registry(runner, db_url, tmp_path)
    before = _state(runner, db_url)
    path = tmp_path / "digits.csv"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["-q", "--db", db_url, "import", kind, str(path)])
    _refused(result, 1, f"Error: {path}{said}")
    assert _state(runner, db_url) == before


@pytest.mark.parametrize("args", [["show", "\udcff"], ["check", "-a", "KA220-HED", "-m",
                                                        "Alpha\udcff"],
                                  ["search", "--org", "Alpha robotics\udcff"]])
def test_an_organisation_typed_in_bytes_that_are_not_utf8_is_a_usage_error(
        runner: CliRunner, db_url: str, tmp_path: Path, args: list[str]) -> None:
    """Python hands such bytes of the command line over as lone surrogates, which no
    database driver can encode: a UnicodeEncodeError traceback."""
    _registry(runner, db_url, tmp_path)
    result = runner.invoke(cli, ["-q", "--db", db_url, *args])
    _refused(result, 2, "is not valid text: it holds bytes that are not UTF-8")


@pytest.mark.parametrize("args", [["orgs"], ["orgs", "--format", "csv"], ["show", "#1"]])
def test_output_to_a_full_disk_is_one_error(small: tuple[str, Path], args: list[str]) -> None:
    """``matcher orgs > /dev/full`` ended in an OSError traceback."""
    import subprocess
    import sys

    url, _folder = small
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "cli.main", "-q", "--db", url, *args],
                              stdout=full, stderr=subprocess.PIPE, text=True, check=False)
    assert done.returncode == 1
    assert done.stderr == "Error: cannot write the output: No space left on device\n"
