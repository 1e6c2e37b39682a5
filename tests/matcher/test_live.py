"""``matcher.live``: matchers following one registry bring a new index in one at a time (one
builds it, the others load it), and a matcher without a registry is left as it is."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import matcher.facade
import matcher.ranking.index
from cli.main import cli
from matcher import Matcher
from matcher.live import LiveMatcher, building_lock


def _import(url: str, path: Path, names: list[str]) -> None:
    path.write_text("name,country,type\n" + "".join(f"{n},FI,NGO\n" for n in names),
                    encoding="utf-8")
    assert CliRunner().invoke(cli, ["-q", "--db", url, "import", "orgs", str(path)]
                              ).exit_code == 0


def test_workers_on_one_registry_build_its_new_index_once(
        db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _import(db_url, tmp_path / "a.csv", ["Robotiikkayhdistys ry", "Koodikerho ry",
                                          "Tekniikan opettajat ry"])
    cache = tmp_path / "cache"
    lives = [LiveMatcher(lambda: Matcher.open(db_url, cache_dir=cache, build=False),
                         check_every=None) for _ in range(3)]
    before = [live.start() for live in lives]
    _import(db_url, tmp_path / "b.csv", ["Uusi robotiikkaseura ry"])

    inside, most, builds = [0], [0], [0]
    lock = threading.Lock()
    real_load, real_build = matcher.facade.load_or_build, matcher.ranking.index.build

    def load_or_build(*args: Any, **kwargs: Any) -> Any:
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        try:
            time.sleep(0.2)  # widens the window in which two could overlap
            return real_load(*args, **kwargs)
        finally:
            with lock:
                inside[0] -= 1

    def build(*args: Any, **kwargs: Any) -> Any:
        builds[0] += 1
        return real_build(*args, **kwargs)

    monkeypatch.setattr(matcher.facade, "load_or_build", load_or_build)
    monkeypatch.setattr(matcher.ranking.index, "build", build)
    done: list[bool] = []
    threads = [threading.Thread(target=lambda live=live: done.append(live.check()))
               for live in lives]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert done == [True, True, True]
    assert most[0] == 1, "two processes brought the same index in at once"
    assert builds[0] <= 1, "the index was built more than once"  # 0: refreshed in place
    after = {live.current.ranker().registry_fingerprint_ for live in lives}
    assert after == {before[0].fingerprint()}
    assert all(live.current is not old for live, old in zip(lives, before, strict=True))
    assert all(live.freshness().status == "ok" and live.refreshes == 1 for live in lives)
    for live in lives:
        live.close()
        live.current.close()  # the renewed matcher shares the database of the first


def test_the_building_lock_is_held_across_processes_by_a_file(tmp_path: Path) -> None:
    held = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def first() -> None:
        with building_lock(tmp_path / "index-x"):
            held.set()
            release.wait(30)
            order.append("first")

    thread = threading.Thread(target=first)
    thread.start()
    held.wait(30)
    assert (tmp_path / "index-x.lock").exists()
    second = threading.Thread(target=lambda: _second(tmp_path, order))
    second.start()
    second.join(0.3)
    assert second.is_alive(), "the second holder did not wait"
    release.set()
    thread.join()
    second.join()
    assert order == ["first", "second"]


def _second(tmp_path: Path, order: list[str]) -> None:
    with building_lock(tmp_path / "index-x"):
        order.append("second")
