"""``matcher evaluate`` on the full real data: every task on the development split and a
second one, as the README's tables show them.

    python -m bench.bench_evaluate [--tasks partner,idea,complete] [--data ../shared/data/cordis-h2020]

Runs the command as a user would (a subprocess per task and split, ``--format json``) and
prints, per task and split, recall@10, hit@10, MRR and nDCG@10 of the tool's model and of
every baseline (for ``complete``: precision@1, best-of-5 recall, any hit@5 and distinct
additions), the number of queries and the wall time. The metrics are deterministic (fixed
seed); the wall time is that of one run. Not a test: each run reads the whole data set
(3-4 minutes).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from bench.common import SHARED, machine

#: (train until, test from, test to): the development split and a second, earlier one.
SPLITS = ((2017, 2018, 2019), (2016, 2017, 2017))


def command(task: str, data: Path, split: tuple[int, int, int]) -> list[str]:
    train_until, test_from, test_to = split
    return [str(Path(sys.executable).with_name("matcher")), "-q", "evaluate", "--task", task,
            "--history", str(data / "participations.csv.gz"),
            "--programme-parts", str(data / "programme_parts.csv.gz"),
            "--projects", str(data / "projects.csv.gz"),
            "--organisations", str(data / "organisations.csv.gz"),
            "--train-until", str(train_until), "--test-from", str(test_from),
            "--test-to", str(test_to), "--format", "json"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED / "cordis-h2020")
    parser.add_argument("--tasks", default="partner,idea")
    args = parser.parse_args()
    print(machine())
    for task in args.tasks.split(","):
        for split in SPLITS:
            argv = command(task, args.data, split)
            start = time.perf_counter()
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
            wall = time.perf_counter() - start
            if done.returncode:
                raise SystemExit(f"{' '.join(argv)}\nfailed:\n{done.stderr[-2000:]}")
            result = json.loads(done.stdout)
            print(f"\n--task {task}, train <= {split[0]}, test {split[1]}-{split[2]}: "
                  f"{result['queries']:,} queries, {wall:.0f} s")
            if task == "complete":
                print(f"{'model':<20} {'P@1':>7} {'best-of-5 R':>11} {'any hit@5':>9} "
                      f"{'distinct':>8}")
                for name, m in result["models"].items():
                    print(f"{name:<20} {m['precision_at_1']:7.4f} {m['best_of_5_recall']:11.4f} "
                          f"{m['any_hit_at_5']:9.4f} {m['distinct_additions']:8.2f}", flush=True)
                continue
            print(f"{'model':<16} {'recall@10':>9} {'hit@10':>7} {'MRR':>7} {'nDCG@10':>8}")
            for name, m in result["models"].items():
                print(f"{name:<16} {m['recall']:9.4f} {m['hit']:7.4f} {m['mrr']:7.4f} "
                      f"{m['ndcg']:8.4f}", flush=True)
    print(f"\n{machine()}")


if __name__ == "__main__":
    main()
