"""Whether two versions of the code answer the same searches alike, on one registry.

Each version answers a fixed set of searches (ideas, a partner organisation, countries,
types, themes, an unknown organisation) and two consortium completions, from its own index
of the registry (built once in its own cache folder); the answers, in full (organisations,
scores, reasons, contributions, notes), are written as JSON. Two dumps are then compared.

Usage (the code under test is the one on ``PYTHONPATH``)::

    PYTHONPATH=/path/to/old python scripts/compare_search.py dump /tmp/old.json \\
        --cache /tmp/cmp-old [--db URL]
    PYTHONPATH=/path/to/new python scripts/compare_search.py dump /tmp/new.json \\
        --cache /tmp/cmp-new [--db URL]
    python scripts/compare_search.py diff /tmp/old.json /tmp/new.json

``diff`` exits 1 and says where they differ.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

#: Searches as ``Matcher.search`` fields: ideas, partners, filters.
SEARCHES: tuple[dict[str, Any], ...] = (
    {"text": "digital skills of teachers in vocational education and training", "k": 10},
    {"text": "inclusion of migrants through sport and youth work", "countries": ("DE",),
     "k": 10},
    {"text": "guidance and counselling for first-year students", "countries": ("FI", "SE"),
     "k": 20},
    {"text": "virtual mobility", "types": ("higher education",), "k": 10},
    {"text": "kestävä kehitys ja ilmastokasvatus kouluissa", "k": 10},
    {"org": "999994535", "k": 10},
    {"org": "999994535", "text": "open science and research data", "k": 15},
    {"org": "HELSINGIN YLIOPISTO", "countries": ("DE", "FR"), "k": 10},
    {"topics": ("SwafS",), "k": 10},
    {"text": "water management", "exclude_countries": ("FI",), "eche": True, "k": 10},
    {"text": "zzqx nonsense words nobody wrote", "k": 5},
    {"text": "robotics", "countries": ("MT",), "types": ("company",), "k": 5},
    {"text": "lattice quantum chromodynamics", "countries": ("IS",), "types": ("company",),
     "eche": True, "k": 5},
    {"text": "adult education", "include_unnamed": True, "k": 10},
)
#: Consortium completions: ``Matcher.complete`` arguments.
COMPLETIONS: tuple[dict[str, Any], ...] = (
    {"request": "KA220-HED", "members": ("999994535",), "text": "digital education", "n": 3},
    {"request": "KA220-HED", "members": ("999994535", "HELSINGIN KAUPUNKI"), "n": 2},
)


def dump(out: Path, cache: Path, db: str | None) -> None:
    from matcher import Matcher
    from models.errors import MatcherError

    matcher = Matcher.open(db, cache_dir=cache)
    answers: list[Any] = []
    for fields in SEARCHES:
        try:
            answers.append(matcher.search(**fields).to_json())
        except MatcherError as exc:
            answers.append({"error": str(exc)})
    for fields in COMPLETIONS:
        args = dict(fields)
        try:
            found = matcher.complete(args.pop("request"), **args)
            answers.append(_jsonable(found))
        except MatcherError as exc:
            answers.append({"error": str(exc)})
    out.write_text(json.dumps(answers, indent=1, ensure_ascii=False, default=str),
                   encoding="utf-8")
    print(f"{len(answers)} answers written to {out}")


def _jsonable(found: Any) -> Any:
    to_json = getattr(found, "to_json", None)
    return to_json() if callable(to_json) else repr(found)


def diff(old: Path, new: Path) -> int:
    a = json.loads(old.read_text(encoding="utf-8"))
    b = json.loads(new.read_text(encoding="utf-8"))
    asked = [*SEARCHES, *COMPLETIONS]
    differ = 0
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if x != y:
            differ += 1
            print(f"differ: {asked[i]}")
    results = sum(len(x.get("results", x.get("consortia", []))) for x in a
                  if isinstance(x, dict))
    print(f"{len(a) - differ} of {len(a)} answers identical ({results} results in the first)")
    return 1 if differ else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out", type=Path)
    d.add_argument("--cache", type=Path, required=True, help="this version's index folder")
    d.add_argument("--db", default=None, help="registry URL (default: the default registry)")
    c = sub.add_parser("diff")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.out, args.cache, args.db)
    else:
        sys.exit(diff(args.old, args.new))


if __name__ == "__main__":
    main()
