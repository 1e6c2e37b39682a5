"""``matcher check / complete / propose`` on a registry cut from the real data: H2020 projects
of the University of Helsinki and their partners, with their real ECHE rows."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import cli
from models.schema import Organisation
from tests.real_slices import real_registry

HELSINKI, CYPRUS, SAPIENZA = "999994535", "965934440", "999987745"
UK_HEI, AU_HEI = "999976784", "984570274"  # partners of project 221198
KEEP = {"224209", "220541", "221198"}  # real consortia with these members


@pytest.fixture(scope="module")
def registry_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return real_registry(tmp_path_factory.mktemp("consortium-cli"), n_projects=25, keep=KEEP,
                         projects=True)


def run(runner: CliRunner, registry_url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["--db", registry_url, "-q", *args])
    return result.exit_code, result.stdout, result.stderr


def hei_without_eche(registry_url: str) -> str:
    engine = sa.create_engine(registry_url)
    with engine.connect() as conn:
        pic = conn.scalar(sa.select(Organisation.pic).where(
            Organisation.category == "higher-education", Organisation.eche_end.is_(None),
            Organisation.country.in_(["DE", "FR", "IT", "ES", "NL", "BE", "AT"]))
            .order_by(Organisation.pic))
    engine.dispose()
    assert pic is not None
    return str(pic)


def test_check_eligible_exits_0(runner: CliRunner, registry_url: str) -> None:
    code, out, _ = run(runner, registry_url, "check", "--action", "KA220-HED", "-m", HELSINKI,
                       "-m", CYPRUS, "-m", SAPIENZA)
    assert code == 0
    assert out == ("Eligible for KA220-HED (Cooperation Partnerships in higher education), "
                   "2027 call.\n")


def test_check_uk_counts_in_2019_ka203_not_in_2022_ka220(runner: CliRunner,
                                                         registry_url: str) -> None:
    members = ["-m", HELSINKI, "-m", CYPRUS, "-m", UK_HEI]
    code, out, _ = run(runner, registry_url, "check", "-a", "KA203", "--call-year", "2019", *members,
                       "--format", "json")
    assert code == 0
    verdict = json.loads(out)
    assert {k: verdict[k] for k in ("action", "call_year", "eligible", "violations")} == {
        "action": "KA203", "call_year": 2019, "eligible": True, "violations": []}
    assert [m["pic"] for m in verdict["members"]] == [HELSINKI, CYPRUS, UK_HEI]
    code, out, err = run(runner, registry_url, "check", "-a", "KA220-HED", "--call-year", "2022",
                         *members, "--coordinator", UK_HEI, "--format", "json")
    assert code == 3
    payload = json.loads(out)
    assert payload["eligible"] is False
    assert [v["rule"] for v in payload["violations"]] == ["min_countries", "coordinator"]
    assert "UK does not count in 2022 calls" in payload["violations"][0]["message"]
    assert err == "Error: not eligible for KA220-HED (2022 call): 2 rules broken\n"


def test_check_partner_country_coordinator_table(runner: CliRunner, registry_url: str) -> None:
    code, out, err = run(runner, registry_url, "check", "-a", "KA220-HED", "-m", HELSINKI, "-m",
                         CYPRUS, "-m", SAPIENZA, "-m", AU_HEI, "--coordinator", AU_HEI)
    assert code == 3
    (line,) = out.splitlines()  # one whole sentence per broken rule, never clipped
    assert line.startswith("- The coordinator of a KA220-HED (2027 call)")
    assert line.endswith(" [coordinator]")
    assert err == "Error: not eligible for KA220-HED (2027 call): 1 rule broken\n"


def test_check_errors(runner: CliRunner, registry_url: str) -> None:
    code, _, err = run(runner, registry_url, "check", "-a", "KA999", "-m", HELSINKI)
    assert (code, err) == (2, ("Error: unknown action 'KA999'; valid actions: KA200, KA203, "
                              "KA210, KA220-HED\n"))
    code, _, err = run(runner, registry_url, "check", "-a", "KA203", "-m", HELSINKI,
                       "--call-year", "2023")
    assert code == 2
    assert err == ("Error: KA203 had calls from 2014 to 2020, not in 2023; give a call year in "
                   "2014..2020, or use KA220-HED for 2023 calls\n")
    code, _, err = run(runner, registry_url, "check", "-a", "KA203", "-m", "123456789")
    assert code == 2 and err.startswith("Error: unknown organisation '123456789'")


def test_complete_json_five_different_eligible_consortia(runner: CliRunner,
                                                         registry_url: str) -> None:
    code, out, _ = run(runner, registry_url, "complete", "-a", "KA220-HED", "-m", HELSINKI, "-m",
                       CYPRUS, "--size", "3..4", "-n", "5", "--format", "json")
    assert code == 0
    payload = json.loads(out)
    assert payload["action"] == "KA220-HED"
    consortia = payload["consortia"]
    assert [c["rank"] for c in consortia] == [1, 2, 3, 4, 5]
    added_sets = []
    for c in consortia:
        assert c["eligible"] is True and c["why"]
        assert set(c["members"][0]) == {"id", "pic", "name", "country", "type", "added"}
        assert [m["pic"] for m in c["members"][:2]] == [HELSINKI, CYPRUS]
        assert [m["added"] for m in c["members"]] == [False, False] + [True] * (
            len(c["members"]) - 2)
        added_sets.append({m["pic"] for m in c["members"] if m["added"]})
    assert len({frozenset(s) for s in added_sets}) == 5
    scores = [c["score"] for c in consortia]
    assert scores == sorted(scores, reverse=True)
    for c in consortia:  # each one passes `matcher check`
        refs = [a for m in c["members"] for a in ("-m", m["pic"] or f"#{m['id']}")]
        assert run(runner, registry_url, "check", "-a", "KA220-HED", *refs)[0] == 0


def test_complete_table(runner: CliRunner, registry_url: str) -> None:
    code, out, _ = run(runner, registry_url, "complete", "-a", "KA220-HED", "-m", HELSINKI, "-m",
                       CYPRUS, "-n", "2")
    assert code == 0
    assert out.startswith("#1  score ")
    assert "(KA220-HED, 2027 call, eligible)" in out and "\n#2  score " in out
    assert "  - adds " in out


def test_complete_impossible_requests_exit_4(runner: CliRunner, registry_url: str) -> None:
    code, _, err = run(runner, registry_url, "complete", "-a", "KA220-HED", "-m", HELSINKI,
                       "--size", "2..2")
    assert (code, err) == (4, ("Error: size 2..2 is below KA220-HED's minimum of 3 "
                              "organisations; ask for --size 3..3 or more\n"))
    pic = hei_without_eche(registry_url)
    code, _, err = run(runner, registry_url, "complete", "-a", "KA220-HED", "-m", HELSINKI,
                       "-m", pic)
    assert code == 4
    assert err.startswith("Error: the given members cannot be part of an eligible KA220-HED "
                          "consortium: ")
    assert "without a valid Erasmus Charter for Higher Education (ECHE)" in err
    code, _, err = run(runner, registry_url, "complete", "-a", "KA220-HED", "-m", HELSINKI,
                       "--country", "FI")
    assert code == 4
    assert err.startswith("Error: KA220-HED needs organisations from at least 3 different EU "
                          "member states or third countries associated to the Programme; the "
                          "given members cover 1 (FI)")


def test_complete_bad_size_is_a_usage_error(runner: CliRunner, registry_url: str) -> None:
    code, _, err = run(runner, registry_url, "complete", "-a", "KA220-HED", "-m", HELSINKI,
                       "--size", "five")
    assert code == 2
    assert "Invalid value for '--size': 'five' is not MIN..MAX or N (e.g. 3..5)" in err


def test_propose_around_a_lead(runner: CliRunner, registry_url: str) -> None:
    code, _, err = run(runner, registry_url, "propose", "-a", "KA220-HED", "--lead", HELSINKI)
    assert code == 2 and "give what the project is about: --text, --theme or --topic" in err
    code, out, _ = run(runner, registry_url, "propose", "-a", "KA220-HED", "--lead", HELSINKI,
                       "--text", "health and mental health services", "-n", "3",
                       "--format", "json")
    assert code == 0
    consortia = json.loads(out)["consortia"]
    assert 1 <= len(consortia) <= 3
    for c in consortia:
        assert c["members"][0]["pic"] == HELSINKI and c["members"][0]["added"] is False
        assert len(c["members"]) >= 3


def test_an_idea_no_organisation_worked_on_cannot_be_completed(runner: CliRunner,
                                                              registry_url: str) -> None:
    code, _, err = run(runner, registry_url, "propose", "-a", "KA220-HED", "--lead", HELSINKI,
                       "--text", "xylophone tuning for zeppelin crews")
    assert code == 4
    assert err.startswith("Error: no organisation in the registry has a past project or "
                          "description about this idea's topic, so none can be added for it")


def test_every_command_has_help(runner: CliRunner) -> None:
    for name in ("check", "complete", "propose"):
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output


@pytest.mark.parametrize("command", [["check", "-m", HELSINKI], ["complete", "-m", HELSINKI],
                                     ["propose", "--lead", HELSINKI, "--text", "x"]])
def test_a_missing_action_is_a_usage_error(runner: CliRunner, registry_url: str,
                                           command: list[str]) -> None:
    code, _, err = run(runner, registry_url, *command)
    assert code == 2
    assert "Missing option '--action' / '-a'" in err
    assert "Traceback" not in err


def test_an_idea_weight_out_of_range_is_a_usage_error(runner: CliRunner,
                                                       registry_url: str) -> None:
    code, _, err = run(runner, registry_url, "complete", "-a", "KA220-HED", "-m", HELSINKI,
                       "--text", "x", "--idea-weight", "2")
    assert code == 2
    assert "Invalid value for '--idea-weight': 2.0 is not in the range 0.0<=x<=1.0" in err


def test_check_in_finnish(runner: CliRunner, registry_url: str) -> None:
    """``--lang fi``: the violations, their numbers and the error in Finnish; the codes and
    the JSON keys as they are."""
    members = ["-m", HELSINKI, "-m", CYPRUS, "-m", UK_HEI]
    code, out, err = run(runner, registry_url, "--lang", "fi", "check", "-a", "KA220-HED",
                         "--call-year", "2022", *members, "--coordinator", UK_HEI)
    assert code == 3
    assert out.splitlines()[0] == (
        "- KA220-HED (vuoden 2022 haku) vaatii organisaatioita vähintään 3 eri maasta, joiden "
        "on oltava EU:n jäsenvaltioita tai ohjelmaan assosioituneita kolmansia maita; tässä "
        "konsortiossa on 2 (CY, FI; UK ei ole laskettava vuoden 2022 haussa): lisää "
        "organisaatioita vielä 1 tällaisesta maasta. [min_countries]")
    assert err == "Error: ei kelpoinen toimeen KA220-HED (vuoden 2022 haku): 2 sääntöä rikottu\n"
    code, out, _ = run(runner, registry_url, "--lang", "fi", "check", "-a", "KA220-HED",
                       *members, "--format", "json")
    assert json.loads(out)["violations"][0]["rule"] == "min_countries"


def test_search_reasons_and_notes_in_finnish(runner: CliRunner, registry_url: str) -> None:
    code, out, _ = run(runner, registry_url, "--lang", "fi", "search", "--org", HELSINKI,
                       "-k", "3", "--format", "json")
    assert code == 0
    why = [w for r in json.loads(out)["results"] for w in r["why"]]
    assert why and any(w.startswith("aiempaa yhteistyötä: ") for w in why)
    assert not any(w.startswith(("worked with", "partner of", "shared themes")) for w in why)
    code, _, err = run(runner, registry_url, "--lang", "fi", "search", "--text", "x",
                       "--country", "Narnia")
    assert code == 2 and err.startswith("Error: tuntematon maa 'Narnia': ")


def test_a_finnish_idea_is_answered_in_finnish(runner: CliRunner, registry_url: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ``--lang``, a Finnish idea's reasons and notes are Finnish, an English one's
    English; ``--lang en`` or ``$MATCHER_LANG`` decide when given."""
    monkeypatch.delenv("MATCHER_LANG", raising=False)
    idea = ["--text", "ammatillinen koulutus ja työelämäyhteistyö", "-k", "3", "--format", "json"]

    def reasons(*args: str) -> list[str]:
        code, out, err = run(runner, registry_url, *args)
        assert code == 0, err
        return [w for r in json.loads(out)["results"] for w in r["why"]]

    finnish = reasons("search", *idea)
    assert any("osallistui hankkeeseen " in w for w in finnish), finnish
    english = reasons("--lang", "en", "search", *idea)
    assert any("took part in " in w for w in english)
    assert not any("osallistui" in w for w in english)
    monkeypatch.setenv("MATCHER_LANG", "en")
    assert any("took part in " in w for w in reasons("search", *idea))
    monkeypatch.delenv("MATCHER_LANG")
    assert any("took part in " in w for w in reasons(
        "search", "--text", "vocational education and cooperation with working life", "-k", "3",
        "--format", "json"))
    # this slice has no project on guidance: the error says so in the idea's language
    code, _, err = run(runner, registry_url, "complete", "-a", "KA220-HED", "-m", HELSINKI,
                       "-m", CYPRUS, "--text", "ohjaus ja neuvonta", "-n", "1")
    assert code == 4 and err.startswith("Error: rekisterin yhdelläkään organisaatiolla ei ole "
                                        "aiempaa hanketta"), err
    code, _, err = run(runner, registry_url, "complete", "-a", "KA220-HED", "-m", HELSINKI,
                       "-m", CYPRUS, "--text", "guidance and counselling", "-n", "1")
    assert code == 4 and err.startswith("Error: no organisation in the registry has a past project"), err
