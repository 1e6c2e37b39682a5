"""Realistic synthetic registries for benchmarks: 10k to 1M organisations, built in memory.

The shapes come from the real data in ``../shared/data`` (read once, a second or two):

- organisation **categories** and **countries**: the H2020 participants (CORDIS type codes
  mapped as the importer maps them) plus the ECHE holders;
- **participations per organisation** (heavy-tailed: a few organisations take part in
  hundreds of projects, most in one or two; ECHE holders without H2020 projects have none),
  **consortium sizes** and **start years**: the H2020 projects;
- **themes**: the H2020 programme parts of the projects, plus the Erasmus+ themes of
  ``data/reference/themes.csv`` (whose keywords also feed the texts).

Repeat collaboration: organisations belong to communities (a field and its usual partners);
each project draws most members from one community, weighted by activity, the rest from
everywhere, so pairs meet again in several projects and partners of partners overlap, as in
the real consortia. Names, descriptions, project titles and summaries mix English, Finnish,
German and French words.

Generation is vectorised (numpy) apart from building the strings and the frozen profiles:
1M organisations take about a minute.

Usage::

    from bench.synth import make_registry
    registry = make_registry(100_000, seed=0)
    python -m bench.synth 100000                # prints what it made
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
import time
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
from data.importers.history import PART_THEMES
from data.reference import countries as reference_countries
from data.reference import resolve_category
from data.reference import themes as reference_themes
from matcher.registry.snapshot import OrgProfile, ProjectInfo, Registry, ThemeInfo

__all__ = ["RealShapes", "make_registry", "real_shapes"]

SHARED = ROOT.parent / "shared" / "data"

GENERIC = ["education", "innovation", "digital", "skills", "students", "teachers", "learning", "training", "research", "network", "cooperation", "quality", "mobility", "youth", "employability", "inclusion", "sustainability", "university", "college", "school", "regional", "development", "entrepreneurship", "language", "culture", "health", "opiskelijat", "opettajat", "oppiminen", "koulutus", "kehittäminen", "yhteistyö", "osaaminen", "tutkimus", "Bildung", "Hochschule", "Studierende", "Lehrkräfte", "Ausbildung", "Forschung", "Zusammenarbeit", "Kompetenzen", "éducation", "étudiants", "enseignants", "formation", "recherche", "coopération", "compétences", "apprentissage"]
SYLLABLES = ["ka", "ri", "to", "la", "mi", "ne", "sa", "vo", "lu", "ber", "lin", "ham", "mar", "sel", "tor", "vik", "hel", "sin", "tam", "pe", "ou", "lyon", "nan", "gre", "bor", "deu", "mon", "tes", "pra", "bra", "ro", "ma", "ve", "na", "ko", "sta", "gra", "var"]
NAME_WORDS = {
    "higher-education": ("University of {p}", "{p} University", "{p}in yliopisto",
                         "{p} ammattikorkeakoulu", "Universität {p}", "Hochschule {p}",
                         "Université de {p}", "{p} University of Applied Sciences"),
    "school": ("{p} Vocational College", "{p}n ammattiopisto", "Berufsschule {p}",
               "Lycée {p}", "{p} Adult Education Centre"),
    "research": ("{p} Research Institute", "Institut {p}", "{p} tutkimuskeskus",
                 "Forschungszentrum {p}", "Centre de recherche {p}"),
    "company": ("{p} Oy", "{p} GmbH", "{p} SA", "{p} Ltd", "{p} Solutions", "{p} SARL"),
    "ngo": ("{p} Association", "{p} ry", "Verein {p}", "Association {p}", "{p} Foundation"),
    "public-body": ("City of {p}", "{p}n kaupunki", "Stadt {p}", "Région {p}",
                    "{p} Regional Council"),
    "network": ("{p} Network", "{p} säätiö", "Stiftung {p}", "{p} Chamber of Commerce"),
    "other": ("{p} Centre", "{p} Consortium", "{p} Partners"),
}
CORDIS_CATEGORY = {code: (resolve_category(code) or ("other", code))[0]
                   for code in ("HES", "PRC", "REC", "PUB", "OTH")}


@dataclass(frozen=True, slots=True)
class RealShapes:
    """Empirical distributions of the real registry (values and their weights)."""

    categories: tuple[tuple[str, ...], np.ndarray]
    countries: tuple[tuple[str, ...], np.ndarray]
    activity: np.ndarray  # participations of each real organisation (0 for ECHE-only ones)
    sizes: np.ndarray  # organisations per real project
    years: np.ndarray  # start year per real project
    parts: tuple[tuple[str, ...], np.ndarray]  # theme code of the programme part, weights
    projects_per_org: float


def _dist(counter: Counter[str]) -> tuple[tuple[str, ...], np.ndarray]:
    keys = tuple(sorted(counter))
    weights = np.array([counter[k] for k in keys], dtype=np.float64)
    return keys, weights / weights.sum()


@cache
def real_shapes(shared: Path = SHARED) -> RealShapes:
    """Read the distributions from the real files (cached per process)."""
    with gzip.open(shared / "cordis-h2020" / "participations.csv.gz", "rt",
                   encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with gzip.open(shared / "cordis-h2020" / "programme_parts.csv.gz", "rt",
                   encoding="utf-8", newline="") as fh:
        part_of = {r["rcn"]: r["programme_part"] for r in csv.DictReader(fh)}
    text = (shared / "eche" / "eche-holders-2021-2027.csv").read_bytes().decode("cp1252")
    eche = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))[2:]
    org_category: dict[str, str] = {}
    org_country: dict[str, str] = {}
    per_org: Counter[str] = Counter()
    per_project: Counter[str] = Counter()
    year_of: dict[str, int] = {}
    for r in rows:
        org_category[r["pic"]] = CORDIS_CATEGORY.get(r["type"], "other")
        org_country[r["pic"]] = r["country"]
        per_org[r["pic"]] += 1
        per_project[r["rcn"]] += 1
        if r["start_year"]:
            year_of[r["rcn"]] = int(r["start_year"])
    for e in eche:
        if len(e) > 8 and e[2] not in org_category:
            key = e[2] or e[1]
            org_category[key] = "higher-education"
            org_country[key] = e[8]
    parts = Counter(PART_THEMES.get(part_of.get(rcn, ""), "h2020-other")
                    for rcn in per_project)
    parts.pop("h2020-other", None)
    return RealShapes(
        categories=_dist(Counter(org_category.values())),
        countries=_dist(Counter(org_country.values())),
        activity=np.array([per_org.get(k, 0) for k in org_category], dtype=np.float64),
        sizes=np.array(list(per_project.values()), dtype=np.int64),
        years=np.array(list(year_of.values()), dtype=np.int64),
        parts=_dist(parts),
        projects_per_org=len(per_project) / len(org_category),
    )


def _words(rng: np.random.Generator, pool: np.ndarray, topic: np.ndarray, n: int,
           k: int) -> list[str]:
    """``n`` texts of ``k`` words: half from each text's topic words, half generic."""
    generic = pool[rng.integers(0, pool.size, size=(n, k))]
    mine = topic[np.arange(n)[:, None], rng.integers(0, topic.shape[1], size=(n, k))]
    take = rng.random((n, k)) < 0.5
    return [" ".join(row) for row in np.where(take, mine, generic)]


def make_registry(n_orgs: int, seed: int = 0, *, shared: Path = SHARED) -> Registry:
    """A synthetic registry of ``n_orgs`` organisations shaped like the real one."""
    rng = np.random.default_rng(seed)
    shapes = real_shapes(shared)
    n_projects = max(1, round(n_orgs * shapes.projects_per_org))
    themes_ref = reference_themes()
    topics = [t for t in themes_ref if t.kind != "programme-part" and t.keywords]
    keyword_table = np.empty((len(topics), 8), dtype=object)
    for i, t in enumerate(topics):
        words = [w for kw in t.keywords for w in kw.split()]
        keyword_table[i] = (words * 8)[:8]

    # organisations
    cats, cat_w = shapes.categories
    category = rng.choice(len(cats), size=n_orgs, p=cat_w)
    ctry, ctry_w = shapes.countries
    country = rng.choice(len(ctry), size=n_orgs, p=ctry_w)
    activity = rng.choice(shapes.activity, size=n_orgs) + rng.random(n_orgs) * 0.01
    activity[activity < 0.5] = 0.0  # organisations without any project stay without
    n_comm = max(1, n_orgs // 150)
    community = rng.integers(0, n_comm, size=n_orgs)
    parts, part_w = shapes.parts
    comm_part = rng.choice(len(parts), size=n_comm, p=part_w)
    comm_topic = rng.integers(0, len(topics), size=n_comm)

    # projects: sizes and years as the real ones; most members from one community
    sizes = np.minimum(rng.choice(shapes.sizes, size=n_projects), max(1, n_orgs // 2))
    starts = np.concatenate(([0], np.cumsum(sizes)))
    slots = int(starts[-1])
    slot_project = np.repeat(np.arange(n_projects), sizes)
    project_comm = rng.integers(0, n_comm, size=n_projects)
    order = np.lexsort((np.arange(n_orgs), community))
    cum = np.cumsum(activity[order])
    comm_first = np.searchsorted(community[order], np.arange(n_comm))
    comm_last = np.searchsorted(community[order], np.arange(n_comm), side="right")
    lo = np.where(comm_first > 0, cum[np.maximum(comm_first - 1, 0)], 0.0)
    hi = cum[np.maximum(comm_last - 1, 0)]
    hi = np.where(comm_last > comm_first, hi, lo)
    comm_of_slot = project_comm[slot_project]
    u = rng.random(slots)
    local = rng.random(slots) < 0.7
    empty = hi[comm_of_slot] <= lo[comm_of_slot]
    target = np.where(local & ~empty,
                      lo[comm_of_slot] + u * (hi[comm_of_slot] - lo[comm_of_slot]),
                      u * cum[-1])
    member = order[np.minimum(np.searchsorted(cum, target, side="right"), n_orgs - 1)]
    role = np.ones(slots, dtype=np.float32)
    role[starts[:-1]] = 2.0  # the first member coordinates
    incidence = sp.csr_matrix((role, (member, slot_project)), shape=(n_orgs, n_projects))
    incidence.sum_duplicates()
    np.minimum(incidence.data, 2.0, out=incidence.data)

    # texts
    pool = np.array(GENERIC, dtype=object)
    places = ["".join(p).capitalize() for p in rng.choice(
        np.array(SYLLABLES, dtype=object), size=(max(1000, n_orgs // 20), 3))]
    place = rng.integers(0, len(places), size=n_orgs)
    pattern = rng.integers(0, 1000, size=n_orgs)
    names = [NAME_WORDS[cats[c]][pat % len(NAME_WORDS[cats[c]])].format(p=places[pl])
             for c, pat, pl in zip(category.tolist(), pattern.tolist(), place.tolist(),
                                   strict=True)]
    described = np.flatnonzero(rng.random(n_orgs) < 0.3)
    descriptions: list[str | None] = [None] * n_orgs
    for i, text in zip(described.tolist(), _words(
            rng, pool, keyword_table[comm_topic[community[described]]], described.size, 12),
            strict=True):
        descriptions[i] = text
    titles = _words(rng, pool, keyword_table[comm_topic[project_comm]], n_projects, 7)
    summarised = rng.random(n_projects) < 0.25
    summaries = _words(rng, pool, keyword_table[comm_topic[project_comm[summarised]]],
                       int(summarised.sum()), 25)
    summary_of: list[str | None] = [None] * n_projects
    for j, text in zip(np.flatnonzero(summarised).tolist(), summaries, strict=True):
        summary_of[j] = text

    # profiles
    eche = (np.array(cats)[category] == "higher-education") & (rng.random(n_orgs) < 0.8)
    declared = rng.random(n_orgs) < 0.1
    topic_codes = [t.code for t in topics]
    country_codes = [ctry[c] for c in country.tolist()]
    orgs = tuple(
        OrgProfile(
            id=i + 1, pic=str(880_000_000 + i), oid=f"E{10_000_000 + i}" if i % 3 else None,
            erasmus_code=(f"{country_codes[i]} {names[i][:6].upper()}{i % 100:02d}"
                          if eche[i] else None),
            name=names[i], country=country_codes[i], city=places[place[i]],
            category=cats[category[i]], type_code=None, eche=bool(eche[i]),
            themes=(topic_codes[comm_topic[community[i]]],) if declared[i] else (),
            description=descriptions[i])
        for i in range(n_orgs)
    )
    years = rng.choice(shapes.years, size=n_projects).tolist()
    with_topic = rng.random(n_projects) < 0.5
    projects = tuple(
        ProjectInfo(
            id=j + 1, identifier=f"SYN-{j + 1}", programme="H2020", action=None,
            start_year=years[j], title=titles[j], summary=summary_of[j],
            themes=tuple(sorted({parts[comm_part[project_comm[j]]]}
                                | ({topic_codes[comm_topic[project_comm[j]]]}
                                   if with_topic[j] else set()))))
        for j in range(n_projects)
    )
    themes = {t.code: ThemeInfo(t.code, t.kind, t.label_en, t.label_fi or None)
              for t in themes_ref}
    names_of = {c.code: c.name for c in reference_countries()}
    return Registry(orgs=orgs, projects=projects, incidence=incidence, themes=themes,
                    countries=names_of, fingerprint=f"synth-{n_orgs}-{seed}")


def describe(registry: Registry) -> str:
    """A few figures to compare with the real registry."""
    inc = registry.incidence
    per_org = np.diff(inc.indptr)
    binary = (inc > 0).astype(np.float32)
    co = (binary @ binary.T).tocsr()
    co.setdiag(0)
    co.eliminate_zeros()
    repeat = float((co.data >= 2).mean()) if co.nnz else 0.0
    return (f"{registry.n_orgs:,} organisations, {len(registry.projects):,} projects, "
            f"{inc.nnz:,} participations; orgs without projects {np.mean(per_org == 0):.0%}, "
            f"max per org {per_org.max()}; consortium size mean "
            f"{np.diff(inc.tocsc().indptr).mean():.1f}; pairs that met again {repeat:.0%}")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    started = time.perf_counter()
    registry = make_registry(n)
    elapsed = time.perf_counter() - started
    print(f"made in {elapsed:.1f} s: {describe(registry) if n <= 200_000 else registry.n_orgs}")


if __name__ == "__main__":
    main()
