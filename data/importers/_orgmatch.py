"""Which registry organisation a name in an Erasmus+ export is: decided by evidence.

An export names organisations without identifiers, with their address and website. A name is
the registry's organisation ``X`` when:

1. its normalised name (or a spelling merged into ``X`` before, kept as an alias) and its
   country are ``X``'s, and their cities (numbers and ``CEDEX`` left out, see
   :func:`city_key`), or their website domains, do not disagree; else
2. a fuzzy candidate: the names (legal forms, abbreviated or written out, articles and
   one-letter words left out) are :data:`FUZZY_THRESHOLD` alike by ``token_sort_ratio``,
   *and* more than the name agrees: the website's domain, or the city and the
   organisation's type; *and* nothing says otherwise: the numbers and ordinals of the
   names (``11o Gymnasio`` / ``23o Gymnasio``), the place names in them
   (``Volkshochschule Ulm`` / ``Volkshochschule Stuttgart``) and the websites' domains
   agree. A merged spelling is kept as an alias of ``X`` (``kind`` ``spelling``), so the
   next import finds it exactly, and the merge is reported.
3. Else the name is a new organisation. A candidate that fails only the evidence is a
   *near miss*, reported with the reason.

Fuzzy candidates come from a token index per country (the two rarest tokens of the name),
kept up to date as organisations are created, so matching one name costs the same whatever
the size of the registry, instead of scoring every organisation of the country. The index
keeps each name's words sorted, so that a candidate is scored by ``ratio``, which is
``token_sort_ratio`` without sorting the candidate's words again at every comparison.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.schema import Organisation, OrganisationAlias
from models.text import fold

__all__ = ["FUZZY_THRESHOLD", "Candidate", "Merge", "OrgIndex", "city_key", "city_of",
           "domain_of"]

#: Minimum ``token_sort_ratio`` (0-100) of two names' comparison keys for a fuzzy candidate.
FUZZY_THRESHOLD = 88.0
#: Legal forms, articles and prepositions left out of the comparison key.
_NOISE = frozenset(
    ["oy", "oyj", "ab", "ry", "rf", "ev", "gmbh", "ggmbh", "mbh", "ag", "kg", "ug", "sa", "srl", "sl", "spa", "sas", "sarl", "lda", "ltd", "limited", "bv", "nv", "vzw", "asbl", "sti", "kft", "aps", "doo", "sro", "ae", "ike", "sp", "zoo", "plc", "inc", "the", "of", "de", "der", "die", "das", "des", "di", "del", "della", "la", "le", "les", "el", "du", "und", "and", "et", "y", "for", "fur"])
#: Legal forms written out in full, left out as their abbreviations above are: the long
#: phrase would make two companies' names alike (``BIOTREM SPOLKA Z OGRANICZONA
#: ODPOWIEDZIALNOSCIA`` / ``BLUESOFT SPOLKA ...``) and one company's two spellings
#: (``BLUESOFT SP Z O O``) unlike.
_WRITTEN_FORMS = (
    "spolka z ograniczona odpowiedzialnoscia", "spolka akcyjna",
    "gesellschaft mit beschrankter haftung", "societa a responsabilita limitata",
    "societa per azioni", "sociedad limitada", "sociedad anonima", "societe anonyme",
    "korlatolt felelossegu tarsasag", "spolecnost s rucenim omezenym",
    "spolocnost s rucenim obmedzenym", "anonymi etaireia", "anonimi etaireia",
    "drustvo s ogranicenom odgovornoscu", "druzba z omejeno odgovornostjo")
_LEGAL_PHRASES = re.compile(rf"\b(?:{'|'.join(_WRITTEN_FORMS)})\b")
_ROMAN = frozenset(["ii", "iii", "iv", "vi", "vii", "viii", "ix", "xi", "xii", "xiii", "xiv", "xv", "xvi", "xx"])
_DIGITS = re.compile(r"\d+")
_ALNUM = re.compile(r"[^\W_]")  # a character str.isalnum() holds one
_POSTCODE_THEN_PLACE = re.compile(r"\d[\d\s-]*\s+([^\d,]+)$")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One organisation as a row gives it."""

    name: str
    key: str  # fold(name)
    country: str
    city: str | None  # city_key(place)
    place: str | None  # the city as written
    category: str
    type_code: str
    website: str | None
    domain: str | None


@dataclass(frozen=True, slots=True)
class Merge:
    """A name merged into an organisation of another spelling, or kept apart from one that
    only its name resembles (``decision`` ``merged`` or ``near miss``)."""

    decision: str
    line: int
    name: str
    country: str
    city: str
    website: str
    into_id: int
    into_name: str
    into_city: str
    into_website: str
    score: float
    evidence: str


def domain_of(website: str | None) -> str | None:
    """``http://www.uni-graz.at/en`` -> ``uni-graz.at``."""
    if not website:
        return None
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", website.strip().lower())
    host = re.split(r"[/?#:\s]", host, maxsplit=1)[0].removeprefix("www.").strip(".")
    return host or None


#: Registry websites' domains, computed once each (a candidate is compared many times).
_domain = functools.lru_cache(maxsize=65536)(domain_of)


def city_of(address: str | None) -> str | None:
    """The place of an export's address: ``Austrasse 15, 9495, Triesen`` -> ``Triesen``;
    ``Hauptplatz 1, 8010 Graz`` -> ``Graz``; ``Rajakatu 35`` -> None."""
    if not address:
        return None
    parts = [p.strip() for p in address.split(",") if p.strip()]
    if not parts:
        return None
    last = parts[-1]
    found = _POSTCODE_THEN_PLACE.search(last)
    if found:
        last = found.group(1)
    elif len(parts) == 1:
        return None
    place = " ".join(_DIGITS.sub(" ", last).split()).strip(" -")
    return place[:200] if _ALNUM.search(place) else None


def city_key(place: str | None) -> str | None:
    """A city as two are compared: folded, without numbers and ``CEDEX``, which
    :func:`city_of` leaves out of an export's address but a registry's city may hold
    (``PARIS CEDEX 16`` -> ``paris``; ``Paris Cedex 16`` is ``Paris Cedex`` in an export)."""
    if not place:
        return None
    return " ".join(t for t in fold(place).split() if t != "cedex" and not t.isdigit()) or None


#: A new name's key and pairs are wanted twice in a row: when searched, then when indexed
#: (a small cache: a large one of lists slowed every garbage collection).
@functools.lru_cache(maxsize=64)
def _compare_key(key: str) -> str:
    key = _LEGAL_PHRASES.sub(" ", key)
    return " ".join(t for t in key.split() if t not in _NOISE and (len(t) > 1 or t.isdigit()))


def _sorted_words(compare: str) -> str:
    """``token_sort_ratio(a, b)`` is ``ratio(_sorted_words(a), _sorted_words(b))``."""
    return " ".join(sorted(compare.split()))


@functools.lru_cache(maxsize=64)
def _pairs(compare: str) -> list[tuple[str, str]]:
    """The pairs of the (at most five) longest words of a comparison key."""
    # longest first, words of one length in alphabetical order (the sort is stable)
    words = sorted(sorted(set(compare.split())), key=len, reverse=True)[:5]
    return [(a, b) if a < b else (b, a)
            for i, a in enumerate(words) for b in words[i + 1:]]


@functools.lru_cache(maxsize=65536)
def _numbers(key: str) -> tuple[str, ...]:
    found = [n.lstrip("0") or "0" for n in _DIGITS.findall(key)]
    found += [t for t in key.split() if t in _ROMAN]
    return tuple(sorted(found))


class OrgIndex:
    """The registry's organisations as the matching rules need them, kept up to date.

    Ids are the registry's; organisations created during the import keep the negative ids
    they were given here: the importer maps them to the registry's when it writes.
    """

    def __init__(self, session: Session) -> None:
        #: id -> [name, key, country, folded city, category, website, city]
        self.rows: dict[int, list[Any]] = {}
        self.exact: dict[tuple[str, str], list[int]] = defaultdict(list)
        #: (country, token) -> the ids and comparison keys that hold the token, side by side
        self.postings: dict[tuple[str, str], tuple[list[int], list[str]]] = {}
        #: (country, word, word) -> the same, for the pairs of a name's longest words
        self.pairs: dict[tuple[str, str, str], tuple[list[int], list[str]]] = {}
        self.compare: dict[int, set[str]] = defaultdict(set)
        self.places: set[str] = set()
        self._cities: set[str] = set()
        #: Names not yet in the token index, built at the first fuzzy search.
        self._unposted: list[tuple[int, str]] | None = []
        self.new_aliases: list[tuple[int, str, str]] = []  # (id, name, key)
        self.created: list[int] = []
        self.filled: dict[int, dict[str, Any]] = {}
        #: Organisations created and not yet written: their column values.
        self.pending: dict[int, dict[str, Any]] = {}
        self.merges: list[Merge] = []
        self._reported: set[tuple[str, str, str | None, int]] = set()
        o = Organisation
        for row in session.execute(select(o.id, o.legal_name, o.normalised_name, o.country,
                                          o.city, o.category, o.website)).all():
            key = row.normalised_name or (fold(row.legal_name) if row.legal_name else "")
            city = city_key(row.city)
            self._add(row.id, [row.legal_name, key, row.country, city, row.category,
                               row.website, row.city], key)
        for oid, key in session.execute(select(OrganisationAlias.organisation_id,
                                               OrganisationAlias.normalised)).all():
            if oid in self.rows:
                self._index_name(oid, key)

    def _add(self, org_id: int, row: list[Any], key: str) -> None:
        self.rows[org_id] = row
        if row[3]:
            self.places.update(t for t in row[3].split() if len(t) > 2)
        if key:
            self._index_name(org_id, key)

    def _index_name(self, org_id: int, key: str) -> None:
        country = self.rows[org_id][2]
        ids = self.exact[(key, country)]
        if org_id not in ids:
            ids.append(org_id)
        if self._unposted is not None:  # no fuzzy search yet (none when importing again)
            self._unposted.append((org_id, key))
            return
        self._post(org_id, country, key)

    def _post(self, org_id: int, country: str, key: str) -> None:
        compare = _compare_key(key)
        if compare and compare not in self.compare[org_id]:
            self.compare[org_id].add(compare)
            words = _sorted_words(compare)
            for token in set(compare.split()):
                ids, keys = self.postings.setdefault((country, token), ([], []))
                ids.append(org_id)
                keys.append(words)
            for pair in _pairs(compare):
                ids, keys = self.pairs.setdefault((country, *pair), ([], []))
                ids.append(org_id)
                keys.append(words)

    def resolve(self, seen: Candidate, line: int) -> tuple[int, bool]:
        """The organisation ``seen`` is, and whether it was created for it."""
        if seen.city and seen.city not in self._cities:
            self._cities.add(seen.city)
            self.places.update(t for t in seen.city.split() if len(t) > 2)
        for org_id in self.exact.get((seen.key, seen.country), ()):
            if self._same_place(seen, self.rows[org_id]):
                self._fill(org_id, seen)
                return org_id, False
        found = self._fuzzy(seen, line)
        if found is not None:
            self._fill(found, seen)
            self._index_name(found, seen.key)
            self.new_aliases.append((found, seen.name, seen.key))
            return found, False
        org_id = -(len(self.created) + 1)
        self.created.append(org_id)
        self.pending[org_id] = {"legal_name": seen.name, "normalised_name": seen.key,
                                "country": seen.country, "city": seen.place,
                                "category": seen.category, "type_code": seen.type_code,
                                "website": seen.website, "source_row": line}
        self._add(org_id, [seen.name, seen.key, seen.country, seen.city, seen.category,
                           seen.website, seen.place], seen.key)
        return org_id, True

    @staticmethod
    def _same_place(seen: Candidate, row: list[Any]) -> bool:
        """Same name: the same organisation unless both cities are known and differ and
        their websites do not say they are one."""
        if not seen.city or not row[3] or seen.city == row[3]:
            return True
        return seen.domain is not None and seen.domain == _domain(row[5])

    def _fuzzy(self, seen: Candidate, line: int) -> int | None:
        if self._unposted is not None:
            unposted, self._unposted = self._unposted, None
            for org_id, key in unposted:
                self._post(org_id, self.rows[org_id][2], key)
        compare = _compare_key(seen.key)
        ids, keys = self._candidates(seen.country, compare)
        if not ids:
            return None
        hits = process.extract(_sorted_words(compare), keys, scorer=fuzz.ratio,
                               score_cutoff=FUZZY_THRESHOLD, limit=16)
        best: tuple[int, float, str] | None = None
        tried: set[int] = set()
        for other, score, position in hits:
            org_id = ids[position]
            if org_id in tried:
                continue
            tried.add(org_id)
            ok, why = self._evidence(seen, compare, self.rows[org_id], other)
            if ok:
                self._report("merged", seen, line, org_id, float(score), why)
                return int(org_id)
            if best is None:
                best = (org_id, float(score), why)
        if best is not None:
            self._report("near miss", seen, line, *best)
        return None

    def _candidates(self, country: str, compare: str) -> tuple[list[int], list[str]]:
        """The organisations of ``country`` whose names may be alike enough, with their
        comparison keys. A name of three words or more: those sharing one of its two rarest
        pairs of (longest) words, through the index of word pairs; a name alike enough shares
        every pair but those of the one word it differs in, and few names share a rare pair,
        so the cost stays flat as the registry grows. Shorter names: those sharing its rarest word (and the next, while
        they are few)."""
        words = set(compare.split())
        if len(words) >= 3:
            present = [found for pair in _pairs(compare)
                       if (found := self.pairs.get((country, *pair))) is not None]
            if present:
                # the two rarest: a pair with the one word that differs is seldom there at
                # all, so these are pairs of the words a name alike shares
                present.sort(key=lambda found: len(found[0]))
                ids, keys = present[0]
                if len(present) > 1:
                    ids, keys = ids + present[1][0], keys + present[1][1]
                return ids, keys
        tokens = [t for t in words if (country, t) in self.postings]
        if not tokens:
            return [], []
        tokens.sort(key=lambda t: (len(self.postings[(country, t)][0]), t))
        ids, keys = self.postings[(country, tokens[0])]
        if len(tokens) > 1:
            more_ids, more_keys = self.postings[(country, tokens[1])]
            if len(ids) + len(more_ids) <= 500:
                ids, keys = ids + more_ids, keys + more_keys
        return ids, keys

    def _evidence(self, seen: Candidate, compare: str, row: list[Any],
                  other: str) -> tuple[bool, str]:
        if _numbers(seen.key) != _numbers(row[1] or ""):
            return False, (f"numbers differ ({' '.join(_numbers(seen.key)) or 'none'} / "
                           f"{' '.join(_numbers(row[1] or '')) or 'none'})")
        mine, theirs = set(compare.split()), set(other.split())
        here, there = (mine - theirs) & self.places, (theirs - mine) & self.places
        if here and there:
            return False, (f"place names differ ({' '.join(sorted(here))} / "
                           f"{' '.join(sorted(there))})")
        domain = _domain(row[5])
        if seen.domain and domain and seen.domain != domain:
            return False, f"websites differ ({seen.domain} / {domain})"
        if seen.domain and seen.domain == domain:
            return True, f"same website ({domain})"
        if seen.city and seen.city == row[3]:
            if seen.category == row[4]:
                return True, f"same city ({seen.city}) and type ({seen.category})"
            return False, f"same city, types differ ({seen.category} / {row[4]})"
        if seen.city and row[3]:
            return False, f"cities differ ({seen.city} / {row[3]})"
        return False, "only the name agrees (no city or website to compare)"

    def _report(self, decision: str, seen: Candidate, line: int, org_id: int, score: float,
                why: str) -> None:
        key = (decision, seen.key, seen.city, org_id)
        if key in self._reported:
            return
        self._reported.add(key)
        row = self.rows[org_id]
        self.merges.append(Merge(decision, line, seen.name, seen.country, seen.place or "",
                                 seen.website or "", org_id, row[0] or "", row[6] or "",
                                 row[5] or "", round(score, 1), why))

    def _fill(self, org_id: int, seen: Candidate) -> None:
        """A missing website or city is filled in from the export."""
        row = self.rows[org_id]
        values: dict[str, Any] | None = self.pending.get(org_id)
        if values is None:
            values = self.filled.setdefault(org_id, {})
        if seen.website and not row[5]:
            row[5] = values["website"] = seen.website
        if seen.city and not row[3]:
            row[3], row[6] = seen.city, seen.place
            values["city"] = seen.place

    def merged(self, real: dict[int, int]) -> list[Merge]:
        """The merges and near misses, with the registry ids of the organisations created
        (``real``: ``{temporary id: registry id}``)."""
        return [m if m.into_id > 0 else Merge(**{**_fields(m), "into_id": real[m.into_id]})
                for m in self.merges]


def _fields(merge: Merge) -> dict[str, Any]:
    return {f: getattr(merge, f) for f in Merge.__dataclass_fields__}
