"""``matcher.batch.shared``: searches submitted together are ranked in shared batches and each
gets the answer it gets alone, on the default registry."""

from __future__ import annotations

import threading
from concurrent.futures import Future

import pytest

from matcher import Matcher, SearchRequest, SearchResult
from matcher.batch.shared import SharedBatches
from models.errors import MatcherError, QueryError

TEXTS = ("virtual mobility", "teacher education", "science education in schools",
         "climate change adaptation in cities", "opintojen ohjaus")
COUNTRIES = ((), ("FI",), ("DE", "FR"))


def _requests() -> list[SearchRequest]:
    asked = [SearchRequest(text=t, countries=c, k=k) for t in TEXTS for c in COUNTRIES
             for k in (5, 10)]
    asked.insert(9, SearchRequest(org="999994535", text="virtual mobility"))
    asked.insert(17, SearchRequest(org="no such organisation zzz", text="x"))
    return asked


def _shown(found: SearchResult) -> list[tuple[int, float, tuple[str, ...]]]:
    return [(m.org.id, m.score, m.why) for m in found.matches]


def test_searches_from_many_threads_share_batches_and_get_their_own_answers(
        default_matcher: Matcher) -> None:
    matcher = default_matcher
    searches = SharedBatches(matcher)
    asked = _requests()
    futures: list[Future[SearchResult] | None] = [None] * len(asked)

    def submit(start: int) -> None:
        for i in range(start, len(asked), 4):
            futures[i] = searches.submit(asked[i])

    threads = [threading.Thread(target=submit, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for request, future in zip(asked, futures, strict=True):
        assert future is not None
        alone = matcher.search([request])[0]
        if isinstance(alone, MatcherError):
            with pytest.raises(QueryError, match="no such organisation zzz"):
                future.result(timeout=60)
            continue
        assert _shown(future.result(timeout=60)) == _shown(alone), request
        assert future.result().notes == alone.notes
    searches.close()
    assert searches.searches == len(asked)
    assert searches.batches <= len(asked) // 4, "the waiting searches were not batched"


def test_a_request_wrong_in_itself_is_refused_at_once_as_search_refuses_it(
        default_matcher: Matcher) -> None:
    searches = SharedBatches(default_matcher)
    for bad in (SearchRequest(text="x", k=0), SearchRequest(),
                SearchRequest(text="x", action="KA999")):
        with pytest.raises(QueryError) as shared:
            searches.submit(bad)
        with pytest.raises(QueryError) as alone:
            default_matcher.search(**bad.search_fields(), action=bad.action, k=bad.k)
        assert str(shared.value) == str(alone.value)
    assert searches.batches == 0


def test_close_answers_what_is_queued_then_refuses(default_matcher: Matcher) -> None:
    searches = SharedBatches(default_matcher, max_batch=2)
    futures = [searches.submit(SearchRequest(text=t)) for t in TEXTS]
    searches.close()
    assert all(f.done() and f.result().matches for f in futures)
    assert searches.batches >= len(TEXTS) // 2
    with pytest.raises(RuntimeError, match="closed"):
        searches.submit(SearchRequest(text="virtual mobility"))
