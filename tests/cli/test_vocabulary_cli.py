"""One vocabulary: each kind of input means the same thing in every command that takes it.

For every kind (organisation, country, type, theme, call topic), several spellings of the same
value are run through every command that accepts that kind: the outputs must be equal. These
were the inconsistencies of separate resolvers: ``search --theme ERC`` failed while ``orgs
--theme ERC`` worked, ``--country Deutschland`` worked in ``search`` only, ``complete --type
EPLUS-ENT-SME`` failed while ``search`` accepted it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.real_slices import real_registry

HELSINKI, CYPRUS = "999994535", "965934440"
KEEP = {"224209", "220541", "221198"}
#: The same value, spelt as users spell it.
SPELLINGS: dict[str, list[str]] = {
    "org": [HELSINKI, "SF HELSINK01", "helsingin yliopisto"],
    "country": ["DE", "Deutschland", "Germany"],
    "type": ["company", "EPLUS-ENT-SME", "PRC"],
    "theme": ["h2020-erc", "ERC", "European Research Council: frontier research"],
    "topic": ["ERC-2015-CoG", "ERC-CoG", "erc-cog"],
}


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return real_registry(tmp_path_factory.mktemp("vocabulary"), n_projects=25, keep=KEEP,
                         eche_countries=("FI", "CY"), programme_parts=True, names=True,
                         projects=True)


def _run(url: str, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["--db", url, "-q", *args])
    assert result.exit_code == 0, (args, result.output)
    return json.loads(result.stdout)


def _batch(url: str, tmp: Path, row: dict[str, Any], mode: str = "search") -> Any:
    source = tmp / "rows.jsonl"
    source.write_text(json.dumps({"id": "1", **row}) + "\n", encoding="utf-8")
    out = tmp / "out.jsonl"
    result = CliRunner().invoke(cli, ["--db", url, "-q", "batch", str(source), "-o", str(out),
                                      "--mode", mode, "--action", "KA220-HED"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


COMPLETE = ("complete", "-a", "KA220-HED", "-m", CYPRUS, "--format", "json")
#: kind -> each command taking it: value -> its output.
USES: dict[str, list[Callable[[str, Path, str], Any]]] = {
    "org": [
        lambda u, t, v: _run(u, "search", "--org", v, "-k", "5", "--format", "json"),
        lambda u, t, v: _run(u, "complete", "-a", "KA220-HED", "-m", v, "-m", CYPRUS,
                             "--format", "json"),
        lambda u, t, v: _run(u, "propose", "-a", "KA220-HED", "--lead", v, "--theme", "ERC",
                             "--format", "json"),
        lambda u, t, v: _run(u, "show", v, "--format", "json"),
        lambda u, t, v: _batch(u, t, {"org": v, "k": 3}),
        lambda u, t, v: _batch(u, t, {"members": [v, CYPRUS], "k": 2}, "complete"),
    ],
    "country": [
        lambda u, t, v: _run(u, "search", "--org", HELSINKI, "--country", v, "--format", "json"),
        lambda u, t, v: _run(u, *COMPLETE, "-m", HELSINKI, "--country", v, "--country", "FR"),
        lambda u, t, v: _run(u, "orgs", "--country", v, "--format", "json"),
        lambda u, t, v: _batch(u, t, {"org": HELSINKI, "countries": [v]}),
    ],
    "type": [
        lambda u, t, v: _run(u, "search", "--org", HELSINKI, "--type", v, "--format", "json"),
        lambda u, t, v: _run(u, *COMPLETE, "-m", HELSINKI, "--type", v, "--type", "research",
                             "--size", "3..4"),
        lambda u, t, v: _run(u, "orgs", "--type", v, "--format", "json"),
        lambda u, t, v: _batch(u, t, {"org": HELSINKI, "types": [v]}),
    ],
    "theme": [
        lambda u, t, v: _run(u, "search", "--theme", v, "-k", "5", "--format", "json"),
        lambda u, t, v: _run(u, *COMPLETE, "-m", HELSINKI, "--theme", v),
        lambda u, t, v: _run(u, "orgs", "--theme", v, "--format", "json"),
        lambda u, t, v: _batch(u, t, {"themes": [v], "k": 3}),
    ],
    "topic": [
        lambda u, t, v: _run(u, "search", "--topic", v, "-k", "5", "--format", "json"),
        lambda u, t, v: _run(u, *COMPLETE, "-m", HELSINKI, "--topic", v),
        lambda u, t, v: _batch(u, t, {"topics": [v], "k": 3}),
    ],
}


def _same_query(output: Any) -> Any:
    """Outputs minus the echo of what was typed (a search's ``query`` block says it)."""
    if isinstance(output, dict) and "query" in output:
        return {**output, "query": {k: v for k, v in output["query"].items()
                                    if k not in ("topics",)}}
    return output


@pytest.mark.parametrize(("kind", "use"), [(kind, i) for kind, uses in USES.items()
                                           for i in range(len(uses))])
def test_every_spelling_means_the_same_in_every_command(url: str, tmp_path: Path, kind: str,
                                                        use: int) -> None:
    run = USES[kind][use]
    outputs = [_same_query(run(url, tmp_path, value)) for value in SPELLINGS[kind]]
    assert outputs[0], f"{kind} #{use}: no answer at all"
    for value, output in zip(SPELLINGS[kind][1:], outputs[1:], strict=True):
        assert output == outputs[0], f"{kind} #{use}: {value!r} differs from " \
                                     f"{SPELLINGS[kind][0]!r}"
