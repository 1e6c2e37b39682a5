"""Records saved as text tables read back the same, a value at a time or a field at once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matcher.names import NameIndex
from matcher.registry.records import LazyRecords, TextTable, values_of, write_table
from matcher.registry.snapshot import OrgProfile

ORGS = (
    OrgProfile(1, "999994535", None, "SF HELSINK01", "HELSINGIN YLIOPISTO", "FI", "Helsinki",
               "higher-education", None, True, ("ict-digital", "inclusion"),
               "A university.", "https://www.helsinki.fi", ("University of Helsinki",)),
    OrgProfile(2, None, "E10000001", None, None, "EL", None, "school", "EPLUS-SCH", False),
    OrgProfile(3, "999997930", None, None, 'quote " and \\ and \n and \x00 Εθνικό', "DE",
               "", "company", None, False, (), "has the separator \x1f inside", None,
               ("item \x1d with the item separator", "CNRS")),
    OrgProfile(4, "", None, None, "İstanbul Üniversitesi", "TR", "İstanbul",
               "higher-education", None, True, ("",)),
)
TEXT = ("pic", "oid", "erasmus_code", "name", "country", "city", "category", "type_code",
        "themes", "description", "website", "aliases")


def _records(tmp_path: Path, orgs: tuple[OrgProfile, ...]) -> LazyRecords[OrgProfile]:
    meta = write_table(tmp_path, "orgs", {f: [getattr(o, f) for o in orgs] for f in TEXT},
                       ("themes", "aliases"))
    ids = np.array([o.id for o in orgs], dtype=np.int64)
    eche = np.array([o.eche for o in orgs], dtype=bool)
    return LazyRecords(OrgProfile, TextTable.open(tmp_path, "orgs", meta),
                       {"id": ids, "eche": eche})


@pytest.mark.parametrize("orgs", [ORGS, ORGS[:2], ORGS[1:2], ()])
def test_records_read_back_as_written(tmp_path: Path, orgs: tuple[OrgProfile, ...]) -> None:
    records = _records(tmp_path, orgs)
    assert len(records) == len(orgs)
    # one at a time, from the end, then all at once: the same records
    assert [records[i] for i in range(len(orgs) - 1, -1, -1)] == list(orgs[::-1])
    assert records == orgs and tuple(records) == orgs
    for field in (*TEXT, "id", "eche"):
        assert values_of(records, field) == [getattr(o, field) for o in orgs]


def test_a_field_is_read_without_making_the_records(tmp_path: Path) -> None:
    records = _records(tmp_path, ORGS)
    assert records.column("name")[2] == ORGS[2].name
    assert records._made == {} and records._all is None
    assert records[-1] is records[3] and records[1:3] == ORGS[1:3]
    with pytest.raises(IndexError):
        records[4]


def test_names_are_found_in_lazy_records(tmp_path: Path) -> None:
    records = _records(tmp_path, ORGS)
    found = NameIndex(records, activity=[3, 1, 2, 0]).resolve("University of Helsinki")
    assert found is not None and found.id == 1
    assert set(records._made) == {0}  # only the organisation found was made


def test_a_truncated_table_is_refused(tmp_path: Path) -> None:
    records = _records(tmp_path, ORGS)
    meta = {"fields": list(TEXT), "n": 4, "kinds": records._table.kinds,
            "split": sorted(records._table._split)}
    with (tmp_path / "orgs.text").open("r+b") as fh:
        fh.truncate(40)
    with pytest.raises(ValueError, match="the text ends at byte 40"):
        TextTable.open(tmp_path, "orgs", meta)
