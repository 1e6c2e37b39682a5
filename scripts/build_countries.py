"""Re-derive ``data/reference/countries.csv`` from ISO 3166-1 (the ``pycountry`` package).

Run by hand when the list needs refreshing (``pip install pycountry`` first); the tool itself
reads only the CSV. Erasmus+ spells Greece ``EL`` and the United Kingdom ``UK``, and uses
``XK`` for Kosovo (not in ISO 3166-1). Outermost regions belong to their member state.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pycountry

OUT = Path(__file__).resolve().parents[1] / "data" / "reference" / "countries.csv"
ERASMUS_CODE = {"GR": "EL", "GB": "UK"}
SHORT_NAMES = {
    "GB": "United Kingdom", "KR": "South Korea", "KP": "North Korea", "RU": "Russia",
    "IR": "Iran", "SY": "Syria", "VE": "Venezuela", "BO": "Bolivia", "TZ": "Tanzania",
    "MD": "Moldova", "VN": "Vietnam", "LA": "Laos", "TW": "Taiwan", "PS": "Palestine",
    "CD": "Congo (Democratic Republic)", "VA": "Holy See (Vatican City)", "CZ": "Czechia",
    "MK": "North Macedonia", "FM": "Micronesia", "BN": "Brunei", "CV": "Cabo Verde",
}
# EU outermost regions: part of a member state for Erasmus+ eligibility.
PART_OF = {"RE": "FR", "GP": "FR", "MQ": "FR", "GF": "FR", "YT": "FR", "MF": "FR"}


def main() -> None:
    rows = []
    for c in pycountry.countries:
        iso = c.alpha_2
        name = SHORT_NAMES.get(iso) or getattr(c, "common_name", None) or c.name
        rows.append((ERASMUS_CODE.get(iso, iso), iso, name, PART_OF.get(iso, "")))
    rows.append(("XK", "XK", "Kosovo", ""))
    rows.sort()
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["code", "iso2", "name", "part_of"])
        w.writerows(rows)
    print(f"wrote {len(rows)} countries to {OUT}")


if __name__ == "__main__":
    main()
