"""Precision of the importer's merging of organisation names, on real pairs of names.

The ECHE holders list and the CORDIS organisations of H2020 (``../shared/data``) write the
names, cities and websites of the same organisations independently, and share an identifier,
the PIC: an ECHE row and a CORDIS row with one PIC are one organisation. So:

- a registry is made (SQLite, in a temporary folder) holding the reference data and the
  ECHE list, imported as ``matcher import eche`` does;
- every named CORDIS organisation of a country the registry knows is then presented, in
  the file's order, to the matcher the Erasmus+ export importer uses
  (:class:`data.importers._orgmatch.OrgIndex`, ``resolve``), read by the importer's own
  code for an export's organisation (``eplus._org``) from its name, type (the CORDIS
  activity type, which the importer maps to the registry's category), country, website
  and the city as the last part of an address. As in an import, what is not merged is
  created, and later names may merge into it;
- each decision is checked against the PICs. *Positives*: CORDIS organisations whose PIC
  an ECHE holder has (844: the names file has 870 of the ECHE PICs, 26 of them unnamed);
  right when merged into that holder. *Hard negatives*: the others
  with an ECHE holder of the same country whose name is alike (``token_sort_ratio`` of the
  importer's comparison keys at least ``--alike``, 80 by default); any merge of theirs
  into an ECHE holder is wrong. *Other* CORDIS organisations: the same, on easy names.
  A merge into an organisation created earlier from another CORDIS row (another PIC) is
  counted apart: CORDIS has one row per PIC, so the PICs call it wrong, but some
  organisations hold two PICs.

Printed: positives tried, merged into the right holder (recall), into a wrong one, left
new (with how many of them were near misses); negatives tried and wrongly merged; merge
precision (of the merges into ECHE holders, the share into the right one, and the same
over all merges); and the matching time. ``--show N`` lists N sample wrong merges and
misses with the evidence, to judge by eye (two PICs of one organisation look like wrong
merges).

Usage::

    python -m bench.bench_merge_real [--show 20] [--alike 80]

Not a test: run by hand from the repository root; about 15 seconds on one core.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from models.db import Database

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
ECHE = SHARED / "eche" / "eche-holders-2021-2027.csv"
CORDIS = SHARED / "cordis-h2020" / "organisations.csv.gz"
#: The export's columns the CORDIS columns stand for (named in messages).
COLUMNS = ("name", "activity_type", "country", "url", "city")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the matcher did with one CORDIS organisation."""

    group: str  # positive, hard negative, other
    pic: str
    name: str
    city: str
    website: str
    decision: str  # exact, fuzzy, new
    into_pic: str  # the PIC of the organisation merged into ("" when new)
    into_eche: bool  # merged into an ECHE holder (else into a CORDIS organisation)
    into_name: str
    into_city: str
    into_website: str
    evidence: str  # a fuzzy merge's or a near miss's
    true_name: str  # positives: the ECHE holder's name

    @property
    def merged(self) -> bool:
        return self.decision != "new"

    @property
    def right(self) -> bool:
        return self.merged and self.into_pic == self.pic


def _cordis_rows() -> list[dict[str, str]]:
    with gzip.open(CORDIS, "rt", encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if r["name"] not in ("", "NA")]


def _eche_registry(folder: Path) -> tuple[Database, float]:
    from data.importers import import_file
    from data.reference import seed_reference
    from models.db import open_database

    db = open_database(f"sqlite:///{folder / 'registry.sqlite'}", create=True)
    with db.sessions.begin() as session:
        seed_reference(session)
    start = time.perf_counter()
    with db.sessions.begin() as session:
        report = import_file(session, "eche", ECHE, skip_invalid=True)
    print(f"ECHE list: {report.summary()}", file=sys.stderr)
    return db, time.perf_counter() - start


def run(alike: float) -> tuple[list[Outcome], dict[str, float]]:
    """Present the CORDIS organisations to the matcher; each one's outcome, and timings."""
    from rapidfuzz import fuzz, process
    from sqlalchemy import select

    from data.importers._orgmatch import Candidate, OrgIndex, _compare_key
    from data.importers.eplus import _org
    from data.reference import resolve_country
    from models.errors import RowError
    from models.schema import Country, Organisation
    from models.text import fold

    with tempfile.TemporaryDirectory(prefix="bench-merge-") as tmp:
        db, eche_seconds = _eche_registry(Path(tmp))
        with db.sessions() as session:
            countries = set(session.scalars(select(Country.code)))
            holders = {oid: (pic or "", name or "", country) for oid, pic, name, country in
                       session.execute(select(Organisation.id, Organisation.pic,
                                              Organisation.legal_name, Organisation.country))}
            start = time.perf_counter()
            index = OrgIndex(session)
            load_seconds = time.perf_counter() - start
        db.dispose()
    eche_pics = {pic: name for pic, name, _ in holders.values() if pic}
    keys: dict[str, list[str]] = defaultdict(list)
    for _, holder, where in holders.values():
        keys[where].append(_compare_key(fold(holder)))

    candidates: list[tuple[str, str, Candidate]] = []
    for line, r in enumerate(_cordis_rows(), start=2):
        if r["country"] in ("", "NA") or resolve_country(r["country"]) not in countries:
            continue
        # as an export's columns (name, type, country, website, address) give it; the
        # address's last part is the city
        values = (r["name"], r["activity_type"] if r["activity_type"] != "NA" else "",
                  r["country"], r["url"] if r["url"] != "NA" else "",
                  f"-, {r['city']}" if r["city"].strip() else "")
        try:
            seen = _org(CORDIS, line, COLUMNS, values, countries)
        except RowError as exc:
            print(f"skipped: {exc}", file=sys.stderr)
            continue
        key = seen.key
        if r["pic"] in eche_pics:
            group = "positive"
        else:
            compare = _compare_key(key)
            hit = (process.extractOne(compare, keys[seen.country], scorer=fuzz.token_sort_ratio,
                                      score_cutoff=alike) if compare and keys[seen.country] else None)
            group = "hard negative" if hit else "other"
        candidates.append((group, r["pic"], seen))

    pic_of = {oid: pic for oid, (pic, _, _) in holders.items()}
    outcomes: list[Outcome] = []
    start = time.perf_counter()
    for line, (group, pic, seen) in enumerate(candidates, start=1):
        reported = len(index.merges)
        org_id, created = index.resolve(seen, line)
        if created:
            pic_of[org_id] = pic
        news = index.merges[reported:]
        fuzzy = next((m for m in news if m.decision == "merged"), None)
        miss = next((m for m in news if m.decision == "near miss"), None)
        decision = "new" if created else ("fuzzy" if fuzzy is not None else "exact")
        into = index.rows[org_id]
        merged = not created
        outcomes.append(Outcome(
            group, pic, seen.name, seen.place or "", seen.website or "", decision,
            pic_of[org_id] if merged else "", merged and org_id > 0,
            into[0] if merged else (miss.into_name if miss else ""),
            (into[6] or "") if merged else (miss.into_city if miss else ""),
            (into[5] or "") if merged else (miss.into_website if miss else ""),
            fuzzy.evidence if fuzzy else (f"near miss: {miss.evidence}" if miss else ""),
            eche_pics.get(pic, "")))
    match_seconds = time.perf_counter() - start
    return outcomes, {"eche import": eche_seconds, "index load": load_seconds,
                      "matching": match_seconds}


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "-"


def report(outcomes: list[Outcome], seconds: dict[str, float]) -> None:
    pos = [o for o in outcomes if o.group == "positive"]
    hard = [o for o in outcomes if o.group == "hard negative"]
    other = [o for o in outcomes if o.group == "other"]
    right = [o for o in pos if o.right]
    wrong_eche = [o for o in outcomes if o.merged and o.into_eche and not o.right]
    into_cordis = [o for o in outcomes if o.merged and not o.into_eche]
    print("| organisations | tried | merged right | merged wrong (ECHE / CORDIS) | left new "
          "(near misses) |")
    print("|---|---|---|---|---|")
    for label, group in (("positives (PIC an ECHE holder's)", pos),
                         ("hard negatives (a name alike)", hard), ("other", other)):
        ok = sum(o.right for o in group)
        w_e = sum(o.merged and o.into_eche and not o.right for o in group)
        w_c = sum(o.merged and not o.into_eche for o in group)
        new = [o for o in group if not o.merged]
        near = sum(o.evidence.startswith("near miss") for o in new)
        print(f"| {label} | {len(group):,} | {ok:,} | {w_e:,} / {w_c:,} | {len(new):,} "
              f"({near:,}) |")
    print()
    exact = sum(o.decision == "exact" for o in right)
    print(f"recall: {len(right):,} of {len(pos):,} positives merged into the right holder "
          f"= {_ratio(len(right), len(pos))} ({exact:,} on the exact name, "
          f"{len(right) - exact:,} fuzzy)")
    on_eche = len(right) + len(wrong_eche)
    print(f"precision, merges into ECHE holders: {len(right):,} of {on_eche:,} "
          f"= {_ratio(len(right), on_eche)} ({len(wrong_eche):,} wrong: "
          f"{sum(o.decision == 'exact' for o in wrong_eche):,} exact, "
          f"{sum(o.decision == 'fuzzy' for o in wrong_eche):,} fuzzy)")
    merges = on_eche + len(into_cordis)
    print(f"precision, all merges (also into organisations created from other CORDIS rows, "
          f"{len(into_cordis):,}): {len(right):,} of {merges:,} = {_ratio(len(right), merges)}")
    print("time: " + ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items())
          + f" ({seconds['matching'] / max(len(outcomes), 1) * 1e3:.2f} ms a name)")


def show(outcomes: list[Outcome], n: int, seed: int) -> None:
    rng = random.Random(seed)

    def sample(items: list[Outcome]) -> list[Outcome]:
        return sorted(rng.sample(items, min(n, len(items))), key=lambda o: o.pic)

    wrong = [o for o in outcomes if o.merged and not o.right]
    missed = [o for o in outcomes if o.group == "positive" and not o.merged]
    print(f"\nwrong merges ({n} of {len(wrong):,}): CORDIS name | city | website "
          "-> merged into (ECHE holder or CORDIS organisation) | city | website | how")
    for o in sample(wrong):
        into = "ECHE" if o.into_eche else "CORDIS"
        print(f"- [{o.pic}] {o.name} | {o.city} | {o.website} -> {into} [{o.into_pic}] {o.into_name}"
              f" | {o.into_city} | {o.into_website} | {o.decision} {o.evidence}".rstrip())
    print(f"\nmisses ({n} of {len(missed):,}): CORDIS name | city | website / the ECHE holder "
          "of its PIC | near miss")
    for o in sample(missed):
        print(f"- [{o.pic}] {o.name} | {o.city} | {o.website} / {o.true_name} | {o.evidence}"
              .rstrip(" |"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alike", type=float, default=80.0,
                        help="token_sort_ratio making a CORDIS name a hard negative (80)")
    parser.add_argument("--show", type=int, default=0, metavar="N",
                        help="list N sample wrong merges and misses")
    parser.add_argument("--seed", type=int, default=0, help="of the --show samples")
    args = parser.parse_args()
    from bench.common import machine

    print(machine())
    outcomes, seconds = run(args.alike)
    report(outcomes, seconds)
    if args.show:
        show(outcomes, args.show, args.seed)


if __name__ == "__main__":
    main()
