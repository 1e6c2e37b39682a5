"""A field added to a request is an option of its command and a column of a batch file with no
other edit: both come from the request's field list."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import click
from click.testing import CliRunner

from cli.commands.search import search_command
from cli.options import request_options
from matcher.batch.rows import FIELDS, BatchQuery
from matcher.requests import ConsortiumRequest, SearchFields, SearchRequest


@dataclass(frozen=True, slots=True, kw_only=True)
class _Wider(SearchRequest):
    min_projects: int | None = field(default=None, metadata={"help": "At least N projects."})
    eu_only: bool = field(default=False, metadata={"help": "EU members only."})


def test_a_new_field_is_an_option_with_its_help_and_reaches_the_request() -> None:
    got: list[_Wider] = []

    @click.command()
    @request_options(_Wider)
    @click.option("--text", default="")
    def command(**options: object) -> None:
        got.append(_Wider.from_mapping(options))

    runner = CliRunner()
    shown = " ".join(runner.invoke(command, ["--help"]).output.split())
    assert "--min-projects INTEGER At least N projects." in shown
    result = runner.invoke(command, ["--text", "x", "--min-projects", "3", "--eu-only"])
    assert result.exit_code == 0, result.output
    assert (got[0].min_projects, got[0].eu_only, got[0].k) == (3, True, 10)


def test_search_has_an_option_for_every_field_of_its_request() -> None:
    names = {p.name for p in search_command.params}
    assert {f.name for f in fields(SearchRequest)} <= names


def test_a_batch_search_row_has_a_column_for_every_field_but_the_batch_action() -> None:
    assert set(FIELDS["search"]) == {f.name for f in fields(SearchRequest)} - {"action"} | {"id"}


def test_a_search_option_is_a_field_a_batch_row_carries() -> None:
    """A batch row (``BatchQuery``, a ``SearchFields``) holds every field of a search but the
    two a batch sets for the whole run: an option added to ``SearchRequest`` itself would be
    a batch column that no row can hold (``BatchQuery() got an unexpected keyword``)."""
    own = {f.name for f in fields(SearchRequest)} - {f.name for f in fields(SearchFields)}
    assert own == {"action", "k"}
    assert {f.name for f in fields(SearchFields)} <= {f.name for f in fields(BatchQuery)}


def test_a_proposal_is_a_completion_from_a_lead_alone(default_matcher: Any) -> None:
    asked = {"n": 2, "text": "virtual mobility"}
    proposed = default_matcher.propose("KA220-HED", "SF HELSINK01", **asked)
    completed = default_matcher.complete(ConsortiumRequest.from_mapping(
        {"action": "KA220-HED", "coordinator": "SF HELSINK01", **asked}))
    assert proposed.to_json() == completed.to_json()
