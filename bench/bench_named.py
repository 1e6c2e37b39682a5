"""How many of the organisations a search returns are named, on the default registry.

    python -m bench.bench_named [--queries 50] [--seed 0]

Samples organisations that took part in at least one project and have a name (a user types
their own organisation's name or PIC; seeded), asks ``search --org`` for each (top 10), and
counts the results that have a name: as the tool answers by default (organisations known only
by their PIC left out) and with ``--include-unnamed``. The same for a few text queries.
"""

from __future__ import annotations

import argparse
import random

from matcher import Matcher

TEXTS = ("guidance and counselling for first-year students", ("digital skills in teacher "
         "education"), "virtual mobility for engineering students", ("climate change adaptation "
         "in cities"), "science education")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with Matcher.open() as m:
        registry = m.ranker().registry_
        active = [o for o, n in zip(registry.orgs, registry.incidence.getnnz(axis=1),
                                    strict=True) if n > 0 and o.name]
        picked = random.Random(args.seed).sample(active, args.queries)
        for unnamed in (False, True):
            option = " --include-unnamed" if unnamed else ""
            named = total = 0
            for org in picked:
                found = m.search(org=org.ref, k=10, include_unnamed=unnamed).matches
                named += sum(match.org.name is not None for match in found)
                total += len(found)
            print(f"search --org{option}, {len(picked)} sampled named organisations with a "
                  f"past project: {named}/{total} = {named / total:.1%} of the top-10 "
                  "results are named")
            named = total = 0
            for text in TEXTS:
                found = m.search(text=text, k=10, include_unnamed=unnamed).matches
                named += sum(match.org.name is not None for match in found)
                total += len(found)
            print(f"search --text{option}, {len(TEXTS)} ideas: {named}/{total} = "
                  f"{named / total:.1%} named")


if __name__ == "__main__":
    main()
