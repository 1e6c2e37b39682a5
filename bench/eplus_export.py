"""Erasmus+ project results exports of any size, in the real layout, with their ground truth.

The header is the one real record's (``../shared/data/eplus-format``: 622 columns, Partner
1..100, UTF-8 with a byte-order mark, the grant column's sentence header). Each row is one
project: identifier, action type, call year, title, topics, a summary, the coordinator and
2-12 partners (about 2.9 KB a row, as the real files).

Organisations are drawn so that the hard cases of real exports are there, each with its own
address, city and website:

- recurrence: a heavy-tailed activity (a few organisations in hundreds of projects, most in
  one), about 2.7 distinct organisations a project;
- spelling variants of one organisation (2% of its appearances): upper case, accents
  dropped, a legal form added or dropped, one letter typed wrong, words swapped; the
  website written with or without ``http://www.`` or left out; the address in upper case;
- distinct organisations whose names differ only by a number or a place (``11o Gymnasio
  Marousi`` / ``23o Gymnasio Marousi``, ``Volkshochschule Ulm`` / ``Volkshochschule
  Stuttgart``), and the same generic name in two cities.

The truth (:class:`Truth`) says which organisation each name of each row is, so that a
benchmark can count the distinct organisations and the precision of merging.

``edition="old"`` writes the export as an earlier download of the same projects would be:
the last tenth of the projects missing, some titles and summaries not yet edited, a few
partners not yet added.

Usage::

    python -m bench.eplus_export 2000 /tmp/export-2k.csv     # writes the file and its truth
"""

from __future__ import annotations

import csv
import json
import random
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["HEADER_SOURCE", "Truth", "read_header", "write_export"]

HEADER_SOURCE = (Path(__file__).resolve().parents[2] / "shared" / "data" / "eplus-format"
                 / "ErasmusPlus_KA2_one_real_record.csv")

#: country code, weight, cities, website TLD, language of the names.
COUNTRIES: list[tuple[str, int, list[str], str, str]] = [
    ("DE", 14, ["Berlin", "Stuttgart", "Ulm", "Köln", "München", "Leipzig", "Bremen",
                "Münster", "Kassel", "Würzburg"], "de", "de"),
    ("ES", 12, ["Madrid", "Sevilla", "Valencia", "Zaragoza", "Málaga", "Bilbao", "Murcia",
                "León", "Cádiz", "Girona"], "es", "es"),
    ("IT", 12, ["Roma", "Milano", "Torino", "Napoli", "Bologna", "Firenze", "Bari",
                "Palermo", "Padova", "Verona"], "it", "it"),
    ("EL", 6, ["Marousi", "Athina", "Thessaloniki", "Patra", "Irakleio", "Larisa", "Volos",
               "Ioannina", "Chania", "Kalamata"], "gr", "el"),
    ("PL", 7, ["Warszawa", "Kraków", "Łódź", "Wrocław", "Poznań", "Gdańsk", "Lublin",
               "Rzeszów", "Opole", "Toruń"], "pl", "pl"),
    ("FR", 9, ["Paris", "Lyon", "Lille", "Nantes", "Rennes", "Bordeaux", "Toulouse",
               "Grenoble", "Dijon", "Nancy"], "fr", "fr"),
    ("PT", 5, ["Lisboa", "Porto", "Braga", "Coimbra", "Aveiro", "Faro", "Évora", "Viseu",
               "Leiria", "Setúbal"], "pt", "pt"),
    ("RO", 5, ["București", "Cluj-Napoca", "Iași", "Timișoara", "Brașov", "Constanța",
               "Craiova", "Galați", "Oradea", "Sibiu"], "ro", "ro"),
    ("TR", 7, ["Ankara", "İstanbul", "İzmir", "Bursa", "Konya", "Adana", "Antalya",
               "Kayseri", "Samsun", "Trabzon"], "tr", "tr"),
    ("FI", 3, ["Helsinki", "Tampere", "Turku", "Oulu", "Jyväskylä", "Kuopio", "Lahti",
               "Vaasa", "Joensuu", "Pori"], "fi", "fi"),
    ("BE", 3, ["Brussels", "Antwerpen", "Gent", "Leuven", "Liège", "Namur", "Brugge",
               "Mons", "Hasselt", "Mechelen"], "be", "fr"),
    ("NL", 3, ["Amsterdam", "Utrecht", "Rotterdam", "Leiden", "Groningen", "Tilburg",
               "Nijmegen", "Delft", "Zwolle", "Breda"], "nl", "en"),
    ("LT", 2, ["Vilnius", "Kaunas", "Klaipėda", "Šiauliai", "Panevėžys", "Alytus",
               "Marijampolė", "Utena", "Telšiai", "Tauragė"], "lt", "en"),
    ("AT", 2, ["Wien", "Graz", "Linz", "Salzburg", "Innsbruck", "Klagenfurt", "Villach",
               "Wels", "Steyr", "Krems"], "at", "de"),
    ("CZ", 2, ["Praha", "Brno", "Ostrava", "Plzeň", "Olomouc", "Liberec", "Zlín", "Opava",
               "Kladno", "Jihlava"], "cz", "en"),
]

TYPES = {
    "hei": "Higher education institution (tertiary level)",
    "school": "School/Institute/Educational centre – General education (secondary level)",
    "vet": "School/Institute/Educational centre – Vocational Training (secondary level)",
    "adult": "School/Institute/Educational centre – Adult education",
    "ngo": "Non-governmental organisation/association/social enterprise",
    "sme": "Small and medium sized enterprise",
    "public": "Local Public body",
    "research": "Research Institute/Centre",
    "foundation": "Foundation",
}
TYPE_WEIGHTS = {"school": 30, "vet": 12, "ngo": 18, "sme": 12, "hei": 9, "adult": 6,
                "public": 6, "research": 4, "foundation": 3}
LEGAL = {"de": "e.V.", "es": "S.L.", "it": "S.r.l.", "el": "AE", "pl": "Sp. z o.o.",
         "fr": "SARL", "pt": "Lda", "ro": "SRL", "tr": "Ltd. Şti.", "fi": "Oy", "en": "B.V."}
WORDS = ["Nova", "Aurora", "Delta", "Lumen", "Fokus", "Kreativ", "Impuls", "Horizont", "Sol",
         "Vento", "Terra", "Orbis", "Futura", "Pulsar", "Zenit", "Vita", "Alba",
         "Sinergia", "Kairos", "Mosaik", "Nexus", "Arca", "Prisma", "Vektor", "Atlas",
         "Polaris", "Aether", "Iris", "Castor", "Boreas", "Faro", "Quelle", "Brücke",
         "Puente", "Ponte", "Ágora", "Ēos", "Stella", "Ventus", "Rivus", "Silva", "Mons",
         "Lux", "Spes", "Fides", "Ars", "Opus", "Nova", "Kompas", "Klara", "Menta",
         "Mira", "Oasis", "Pegasus", "Quanta", "Rhea", "Sirius", "Talos", "Umbra",
         "Vesta", "Xenia", "Yara", "Zora"]
TITLE = ["digital", "inclusion", "learning", "teachers", "skills", "innovation", "youth",
         "entrepreneurship", "sustainability", "green", "transition", "mobility",
         "guidance", "mentoring", "literacy", "heritage", "culture", "science", "inquiry",
         "training", "vocational", "adult", "migrants", "refugees", "disability",
         "health", "wellbeing", "sport", "creativity", "robotics", "coding", "media",
         "citizenship", "democracy", "language", "assessment", "curriculum",
         "apprenticeship", "tourism", "agriculture", "energy", "climate", "water"]
TOPICS = ["ICT - new technologies - digital competences", "Inclusion - equity",
          "New innovative curricula/educational methods/development of training courses",
          "Environment and climate change",
          "Key Competences (incl. mathematics and literacy) - basic skills", "Entrepreneurial learning - entrepreneurship education",
          "Social inclusion", "Cultural heritage/European Year of Cultural Heritage",
          "Teaching and learning of foreign languages",
          "Early School Leaving / combating failure in education",
          "Intercultural/intergenerational education and (lifelong)learning", "Migrants' issues", "Health and wellbeing",
          "Creativity and culture", "Digital content, technologies and practices"]
ACTIONS = [("Strategic Partnerships for school education", "KA201"),
           ("Strategic Partnerships for vocational education and training", "KA202"),
           ("Strategic Partnerships for higher education", "KA203"),
           ("Strategic Partnerships for adult education", "KA204"),
           ("Strategic Partnerships for Schools Only", "KA219"),
           ("School Exchange Partnerships", "KA229")]


@dataclass(slots=True)
class _Org:
    ident: int
    name: str
    country: str
    city: str
    kind: str
    website: str
    street: str
    lang: str


@dataclass(slots=True)
class Truth:
    """What the generated file holds: ``members[identifier]`` lists ``(organisation,
    name as written, country)`` in column order (coordinator first)."""

    organisations: int = 0
    spellings: int = 0
    members: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"organisations": self.organisations,
                                    "spellings": self.spellings, "members": self.members}),
                        encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Truth:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(raw["organisations"], raw["spellings"],
                   {k: [(int(i), str(n), str(c)) for i, n, c in v]
                    for k, v in raw["members"].items()})


def read_header(path: Path = HEADER_SOURCE) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return next(csv.reader(f))


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


def _slug(text: str) -> str:
    return "".join(c for c in _ascii(text).lower() if c.isalnum())[:24]


def _name(rng: random.Random, kind: str, city: str, lang: str, seq: int) -> str:
    word = rng.choice(WORDS)
    if kind == "school":
        n = rng.randint(1, 40)
        return {"el": f"{n}o Gymnasio {city}", "de": f"Gymnasium {city} {n}",
                "it": f"Istituto Comprensivo {n} {city}", "es": f"IES número {n} de {city}",
                "pl": f"Szkoła Podstawowa nr {n} w {city}",
                "tr": f"{city} {n}. Ortaokulu", "fr": f"Collège {word} de {city}",
                "ro": f"Școala Gimnazială nr. {n} {city}"}.get(lang, f"{city} School {n}")
    if kind == "vet":
        return {"de": f"Berufsschule {word} {city}", "it": f"Istituto Tecnico {word} {city}",
                "es": f"Centro de Formación Profesional {word}",
                "fr": f"Lycée professionnel {word}", "tr": f"{city} Mesleki ve Teknik "
                f"Anadolu Lisesi {rng.randint(1, 9)}"}.get(lang, f"{word} Vocational College")
    if kind == "adult":
        return {"de": f"Volkshochschule {city}", "fi": f"{city}n kansalaisopisto",
                "es": f"Escuela de Adultos {word}"}.get(lang, f"{word} Adult Learning Centre")
    if kind == "hei":
        return rng.choice([f"University of {city}", f"{city} University of Applied Sciences",
                           f"{word} University {city}", f"Technical University of {city}"])
    if kind == "public":
        return {"de": f"Stadt {city}", "it": f"Comune di {city}", "es": f"Ayuntamiento de "
                f"{city}", "fr": f"Ville de {city}"}.get(lang, f"Municipality of {city}")
    if kind == "research":
        return f"{word} Institute for {rng.choice(TITLE).title()} Research"
    if kind == "foundation":
        return f"{word} {rng.choice(WORDS)} Foundation"
    legal = LEGAL.get(lang, "Ltd")
    if kind == "sme":
        return f"{word}{rng.choice(WORDS).lower()} {rng.choice(TITLE).title()} {legal}"
    return rng.choice([f"Association {word} {rng.choice(WORDS)}",
                       f"{word} {rng.choice(TITLE).title()} Network",
                       f"{city} {rng.choice(TITLE).title()} Centre",
                       f"Youth {rng.choice(TITLE).title()} {word} {seq % 97}"])


def _variant(rng: random.Random, org: _Org) -> tuple[str, str, str]:
    """Another way the export writes ``org``: (name, address, website)."""
    name, website = org.name, org.website
    address = f"{org.street}, {org.city}"
    how = rng.randrange(6)
    if how == 0:
        name = name.upper()
        address = address.upper()
    elif how == 1:
        name = _ascii(name)
    elif how == 2:
        legal = LEGAL.get(org.lang, "Ltd")
        name = name.removesuffix(" " + legal) if name.endswith(legal) else f"{name} {legal}"
    elif how == 3:
        letters = [i for i, c in enumerate(name) if c.isalpha()]
        i = rng.choice(letters[len(letters) // 3:])
        name = name[:i] + ("e" if name[i] != "e" else "a") + name[i + 1:]
    elif how == 4:
        words = name.split()
        if len(words) > 2:
            words[-1], words[-2] = words[-2], words[-1]
        name = " ".join(words)
    else:
        name = name.replace(" of ", " of the ", 1) if " of " in name else name + " ."
    if rng.random() < 0.3:
        website = ""
    elif rng.random() < 0.5:
        website = "http://www." + website
    return name, address, website


class _World:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.orgs: list[_Org] = []
        self.names: set[tuple[str, str, str]] = set()
        self.appearances: list[int] = []
        self.countries = [c for c in COUNTRIES for _ in range(c[1])]

    def new(self) -> _Org:
        rng = self.rng
        while True:
            country, _, cities, tld, lang = rng.choice(self.countries)
            kind = rng.choices(list(TYPE_WEIGHTS), weights=list(TYPE_WEIGHTS.values()))[0]
            city = rng.choice(cities)
            name = _name(rng, kind, city, lang, len(self.orgs))
            key = ("".join(_ascii(name).lower().split()), country, city)
            if key not in self.names:
                break
        self.names.add(key)
        ident = len(self.orgs)
        street = f"{rng.choice(WORDS)}str. {rng.randint(1, 200)}, {rng.randint(10000, 99999)}"
        org = _Org(ident, name, country, city, kind, f"{_slug(name)}-{ident}.{tld}",
                   street, lang)
        self.orgs.append(org)
        return org

    def pick(self) -> _Org:
        rng = self.rng
        if len(self.orgs) < 50 or rng.random() < 0.5:
            org = self.new()
        elif rng.random() < 0.6:  # preferential: the active recur (a heavy tail)
            org = self.orgs[rng.choice(self.appearances)]
        else:
            org = rng.choice(self.orgs)
        self.appearances.append(org.ident)
        return org


def write_export(path: Path, n_projects: int, *, seed: int = 0, edition: str = "new",
                 truth_path: Path | None = None) -> Truth:
    """Write an export of ``n_projects`` projects (``edition="old"``: the earlier download,
    see the module docstring) to ``path``; its truth goes to ``truth_path`` when given."""
    header = read_header()
    col = {h: i for i, h in enumerate(header)}
    world = _World(seed)
    rng = world.rng
    truth = Truth()
    written: dict[int, set[str]] = {}
    last = int(n_projects * 0.9) if edition == "old" else n_projects
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f, lineterminator="\r\n")
        out.writerow(header)
        for p in range(n_projects):
            label, code = rng.choice(ACTIONS)
            year = rng.randint(2014, 2020)
            n_members = min(13, max(2, int(rng.lognormvariate(1.6, 0.45))))
            members: list[_Org] = []
            while len(members) < n_members:
                org = world.pick()
                if all(o.ident != org.ident for o in members):
                    members.append(org)
            words = rng.sample(TITLE, 4)
            title = " ".join(words).capitalize() + f" ({p})"
            edited = rng.random() < 0.05
            late_partner = rng.random() < 0.03 and len(members) > 2
            summary = " ".join(rng.choice(TITLE) for _ in range(rng.randint(90, 210)))
            if edition == "old" and edited:
                title = title + " draft"
            ident = f"{year}-1-{members[0].country}01-{code}-{p:06d}"
            row = [""] * len(header)
            row[col["Programme"]] = "Erasmus+"
            row[col["Key Action"]] = "Cooperation for innovation and the exchange of good practices"
            row[col["Action Type"]] = label
            row[col["Call year"]] = str(year)
            row[col["Project Identifier"]] = ident
            row[col["Project Title"]] = title
            row[col["Topics"]] = "; ".join(rng.sample(TOPICS, rng.randint(1, 3)))
            row[col["Project Summary"]] = summary.capitalize() + "."
            row[col["Project Status"]] = "finalized"
            row[9] = f"{rng.randint(20000, 450000)}.00"
            row[col["Participating countries"]] = ",".join(dict.fromkeys(
                o.country for o in members))
            shown = len(members) - 1 if edition == "old" and late_partner else len(members)
            names: list[tuple[int, str, str]] = []
            for slot, org in enumerate(members):
                seen = written.setdefault(org.ident, set())
                if seen and rng.random() < 0.03:
                    name, address, website = _variant(rng, org)
                else:
                    name, address, website = org.name, f"{org.street}, {org.city}", org.website
                seen.add(name)
                if slot >= shown:  # the same draws in both editions
                    continue
                prefix = ("Coordinating organisation", "Coordinator's") if slot == 0 else (
                    f"Partner {slot}", f"Partner {slot}")
                if slot == 0:
                    row[col["Coordinating organisation name"]] = name
                    row[col["Coordinating organisation type"]] = TYPES[org.kind]
                else:
                    row[col[f"{prefix[0]} name"]] = name
                    row[col[f"{prefix[0]} organisation type"]] = TYPES[org.kind]
                row[col[f"{prefix[1]} address"]] = address
                row[col[f"{prefix[1]} region"]] = org.city.upper()
                row[col[f"{prefix[1]} country"]] = org.country
                row[col[f"{prefix[1]} website"]] = website
                names.append((org.ident, name, org.country))
            if p < last:
                out.writerow(row)
                truth.members[ident] = names
    used = {i for names in truth.members.values() for i, _, _ in names}
    truth.organisations = len(used)
    truth.spellings = len({(i, n) for names in truth.members.values()
                           for i, n, _ in names})
    if truth_path is not None:
        truth.save(truth_path)
    return truth


def main() -> None:
    n, path = int(sys.argv[1]), Path(sys.argv[2])
    edition = sys.argv[3] if len(sys.argv) > 3 else "new"
    truth = write_export(path, n, edition=edition, truth_path=path.with_suffix(".truth.json"))
    size = path.stat().st_size
    print(f"{path}: {len(truth.members):,} projects, {size / 1e6:.1f} MB "
          f"({size / max(1, len(truth.members)) / 1e3:.1f} KB a project), "
          f"{truth.organisations:,} distinct organisations, {truth.spellings:,} spellings")


if __name__ == "__main__":
    main()
