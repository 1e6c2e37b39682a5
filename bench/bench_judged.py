"""Topical fit of idea searches, graded by readers: the product against a keyword search.

    python -m bench.bench_judged                    # the table (README, "Judged ideas")
    python -m bench.bench_judged --json             # the same as JSON, with every idea
    python -m bench.bench_judged --pool DIR         # grading sheets for the unjudged results

The ideas are ``bench/judged/ideas.jsonl`` (English ones and their Finnish and Swedish
twins, each in the ``dev`` or ``test`` split); the grades ``bench/judged/grades/*.jsonl``.
Both systems answer each idea on the default registry with the idea's countries and types:
``matcher search --text ... -k 10`` (through :class:`matcher.Matcher`, as the CLI does) and
:class:`~matcher.evaluation.judged.KeywordBaseline`.

``--pool DIR`` writes, for each reader, one sheet per group of ideas with every result of
either system that the reader has not graded, in a seeded random order, named only by a
code: ``DIR/sheet-READER-N.md`` for the reader, ``DIR/keys-READER-N.json`` (code ->
organisation) for merging the grades back with ``--merge``. What a reader sees of an
organisation is :func:`~matcher.evaluation.judged.evidence_projects`: its past projects
most like the idea by the keyword search and by the product's topical index, up to six.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import ROOT
from matcher import Matcher
from matcher.evaluation.judged import (
    JudgedIdea,
    KeywordBaseline,
    evidence_projects,
    mean_grades,
    org_key,
    read_grades,
    read_ideas,
    score_ranking,
    summarise_scored,
    twin_overlap,
)
from matcher.language.ideas import read_idea
from models.files import json_lines

HERE = ROOT / "bench" / "judged"
SYSTEMS = ("matcher", "keyword")


def rankings(m: Matcher, ideas: list[JudgedIdea], variants: dict[str, dict[str, float]]
             | None = None) -> dict[str, dict[str, list[str]]]:
    """system -> idea -> organisation keys, best first; ``variants``: more systems, each
    the product with other ranker settings (for pooling what a setting would show)."""
    ranker = m.ranker()
    registry = ranker.registry_
    baseline = KeywordBaseline().fit(registry)
    systems = {"matcher": {}, **(variants or {})}
    out: dict[str, dict[str, list[str]]] = {s: {} for s in (*systems, "keyword")}
    for name, settings in systems.items():
        # a setting of the ranker, else of its topical index
        owners = {k: ranker if hasattr(ranker, k) else ranker.space_.topical for k in settings}
        saved = {k: getattr(owners[k], k) for k in settings}
        for k, v in settings.items():
            setattr(owners[k], k, v)
        try:
            for idea in ideas:
                found = m.search(text=idea.text, countries=idea.countries, types=idea.types,
                                 k=10)
                out[name][idea.id] = [org_key(x.org) for x in found.matches]
        finally:
            for k, v in saved.items():
                setattr(owners[k], k, v)
    for idea in ideas:
        found = m.search(text=idea.text, countries=idea.countries, types=idea.types, k=10)
        allowed = np.array([found.filters.allows(o) for o in registry.orgs], dtype=bool)
        rows = baseline.rank(idea.text, allowed)
        out["keyword"][idea.id] = [org_key(registry.orgs[r]) for r in rows]
    return out


def table(ideas: list[JudgedIdea], ranked: dict[str, dict[str, list[str]]],
          grades: dict[str, dict[str, float]]) -> dict[str, Any]:
    groups = {"dev": [i for i in ideas if i.split == "dev"],
              "test": [i for i in ideas if i.split == "test"],
              "English": [i for i in ideas if i.language == "en"],
              "Finnish": [i for i in ideas if i.language == "fi"],
              "Swedish": [i for i in ideas if i.language == "sv"],
              "all": ideas}
    out: dict[str, Any] = {}
    for system, answers in ranked.items():
        per = {i.id: score_ranking(i.id, answers.get(i.id, []), grades.get(i.id, {}))
               for i in ideas}
        out[system] = {name: summarise_scored([per[i.id] for i in group])
                       for name, group in groups.items() if group}
        out[system]["ideas"] = {k: dataclasses.asdict(v) for k, v in per.items()}
        out[system]["twins"] = twin_overlap(answers, ideas)
    return out


def print_table(result: dict[str, Any], ideas: list[JudgedIdea]) -> None:
    print("| ideas | system | P@10 (related+) | clearly on topic@10 | nDCG@10 | results shown "
          "| unjudged |")
    print("|---|---|---|---|---|---|---|")
    systems = [s for s in result]
    for group in ("dev", "test", "English", "Finnish", "Swedish", "all"):
        for system in systems:
            s = result[system].get(group)
            if not s:
                continue
            print(f"| {group} ({s['ideas']}) | {system} | {s['p10']:.3f} | "
                  f"{s['clearly10']:.3f} | {s['ndcg10']:.3f} | {s['shown']:.1f} | "
                  f"{s['unjudged']} |")
    for system in systems:
        twins = result[system]["twins"]
        if twins:
            by = ", ".join(f"{k} {v}" for k, v in sorted(twins.items()))
            print(f"{system}: results shared with the English twin (of 10): mean "
                  f"{sum(twins.values()) / len(twins):.1f}; {by}")
    english = {i.id: i for i in ideas}
    for system in ("matcher",):
        per = result[system]["ideas"]
        ratios = []
        for i in ideas:
            if i.twin and per[i.twin]["related"] > 0:
                ratios.append(per[i.id]["related"] / per[i.twin]["related"])
        if ratios:
            print(f"{system}: translated ideas' P@10 over their English twin's: mean "
                  f"{sum(ratios) / len(ratios):.2f} ({len(ratios)} twins)")
    del english


def pool(m: Matcher, ideas: list[JudgedIdea], ranked: dict[str, dict[str, list[str]]],
         graded: dict[str, set[tuple[str, str]]], out: Path, readers: list[str],
         per_sheet: int, seed: int) -> None:
    ranker = m.ranker()
    registry = ranker.registry_
    by_key = {org_key(o): row for row, o in enumerate(registry.orgs)}
    baseline = KeywordBaseline().fit(registry)
    titles = baseline.vectoriser_.transform([p.title or "" for p in registry.projects])
    topical = ranker.space_.topical
    text_of = {i.id: i.text for i in ideas}
    out.mkdir(parents=True, exist_ok=True)
    for reader in readers:
        todo = []
        for idea in ideas:
            keys = dict.fromkeys(k for s in ranked.values() for k in s.get(idea.id, []))
            keys = {k: None for k in keys if (idea.id, k) not in graded.get(reader, set())}
            if keys:
                todo.append((idea, list(keys)))
        rng = random.Random(f"{seed}-{reader}")
        for n, start in enumerate(range(0, len(todo), per_sheet), start=1):
            lines = [_HEADER]
            codes: dict[str, dict[str, str]] = {}
            for idea, keys in todo[start:start + per_sheet]:
                english = text_of.get(idea.twin or "", "")
                q = titles @ baseline.vectoriser_.transform([english or idea.text]).T
                by_title = np.asarray(q.toarray()).ravel()
                scores = topical.score(read_idea(idea.text))
                rng.shuffle(keys)
                lines.append(f"\n## Idea {idea.id}: {idea.text}\n")
                if english:
                    lines.append(f"(the same idea in English: {english})\n")
                codes[idea.id] = {}
                for c, key in enumerate(keys, start=1):
                    row = by_key[key]
                    mine = _projects_of(registry, row)
                    picks = [sorted(mine, key=lambda j: (-by_title[j], j)),
                             sorted(mine, key=lambda j: (-float(scores.quality[j]), j))]
                    ev = evidence_projects(registry, row, picks)
                    code = f"C{c}"
                    codes[idea.id][code] = key
                    o = ev.org
                    lines.append(f"### {idea.id} {code}: {o.display_name} ({o.country}, "
                                 f"{o.category}; {ev.n_projects} past projects)")
                    if ev.description:
                        lines.append(f"- description: {ev.description[:400]}")
                    for p in ev.projects:
                        topic = f" [call: {p.topic}]" if p.topic else ""
                        lines.append(f"- {p.label}: {p.title}{topic}")
                    lines.append("")
            (out / f"sheet-{reader}-{n}.md").write_text("\n".join(lines), encoding="utf-8")
            keys_dir = out / "keys"
            keys_dir.mkdir(exist_ok=True)
            (keys_dir / f"keys-{reader}-{n}.json").write_text(json.dumps(codes, indent=1),
                                                             encoding="utf-8")
            print(f"{out / f'sheet-{reader}-{n}.md'}: "
                  f"{sum(len(v) for v in codes.values())} pairs")


def _projects_of(registry: Any, row: int) -> list[int]:
    inc = registry.incidence
    return inc.indices[inc.indptr[row]:inc.indptr[row + 1]].tolist()


_HEADER = """# Grading sheet

For each idea below, grade every candidate organisation for TOPICAL FIT with the idea,
judging only from what is shown of it (its name, type and the past projects listed):

- 2 = clearly on topic: its past work shown is on the idea's theme (the same subject, and
  where the idea is about education or training, work on that kind of education is a plus);
- 1 = related: its past work is on a neighbouring theme, or on the idea's subject in a
  different setting, so that it could plausibly contribute;
- 0 = off-topic: nothing shown relates to the idea's theme (a shared word in another sense,
  e.g. "key" in "quantum key distribution" for "key competences", does not count).

Write one JSON line per candidate: {"idea": "<idea id>", "c": "<code>", "grade": 0|1|2}
"""


def merge(out: Path, answers: Path, reader: str) -> int:
    """Turn a reader's answers (idea, code, grade) into grades (idea, organisation)."""
    keys: dict[str, dict[str, str]] = {}
    for f in sorted((out / "keys").glob(f"keys-{reader}-*.json")):
        for idea, codes in json.loads(f.read_text(encoding="utf-8")).items():
            keys.setdefault(idea, {}).update(codes)
    target = HERE / "grades" / f"{reader}.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with target.open("a", encoding="utf-8") as f:
        for raw in json_lines(answers):
            org = keys[str(raw["idea"])][str(raw["c"])]
            f.write(json.dumps({"idea": raw["idea"], "org": org, "grade": int(raw["grade"]),
                                "reader": reader}) + "\n")
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideas", type=Path, default=HERE / "ideas.jsonl")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--pool", type=Path, help="write grading sheets into this folder")
    parser.add_argument("--readers", default="r1,r2")
    parser.add_argument("--per-sheet", type=int, default=13)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--merge", nargs=3, metavar=("DIR", "ANSWERS", "READER"))
    parser.add_argument("--save", type=Path, help="write the rankings (JSON) here")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME:K=V,K=V",
                        help="pool also the product with these ranker settings")
    parser.add_argument("--also", action="append", default=[], metavar="NAME=FILE",
                        help="another system's rankings (JSON: idea -> organisation keys), "
                             "e.g. an earlier version's, in the table and the pool")
    args = parser.parse_args()
    if args.merge:
        folder, answers, reader = args.merge
        print(f"{merge(Path(folder), Path(answers), reader)} grades merged")
        return
    ideas = read_ideas(args.ideas)
    grades = read_grades(sorted((HERE / "grades").glob("*.jsonl")))
    variants = {}
    for spec in args.variant:
        name, _, settings = spec.partition(":")
        variants[name] = {k: float(v) for k, v in
                          (kv.split("=") for kv in settings.split(",") if kv)}
    with Matcher.open() as m:
        ranked = rankings(m, ideas, variants)
        for spec in args.also:
            name, _, path = spec.partition("=")
            ranked[name] = json.loads(Path(path).read_text(encoding="utf-8"))
        if args.save:
            args.save.write_text(json.dumps(ranked, indent=1), encoding="utf-8")
        if args.pool:
            graded: dict[str, set[tuple[str, str]]] = {}
            for g in grades:
                graded.setdefault(g.reader, set()).add((g.idea, g.org))
            pool(m, ideas, ranked, graded, args.pool, args.readers.split(","),
                 args.per_sheet, args.seed)
            return
    result = table(ideas, ranked, mean_grades(grades))
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print_table(result, ideas)


if __name__ == "__main__":
    main()
