"""Measure the legal-form rules (``data/reference/legal_forms.csv``) on the real CORDIS names.

    .venv/bin/python scripts/check_legal_forms.py [--seed 20250612] [--sample 100]
        [--unmatched 50] [--data ../shared/data/cordis-h2020/organisations.csv.gz]
        [--verdicts data/reference/legal_forms_checked.csv] [--todo] [--timing]

Applies :func:`data.legal_forms.refine_category` to every organisation of type ``OTH`` and
reports how many become ``ngo`` or ``network`` and how many stay ``other``. Then it draws, with
the given seed, a sample of the refined rows and a sample of the rows no rule matched, and
compares both with the hand-checked verdicts of ``legal_forms_checked.csv`` (columns ``pic,
name, country, predicted, correct_category, note, sample``; ``predicted`` is what the rules
said when the row was checked, ``sample`` is ``development`` for the rows the rules were tuned
on and ``final`` for the fresh sample drawn after):

- precision: the share of the refined sample whose category is the verdict's;
- ngo-or-network precision: the share that is an NGO or a network at all (the two categories
  blur into each other: a European federation of patient associations is both);
- recall hint: how many of the unmatched sample the verdicts call ``ngo`` or ``network``.

``--todo`` prints the sampled rows that have no verdict yet, as CSV rows to fill in.
``--timing`` times :func:`~data.legal_forms.refine_category` on every name of the file twice
over (about 36,000 calls, as an import of names and participants makes), once with the
organisations' real types and once as if every one were ``OTH``. The figures and the seeds
reported are in ``docs/legal_forms.md``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data.legal_forms import legal_form_rules, matching_rule, refine_category

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "cordis-h2020" / "organisations.csv.gz"
DEFAULT_VERDICTS = ROOT / "data" / "reference" / "legal_forms_checked.csv"
VERDICT_COLUMNS = ("pic", "name", "country", "predicted", "correct_category", "note", "sample")


@dataclass(frozen=True, slots=True)
class Row:
    pic: str
    name: str
    country: str
    predicted: str
    pattern: str  # the rule that fired, "" when none did


def _cell(value: str | None) -> str:
    return "" if value is None or value == "NA" else value.strip()


def oth_rows(path: Path) -> list[Row]:
    """Every ``OTH`` organisation of the CORDIS names file with the rules' prediction."""
    rows = []
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if _cell(r["activity_type"]) != "OTH":
                continue
            name, country = _cell(r["name"]), r["country"].strip()
            rule = matching_rule(name, country, "other", "OTH")
            rows.append(Row(
                r["pic"], name, country,
                "other" if rule is None else rule.category,
                "" if rule is None else rule.pattern,
            ))
    return sorted(rows, key=lambda row: row.pic)


def read_verdicts(path: Path) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["pic"]: r for r in csv.DictReader(fh)}


def _todo(rows: list[Row]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    for row in rows:
        writer.writerow([row.pic, row.name, row.country, row.predicted, "", "", ""])


def timing(path: Path) -> None:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        names = [
            (_cell(r["name"]), r["country"], _cell(r["activity_type"]) or None)
            for r in csv.DictReader(fh)
        ] * 2
    started = time.perf_counter()
    legal_form_rules()
    refine_category("WARM UP RY", "FI", "other", "OTH")
    print(f"rules loaded and indexed in {time.perf_counter() - started:.3f} s")
    started = time.perf_counter()
    for name, country, type_code in names:
        refine_category(name, country, "other" if type_code == "OTH" else "company", type_code)
    print(f"{len(names)} names, real types: {time.perf_counter() - started:.3f} s")
    started = time.perf_counter()
    for name, country, _type_code in names:
        refine_category(name, country, "other", "OTH")
    print(f"{len(names)} names, all as OTH: {time.perf_counter() - started:.3f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--verdicts", type=Path, default=DEFAULT_VERDICTS)
    parser.add_argument("--seed", type=int, default=20250612)
    parser.add_argument("--sample", type=int, default=100, help="refined rows to check")
    parser.add_argument("--unmatched", type=int, default=50, help="unmatched rows to check")
    parser.add_argument("--todo", action="store_true", help="print sampled rows lacking a verdict")
    parser.add_argument("--timing", action="store_true", help="time the rules on every name")
    args = parser.parse_args(argv)
    if args.timing:
        timing(args.data)
        return 0

    started = time.perf_counter()
    rows = oth_rows(args.data)
    took = time.perf_counter() - started
    counts = Counter(row.predicted for row in rows)
    refined = [row for row in rows if row.predicted != "other"]
    unmatched = [row for row in rows if row.predicted == "other"]
    print(f"{len(legal_form_rules())} rules; {len(rows)} OTH organisations "
          f"(read and refined in {took:.2f} s)")
    for category in ("ngo", "network", "other"):
        share = counts[category] / len(rows) if rows else 0.0
        print(f"  {category:<8} {counts[category]:>5}  {share:6.1%}")
    by_rule = Counter(row.pattern for row in refined)
    print("  top rules: " + ", ".join(f"{p} {n}" for p, n in by_rule.most_common(12)))

    verdicts = read_verdicts(args.verdicts)
    sample = random.Random(args.seed).sample(refined, min(args.sample, len(refined)))
    missed_sample = random.Random(args.seed).sample(
        unmatched, min(args.unmatched, len(unmatched))
    )
    lacking = [row for row in sample + missed_sample if row.pic not in verdicts]
    if args.todo:
        _todo(lacking)
        return 0

    checked = [row for row in sample if row.pic in verdicts]
    right = [row for row in checked if verdicts[row.pic]["correct_category"] == row.predicted]
    nonprofit = [
        row for row in checked
        if verdicts[row.pic]["correct_category"] in ("ngo", "network")
    ]
    print(f"\nrefined sample: {len(sample)} rows, seed {args.seed}, {len(checked)} with a verdict")
    if checked:
        print(f"  precision: {len(right)}/{len(checked)} = {len(right) / len(checked):.1%}")
        print(f"  ngo-or-network precision: {len(nonprofit)}/{len(checked)} "
              f"= {len(nonprofit) / len(checked):.1%}")
        confusion = Counter(
            (row.predicted, verdicts[row.pic]["correct_category"]) for row in checked
        )
        print("  predicted -> verdict: " + ", ".join(
            f"{p}->{c} {n}" for (p, c), n in sorted(confusion.items())
        ))
        seen = [row for row in checked if verdicts[row.pic].get("sample") == "development"]
        unseen = [row for row in checked if row not in seen]
        if seen:
            print(f"  {len(seen)} of them were checked during development (the rules were tuned "
                  "on those)")
        if seen and unseen:
            unseen_right = [row for row in unseen if row in right]
            print(f"  precision on the other {len(unseen)}: {len(unseen_right)}/{len(unseen)} "
                  f"= {len(unseen_right) / len(unseen):.1%}")
        for row in checked:
            if row not in right:
                v = verdicts[row.pic]
                print(f"  wrong: {row.pic} {row.country} {row.name!r} [{row.pattern}] "
                      f"{row.predicted} -> {v['correct_category']}: {v['note']}")

    missed_checked = [row for row in missed_sample if row.pic in verdicts]
    missed = [
        row for row in missed_checked
        if verdicts[row.pic]["correct_category"] in ("ngo", "network")
    ]
    print(f"\nunmatched sample: {len(missed_sample)} rows, seed {args.seed}, "
          f"{len(missed_checked)} with a verdict")
    if missed_checked:
        print(f"  recall hint: {len(missed)}/{len(missed_checked)} look like an NGO or a network")
        for row in missed:
            v = verdicts[row.pic]
            print(f"  missed: {row.pic} {row.country} {row.name!r} -> "
                  f"{v['correct_category']}: {v['note']}")
    if lacking:
        print(f"\n{len(lacking)} sampled rows have no verdict yet (--todo lists them)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
