"""Letters lost in a source file's encoding (U+FFFD), restored on import (:mod:`data.letters`)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from data.letters import LOST, LetterRepair
from models.db import Database
from models.schema import Organisation
from tests.conftest import DefaultHome
from tests.data.conftest import import_into


def test_the_default_registry_has_the_names_the_spelling_of_their_country_restores(
        default_home: DefaultHome, monkeypatch: pytest.MonkeyPatch) -> None:
    from models.db import open_database

    default_home.use(monkeypatch)
    db = open_database()
    with db.sessions() as s:
        names = dict(s.execute(sa.select(Organisation.pic, Organisation.legal_name)).all())
        lost = s.scalar(sa.select(sa.func.count()).select_from(Organisation)
                        .where(Organisation.legal_name.contains(LOST)))
    db.dispose()
    # published as "Fundaci\ufffdn Creafutur", "SEA SOCIET\ufffd ELETTRICA ...", "TAKSO O\ufffd"
    assert names["963668326"] == "Fundación Creafutur"
    assert names["940570977"] == "SEA SOCIETÀ ELETTRICA DI FAVIGNANA SPA"
    assert names["928479830"] == "TAKSO OÜ"
    # 51 names arrive with lost letters; those no spelling decides stay as published
    assert 0 < lost < 51 - 20


def test_a_letter_two_spellings_share_is_left_as_published() -> None:
    catalan = [("Fundació Tecnològica", "ES")] * 3
    spanish = [("Fundación Tecnológica", "ES")] * 3
    repair = LetterRepair().fit(catalan + spanish)
    assert repair.restore(f"Tecnol{LOST}gica", "ES") == f"Tecnol{LOST}gica"
    assert LetterRepair().fit(spanish).restore(f"Tecnol{LOST}gica", "ES") == "Tecnológica"
    assert LetterRepair().fit(spanish).restore(f"TECNOL{LOST}GICA", "ES") == "TECNOLÓGICA"
    assert LetterRepair().fit(spanish).restore(f"Tecnol{LOST}gica", "PT") == f"Tecnol{LOST}gica"


def test_import_restores_and_says_how_many(database: Database, write_csv: object) -> None:
    history = Path(str(write_csv("h.csv", [  # type: ignore[operator]
        ["rcn", "role", "pic", "type", "country", "start_year"],
        ["1", "coordinator", "900000001", "PRC", "ES", "2016"],
        ["1", "participant", "900000002", "PRC", "ES", "2016"],
        ["1", "participant", "900000003", "PRC", "ES", "2016"],
        ["1", "participant", "900000004", "PRC", "ES", "2016"]])))
    names = Path(str(write_csv("o.csv", [  # type: ignore[operator]
        ["pic", "name", "short_name", "activity_type", "city", "country", "url", "source"],
        ["900000001", "TECNOL\ufffdGICA DEL SUR SL", "NA", "PRC", "", "ES", "", "x"],
        ["900000002", "Tecnológica Norte SL", "NA", "PRC", "", "ES", "", "x"],
        ["900000003", "TECNOLÓGICA ESTE SA", "NA", "PRC", "", "ES", "", "x"],
        ["900000004", "Soluciones Tecnológicas SL", "NA", "PRC", "", "ES", "", "x"]])))
    report = import_into(database, "history", history, organisations=names)
    assert any(n.startswith("1 name had letters lost") and "1 of 1 restored" in n
               for n in report.notes), report.notes
    with database.sessions() as s:
        assert s.scalar(sa.select(Organisation.legal_name)
                        .where(Organisation.pic == "900000001")) == "TECNOLÓGICA DEL SUR SL"
