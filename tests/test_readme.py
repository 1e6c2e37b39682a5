"""Every shell example of the README runs as written, on a fresh default registry.

The examples are extracted from the README itself, so new ones are picked up by themselves:

- ```` ```text ```` blocks: a line starting with ``$ `` is a command (a trailing ``\\``
  continues it); the lines after it, up to the next ``$``, are its output, where
  ``(exit code N)`` is the exit code expected (else 0). ``$ cat FILE`` shows a file: a file
  that no earlier command names is an input, written before the examples run; one that an
  earlier command names (``-o results.csv``) is its output, and its first line is checked.
- ```` ```sh ```` blocks: each command line, split at ``&&``.
- ```` ```csv ```` / ```` ```jsonl ```` blocks: input files, named by the last
  ```file.csv``` mentioned in the prose just above the block.
- ```` ```python ```` blocks with ``>>>`` prompts: the library examples, run as doctests
  (``...`` stands for any text) on the same default registry.

``matcher`` commands (also ``.venv/bin/matcher``) run in-process in temporary XDG folders
whose default registry is built once per session. Every other command must be listed in
:data:`EXCLUDED` with the reason it does not run here; one that is neither fails the test.
"""

from __future__ import annotations

import doctest
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.conftest import DefaultHome

README = Path(__file__).resolve().parents[1] / "README.md"

#: Commands the README shows that this test does not run, by prefix, and why.
EXCLUDED: dict[str, str] = {
    "matcher evaluate": "the evaluation on the full real history takes minutes",
    "python -m bench.": "benchmarks take minutes; they are run by hand",
    ".venv/bin/python -m bench.": "benchmarks take minutes; they are run by hand",
    "matcher serve": "starts a server that runs until stopped; tests/web/ runs it",
    "python scripts/": "re-derives the bundled data or retrains the model",
    "python3 -m venv": "creates a virtual environment; the suite already runs in one",
    ".venv/bin/pip install": "installs the package; the suite already runs on it",
    ".venv/bin/python -m pytest": "the test suite itself",
}
_EXIT = re.compile(r"\(exit code (\d+)\)")
_FILE = re.compile(r"`([\w.-]+\.(?:csv|jsonl))`")


@dataclass
class Example:
    """One ``matcher`` command of the README and what the README says it does."""

    line: int
    argv: tuple[str, ...]
    exit_code: int = 0
    #: Files the command writes that the README then shows: (name, first line shown).
    shows: list[tuple[str, str]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"README:{self.line} matcher {' '.join(self.argv)}"[:90]


@dataclass
class Extracted:
    examples: list[Example] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)
    excluded: list[tuple[int, str]] = field(default_factory=list)
    unknown: list[tuple[int, str]] = field(default_factory=list)
    #: ``python`` blocks with ``>>>`` prompts: (line of the block, its text).
    doctests: list[tuple[int, str]] = field(default_factory=list)


def _blocks(text: str) -> Iterator[tuple[str, int, list[str], str]]:
    """``(language, line of the first content line, lines, prose just above)``."""
    lines = text.splitlines()
    prose: list[str] = []
    i = 0
    while i < len(lines):
        fence = re.match(r"^```(\w*)\s*$", lines[i])
        if fence is None:
            prose.append(lines[i])
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")),
                   len(lines))
        yield fence.group(1), i + 2, lines[i + 1:end], "\n".join(prose[-6:])
        prose = []
        i = end + 1


def _logical(lines: list[str], start: int, *, prompts: bool
             ) -> Iterator[tuple[int, str, list[str]]]:
    """``(line, command, output lines)`` of a block; ``\\`` continues a command. With
    ``prompts`` (text blocks) the lines up to the next ``$`` are the command's output;
    without (sh blocks) every line is a command."""
    i = 0
    while i < len(lines):
        first = i
        command = lines[i]
        while command.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            command = command.rstrip()[:-1] + " " + lines[i].strip()
        i += 1
        output = []
        while prompts and i < len(lines) and not lines[i].startswith("$ "):
            output.append(lines[i])
            i += 1
        yield start + first, command, output


def _matcher_argv(tokens: list[str]) -> tuple[str, ...] | None:
    if tokens and (tokens[0] == "matcher" or tokens[0].endswith("/matcher")):
        return tuple(tokens[1:])
    return None


def _command(found: Extracted, line: int, command: str, output: list[str]) -> None:
    tokens = shlex.split(command, comments=True)
    if not tokens:
        return
    argv = _matcher_argv(tokens)
    plain = " ".join(["matcher", *argv] if argv is not None else tokens)
    reason = next((why for prefix, why in EXCLUDED.items() if plain.startswith(prefix)), None)
    if reason is not None:
        found.excluded.append((line, plain))
    elif argv is not None:
        codes = [int(m.group(1)) for text in output for m in _EXIT.finditer(text)]
        found.examples.append(Example(line, argv, codes[-1] if codes else 0))
    elif tokens[0] == "cat" and len(tokens) == 2:
        writer = next((e for e in reversed(found.examples) if tokens[1] in e.argv), None)
        if writer is not None:
            writer.shows.append((tokens[1], output[0] if output else ""))
        else:
            found.inputs[tokens[1]] = "\n".join(output) + "\n"
    else:
        found.unknown.append((line, plain))


def extract(text: str) -> Extracted:
    found = Extracted()
    for language, start, lines, prose in _blocks(text):
        if language == "text":
            for line, command, output in _logical(lines, start, prompts=True):
                if command.startswith("$ "):
                    _command(found, line, command[2:], output)
        elif language in ("sh", "bash", "shell"):
            for line, command, _ in _logical(lines, start, prompts=False):
                for part in command.split("&&"):
                    if part.strip() and not part.strip().startswith("#"):
                        _command(found, line, part.strip(), [])
        elif language == "python" and any(x.startswith(">>> ") for x in lines):
            found.doctests.append((start, "\n".join(lines) + "\n"))
        elif language in ("csv", "jsonl"):
            names = _FILE.findall(prose)
            if names:
                found.inputs[names[-1]] = "\n".join(lines) + "\n"
    return found


FOUND = extract(README.read_text(encoding="utf-8"))


def _command_name(argv: tuple[str, ...]) -> str:
    """``search`` of ``--db X -q search ...``."""
    rest = list(argv)
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] == "--db" else rest[1:]
    return rest[0] if rest else ""


def test_the_readme_examples_are_found() -> None:
    """The extraction itself: every command is run or excluded with a reason."""
    assert FOUND.unknown == [], ("README commands neither run by this test nor listed in "
                                 f"EXCLUDED: {FOUND.unknown}")
    commands = {_command_name(e.argv) for e in FOUND.examples}
    assert {"search", "check", "complete", "batch", "orgs", "import", "init"} <= commands
    assert {"ideas.csv", "partners.csv"} <= set(FOUND.inputs)
    assert any(e.exit_code == 3 for e in FOUND.examples)
    assert [c for _, c in FOUND.excluded if c.startswith("matcher evaluate")]
    assert any("Matcher.open()" in text for _, text in FOUND.doctests)


@pytest.fixture(scope="session")
def readme_home(default_matcher: object, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder holding the README's input files (the default registry's index is
    built by ``default_matcher``)."""
    work = tmp_path_factory.mktemp("readme")
    for name, content in FOUND.inputs.items():
        (work / name).write_text(content, encoding="utf-8")
    return work


@pytest.fixture(scope="session")
def readme_default(default_home: DefaultHome, readme_home: Path) -> DefaultHome:
    """A copy of the default registry and its index for the README's examples: they import
    into the default registry, which the other tests share and expect unchanged."""
    return default_home.copy(readme_home / ".xdg")


@pytest.mark.parametrize("example", FOUND.examples, ids=[e.id for e in FOUND.examples])
def test_readme_example_runs_as_written(example: Example, readme_home: Path,
                                        readme_default: DefaultHome, runner: CliRunner,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    readme_default.use(monkeypatch)
    monkeypatch.chdir(readme_home)
    result = runner.invoke(cli, list(example.argv))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{example.id}: {result.exception!r}")
    assert result.exit_code == example.exit_code, f"{example.id}\n{result.output}"
    assert "Traceback" not in result.output
    for name, first_line in example.shows:
        written = (readme_home / name).read_text(encoding="utf-8").splitlines()
        assert written and written[0] == first_line, f"{name}: {written[:1]}"


@pytest.mark.parametrize("block", FOUND.doctests, ids=[f"README:{n}" for n, _ in FOUND.doctests])
def test_readme_library_example_runs_as_written(block: tuple[int, str], readme_home: Path,
                                                default_home: DefaultHome,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # the shared default registry, unchanged: the example only reads it (the CLI examples'
    # copy has had the README's imports, whose index a search would rebuild first)
    default_home.use(monkeypatch)
    monkeypatch.chdir(readme_home)
    line, text = block
    test = doctest.DocTestParser().get_doctest(text, {}, f"README:{line}", str(README), line)
    said: list[str] = []
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    result = runner.run(test, out=said.append)
    assert result.attempted and not result.failed, "".join(said)
