"""The JSON API on the default registry: every endpoint, the same answers as the facade and
the CLI's ``--format json``, and errors as statuses with the CLI's sentence and the field."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cli.web.app import create_app

GRAZ, CSIC, HELSINKI = "999873188", "999991722", "999994535"
CliJson = Callable[..., tuple[int, Any, str]]


def test_search_equals_the_facade_and_the_cli(client: TestClient, default_matcher: Any,
                                              cli_json: CliJson) -> None:
    got = client.get("/api/search", params={"text": "virtual mobility for engineering",
                                            "countries": ["FI", "Sweden"],
                                            "types": "higher-education", "k": 5})
    assert got.status_code == 200
    facade = default_matcher.search(text="virtual mobility for engineering",
                                    countries=["FI", "Sweden"], types=["higher-education"],
                                    k=5).to_json()
    code, out, _ = cli_json("search", "--text", "virtual mobility for engineering",
                            "--country", "FI", "--country", "Sweden",
                            "--type", "higher-education", "-k", "5")
    assert code == 0
    assert got.json() == facade == out
    assert len(out["results"]) == 5 and all(r["why"] for r in out["results"])


def test_search_by_organisation_and_theme(client: TestClient, cli_json: CliJson) -> None:
    got = client.get("/api/search", params={"org": "SF HELSINK01",
                                            "themes": "opintojen ohjaus ja neuvonta", "k": 3})
    code, out, _ = cli_json("search", "--org", "SF HELSINK01", "--theme",
                            "opintojen ohjaus ja neuvonta", "-k", "3")
    assert got.status_code == 200 and code == 0
    assert got.json() == out and out["query"]["org"]["pic"] == HELSINKI


def test_orgs_show_and_themes_equal_the_cli(client: TestClient, cli_json: CliJson) -> None:
    got = client.get("/api/orgs", params={"name": "helsinki", "countries": "FI", "limit": 3})
    assert got.status_code == 200
    assert got.json() == cli_json("orgs", "--name", "helsinki", "--country", "FI",
                                  "--limit", "3")[1]
    got = client.get(f"/api/orgs/{GRAZ}")
    assert got.status_code == 200
    assert got.json() == cli_json("show", GRAZ)[1]
    assert got.json()["partners"] and got.json()["projects"]
    got = client.get("/api/orgs/%23" + str(got.json()["id"]))  # '#id', escaped in a path
    assert got.status_code == 200 and got.json()["pic"] == GRAZ
    got = client.get("/api/themes", params={"kind": "seed"})
    assert got.status_code == 200
    assert got.json() == cli_json("themes", "--kind", "seed")[1]
    assert all(t["label_fi"] for t in got.json())


def test_check_equals_the_cli_eligible_or_not(client: TestClient, cli_json: CliJson) -> None:
    got = client.post("/api/check", json={"action": "KA220-HED", "members": [GRAZ, CSIC]})
    code, out, _ = cli_json("check", "--action", "KA220-HED", "-m", GRAZ, "-m", CSIC)
    assert got.status_code == 200 and code == 3  # the CLI exits 3 when not eligible
    assert got.json() == out
    assert not out["eligible"]
    assert {v["rule"] for v in out["violations"]} == {"min_organisations", "min_countries"}


def test_complete_and_propose_equal_the_cli(client: TestClient, default_matcher: Any,
                                            cli_json: CliJson) -> None:
    body = {"action": "KA220-HED", "members": [GRAZ, CSIC], "n": 2, "size": "3..4",
            "text": "virtual mobility"}
    got = client.post("/api/complete", json=body)
    code, out, _ = cli_json("complete", "--action", "KA220-HED", "-m", GRAZ, "-m", CSIC,
                            "-n", "2", "--size", "3..4", "--text", "virtual mobility")
    facade = default_matcher.complete("KA220-HED", [GRAZ, CSIC], n=2, size=(3, 4),
                                      text="virtual mobility").to_json()
    assert got.status_code == 200 and code == 0
    assert got.json() == out == facade
    assert all(c["eligible"] for c in out["consortia"])
    got = client.post("/api/propose", json={"action": "KA220-HED", "lead": "SF HELSINK01",
                                            "text": "virtual mobility", "n": 1})
    code, out, _ = cli_json("propose", "--action", "KA220-HED", "--lead", "SF HELSINK01",
                            "--text", "virtual mobility", "-n", "1")
    assert got.status_code == 200 and code == 0
    assert got.json() == out


def test_health_reports_a_fresh_index(client: TestClient) -> None:
    got = client.get("/health")
    assert got.status_code == 200
    body = got.json()
    assert body["status"] == "ok" and body["fresh"]
    assert body["index"]["n_orgs"] == 36_899 and "checksums" not in body["index"]


def _cli_error(stderr: str) -> str:
    line = next(line for line in stderr.splitlines() if line.startswith("Error: "))
    return line.removeprefix("Error: ")


@pytest.mark.parametrize(("params", "args", "field"), [
    ({"text": "x", "countries": "Narnia"}, ("--text", "x", "--country", "Narnia"),
     "countries"),
    ({"text": "x", "themes": "no such theme"}, ("--text", "x", "--theme", "no such theme"),
     "themes"),
    ({"text": "x", "types": "spaceship"}, ("--text", "x", "--type", "spaceship"), "types"),
    ({"text": "x", "action": "KA999"}, ("--text", "x", "--action", "KA999"), "action"),
    ({"text": " "}, ("--text", " "), "text"),
])
def test_bad_search_input_is_422_with_the_cli_sentence_and_field(
        client: TestClient, cli_json: CliJson, params: dict[str, str], args: tuple[str, ...],
        field: str) -> None:
    got = client.get("/api/search", params=params)
    code, _, stderr = cli_json("search", *args)
    assert got.status_code == 422 and code == 2
    assert got.json() == {"error": "QueryError", "message": _cli_error(stderr),
                          "field": field}


def test_bad_consortium_input_is_422(client: TestClient, cli_json: CliJson) -> None:
    got = client.post("/api/check", json={"action": "KA220-HED", "members": [GRAZ],
                                          "call_year": 1990})
    code, _, stderr = cli_json("check", "--action", "KA220-HED", "-m", GRAZ,
                               "--call-year", "1990")
    assert got.status_code == 422 and code == 2
    assert got.json()["message"] == _cli_error(stderr)
    assert got.json()["field"] == "call_year"
    got = client.post("/api/complete", json={"action": "KA220-HED", "members": [GRAZ],
                                             "size": "many"})
    assert got.status_code == 422 and got.json()["field"] == "size"
    assert got.json()["message"] == "'many' is not MIN..MAX or N (e.g. 3..5)"
    got = client.post("/api/complete", json={"action": "KA220-HED", "members": [GRAZ],
                                             "n": 0})
    assert got.status_code == 422 and got.json()["field"] == "n"
    got = client.get("/api/search", params={"text": "x", "k": "many"})
    assert got.status_code == 422 and got.json()["field"] == "k"
    got = client.get("/api/search", params={"text": "x", "k": "0"})  # the library's check
    assert got.json() == {"error": "QueryError", "field": "k",
                          "message": "-k 0: ask for at least 1 result"}
    got = client.post("/api/check", json={"action": "KA220-HED", "member": [GRAZ]})
    assert got.status_code == 422 and got.json()["field"] in ("members", "member")


def test_unknown_organisation_is_404(client: TestClient, cli_json: CliJson) -> None:
    got = client.get("/api/orgs/000000001")
    code, _, stderr = cli_json("show", "000000001")
    assert got.status_code == 404 and code == 2
    assert got.json() == {"error": "UnknownOrganisation", "message": _cli_error(stderr),
                          "field": "org"}
    got = client.post("/api/complete", json={"action": "KA220-HED",
                                             "members": [GRAZ, "000000001"]})
    assert got.status_code == 404 and got.json()["field"] == "members"
    got = client.post("/api/check", json={"action": "KA220-HED", "members": [GRAZ],
                                          "coordinator": "000000001"})
    assert got.status_code == 404 and got.json()["field"] == "coordinator"
    got = client.post("/api/propose", json={"action": "KA220-HED", "lead": "000000001",
                                            "text": "x"})
    assert got.status_code == 404 and got.json()["field"] == "lead"
    got = client.get("/api/search", params={"org": "000000001"})
    assert got.status_code == 404 and got.json()["field"] == "org"


def test_impossible_consortium_is_409_naming_the_constraint(client: TestClient,
                                                            cli_json: CliJson) -> None:
    got = client.post("/api/complete", json={"action": "KA220-HED", "members": [GRAZ],
                                             "size": "1..2"})
    code, _, stderr = cli_json("complete", "--action", "KA220-HED", "-m", GRAZ,
                               "--size", "1..2")
    assert got.status_code == 409 and code == 4
    assert got.json()["message"] == _cli_error(stderr)
    assert got.json()["constraint"] == "min_organisations"
    got = client.post("/api/complete", json={"action": "KA220-HED", "members": [GRAZ],
                                             "countries": ["AT"]})
    assert got.status_code == 409 and got.json()["constraint"] == "min_countries"


class _Broken:
    """A matcher whose search fails as a bug would."""

    db = None  # no registry to follow

    def ranker(self) -> None:
        return None

    @property
    def vocabulary(self) -> None:
        return None

    def search(self, **_: Any) -> Any:
        raise RuntimeError("a bug")


def test_a_bug_is_500_without_a_stack_trace() -> None:
    app = create_app(lambda: _Broken())  # type: ignore[arg-type,return-value]
    with TestClient(app, raise_server_exceptions=False) as broken:
        got = broken.get("/api/search", params={"text": "x"})
    assert got.status_code == 500
    assert got.json()["error"] == "InternalError"
    assert got.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in got.headers["content-security-policy"]
    assert "Traceback" not in got.text and "a bug" not in got.text


def test_openapi_has_every_endpoint_with_a_summary(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    wanted = {("/api/search", "get"), ("/api/orgs", "get"), ("/api/orgs/{org}", "get"),
              ("/api/themes", "get"), ("/api/check", "post"), ("/api/complete", "post"),
              ("/api/propose", "post"), ("/health", "get")}
    found = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert found == wanted
    assert all(spec["paths"][p][m]["summary"] for p, m in wanted)
    docs = client.get("/docs")
    assert docs.status_code == 200
    # Swagger UI comes from the app itself, so the page works without the internet
    assert "cdn" not in docs.text.lower()
    script = re.search(r'src="([^"]*swagger-ui-bundle\.js)"', docs.text)
    assert script is not None and client.get(script.group(1)).status_code == 200
