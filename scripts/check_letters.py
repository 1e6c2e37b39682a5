"""Measure the restoring of lost letters (:mod:`data.letters`) on correctly spelt names.

    .venv/bin/python scripts/check_letters.py [--folds 5] [--seed 0]

Reads the names and countries of the default registry (built on first use: the ECHE holders
and the named H2020 organisations; not the names the import restored) and of the CORDIS
organisations file. The correctly
spelt names that hold a letter outside ASCII are split into ``--folds`` folds; for each name
of a fold, one such letter (seeded choice) is replaced by U+FFFD and restored by a
:class:`~data.letters.LetterRepair` fitted on every other fold and on the ASCII names. It
prints, for a few settings of ``margin`` and ``min_seen``: how many hidden letters were
restored (coverage), and how many of those are the right letter (accuracy; the case is
not counted). Then it lists what the chosen setting does to the file's names that arrive
with lost letters. The figures are in ``data/reference/SOURCES.md``.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select

from data.importers._store import RowLog
from data.importers.cordis_texts import read_organisation_names
from data.letters import LOST, MARGIN, MIN_SEEN, LetterRepair
from models.db import open_database
from models.schema import Organisation

CORDIS = ROOT / "data" / "bundled" / "organisations.csv.gz"
SETTINGS = ((1.0, 1), (3.0, 1), (3.0, 2), (5.0, 2), (5.0, 3), (10.0, 3))


def names() -> list[tuple[str, str | None]]:
    """``(name, country)`` of the CORDIS file (read as the import reads it) and of the
    registry, but the registry's names of the organisations whose file name lost letters
    (the import restored those)."""
    file = [(r.pic, r.name, r.country)
            for r in read_organisation_names(CORDIS, RowLog(skip_invalid=False)).values()
            if r.name]
    lost = {pic for pic, name, _ in file if LOST in name}
    db = open_database()
    with db.sessions() as session:
        found: list[tuple[str, str | None]] = [(n, c) for pic, n, c in session.execute(
            select(Organisation.pic, Organisation.legal_name, Organisation.country))
            if n and pic not in lost]
    db.dispose()
    found += [(name, country) for _, name, country in file]
    return list(dict.fromkeys(found))


def _non_ascii(name: str) -> list[int]:
    """Where ``name`` has a letter outside ASCII."""
    return [i for i, ch in enumerate(name) if not ch.isascii() and ch.isalpha()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    everything = names()
    spelt = [(n, c) for n, c in everything if LOST not in n and _non_ascii(n)]
    plain = [(n, c) for n, c in everything if LOST not in n and not _non_ascii(n)]
    rnd.shuffle(spelt)
    print(f"{len(everything):,} names; {len(spelt):,} correctly spelt with a non-ASCII letter; "
          f"{args.folds} folds")
    hidden = []
    for name, country in spelt:
        i = rnd.choice(_non_ascii(name))
        hidden.append((name[:i] + LOST + name[i + 1:], country, i, name[i].lower()))
    print(f"{'margin':>6} {'min_seen':>8} {'restored':>9} {'coverage':>8} {'right':>6} "
          f"{'accuracy':>8}")
    for margin, min_seen in SETTINGS:
        restored = right = 0
        for k in range(args.folds):
            train = plain + [p for j, p in enumerate(spelt) if j % args.folds != k]
            repair = LetterRepair(margin=margin, min_seen=min_seen).fit(train)
            for name, country, i, letter in hidden[k::args.folds]:
                out = repair.restore(name, country)
                if out[i] != LOST:
                    restored += 1
                    right += out[i].lower() == letter
        chosen = " (chosen)" if (margin, min_seen) == (MARGIN, MIN_SEEN) else ""
        print(f"{margin:6.1f} {min_seen:8d} {restored:9,} {restored / len(hidden):8.1%} "
              f"{right:6,} {right / max(restored, 1):8.1%}{chosen}")
    repair = LetterRepair().fit(everything)
    lost = [(n, c) for n, c in everything if LOST in n]
    marks = sum(n.count(LOST) for n, _ in lost)
    left = 0
    print(f"\n{len(lost)} names with {marks} lost letters, restored with the chosen setting:")
    for name, country in lost:
        out = repair.restore(name, country)
        left += out.count(LOST)
        print(f"  {country or '--'}  {name}  ->  {out}")
    print(f"{marks - left} of {marks} lost letters restored")


if __name__ == "__main__":
    main()
