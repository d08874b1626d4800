"""Which candidate pairs could reach the threshold at all, decided over arrays before scoring.

Blocking keeps the number of candidate pairs linear, but a block of 20,000 records sharing one
switchboard still yields a quarter of a million pairs, and :func:`.score.score_pair` costs about
20 µs each in Python. Most of those pairs cannot match: a shared landline weighs 0.45, so only name
evidence of 0.56 or more lifts it over 0.80, and two names of the same length only give that much
when every character sounds alike.

:func:`could_match` gives, for every pair at once (numpy), an **upper bound** of its score: the
weights of the shared phone and e-mail exactly as :mod:`.score` gives them, and the most the
names could add given their lengths, characters and readings. A pair is dropped only when even
that bound is below the threshold, so the scores kept are exactly those the per-pair scoring
finds (a test scores every candidate both ways). Pairs the scoring vetoes (two different valid
codes) are dropped; other pairs sharing an ID or a code are always kept.

Name bounds, following :func:`.score.score_pair` (company names, neither written in Latin letters,
or both):

* another 集团 or branch on one side only, or places in two provinces or prefectures: no name
  evidence;
* equal length, every character equal or sharing a reading: up to ``W_NAME``;
* equal length otherwise: only typos (one or two characters apart, four or more long);
* one character longer: a missing character, an abbreviation or an extension;
* longer still: only an extension or abbreviation, which needs the first two characters alike.

A pair with a Latin-letter name gets the highest name bound unless a 集团 or a branch is on one
side only (its words are compared by concept and pinyin, not character by character); equal-length
names longer than :data:`MAX_COMPARED` too. Persons' names need a rapidfuzz ratio of 0.9 (computed
for all pairs at once with ``rapidfuzz.process.cpdist``).
"""

from __future__ import annotations

import zlib
from functools import cached_property

import numpy as np
import pandas as pd
from rapidfuzz.fuzz import ratio
from rapidfuzz.process import cpdist

from .names import _char_pinyin, char_readings
from .score import (W_ABBREVIATED, W_CONTACT, W_LANDLINE, W_MISSING_CHAR, W_MOBILE, W_NAME,
                    W_PERSON_NAME, W_TRANSLIT, W_TYPOS)

MAX_COMPARED = 64  # longer names of equal length get the highest bound (their pairs are scored)
BATCH = 1 << 16   # pairs whose names are compared character by character at once
SLICE = 1 << 18   # pairs bounded at once
MARGIN = 1e-3  # scores are rounded to 4 decimals: keep anything this close below the threshold


def _codes(values) -> np.ndarray:
    """Integer codes of the values; -1 for blank ``""`` (never equal to anything)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    blank = np.flatnonzero(uniques == "")
    if len(blank):
        codes[codes == blank[0]] = -1
    return codes


class _Records:
    """What the bounds read of each record, worked out once for every slice of pairs (codes,
    kinds, name cores and their characters, marks, places), and only when a slice first asks."""

    def __init__(self, feat: pd.DataFrame) -> None:
        self.feat = feat
        self._codes: dict[str, np.ndarray] = {}

    def codes(self, column: str) -> np.ndarray:
        if column not in self._codes:
            self._codes[column] = _codes(self.feat[column])
        return self._codes[column]

    @cached_property
    def person(self) -> np.ndarray:
        return self.feat["person"].to_numpy(dtype=bool)

    @cached_property
    def latin(self) -> np.ndarray:
        return self.feat["latin"].notna().to_numpy()

    @cached_property
    def kind(self) -> np.ndarray:
        # kinds as integers per record (0: none), not a million comparisons of text per pair
        kind = self.feat["phone_kind"].to_numpy(dtype=object)
        return np.select([kind == "mobile", kind == "landline", kind != ""], [1, 2, 3], 0)

    @cached_property
    def pname(self) -> np.ndarray:
        return self.feat["pname"].to_numpy(dtype=object)

    @cached_property
    def valid(self) -> np.ndarray:
        return self.feat["code_valid"].to_numpy(dtype=bool)

    @cached_property
    def cores(self) -> tuple[np.ndarray, _Chars]:
        # factorize, not np.unique on a fixed-width str array: one junk name of 10,000 characters
        # would make that array 40 kB a row
        core_id, cores = pd.factorize(np.array([str(c) for c in self.feat["core"].tolist()],
                                               dtype=object))
        return core_id, _Chars(cores)

    @cached_property
    def marks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per record: a 集团, its branch as an integer code, and whether it is a branch."""
        parsed = self.feat["parsed"].to_numpy(dtype=object)
        group = np.fromiter((p.group for p in parsed), dtype=bool, count=len(parsed))
        branch = np.array([p.branch for p in parsed], dtype=object)
        return group, pd.factorize(branch)[0], branch != ""

    @cached_property
    def places(self) -> tuple[np.ndarray, np.ndarray]:
        """Per record placed once: its province's and prefecture's codes (-1: none)."""
        # read once per distinct places (a few hundred), not per record
        which, places = pd.factorize(self.feat["places"].to_numpy(dtype=object))
        one = [p[0] if len(p) == 1 else "" for p in places.tolist()]
        return (_codes([p[:2] for p in one])[which],
                _codes([p if len(p) > 2 else "" for p in one])[which])


def _shared(records: _Records, columns: tuple[str, ...], left, right) -> np.ndarray:
    out = np.zeros(len(left), dtype=bool)
    for column in columns:
        codes = records.codes(column)
        out |= (codes[left] == codes[right]) & (codes[left] >= 0)
    return out


def _phone_weight(records: _Records, left, right) -> np.ndarray:
    """What a shared phone weighs, as :func:`.score._phone_weight`: a person's phone is any phone,
    a company's kind is the first record's, else the second's."""
    person, kind = records.person, records.kind
    first = np.where(kind[left] != 0, kind[left], kind[right])
    weight = np.select([first == 1, first == 2], [W_MOBILE, W_LANDLINE], W_CONTACT)
    return np.where(person[left] | person[right], W_CONTACT, weight)


class _Chars:
    """Every distinct name core's characters laid end to end, with what they may sound like: the
    reading of a character that has one, and for a character with several (长: chang, zhang) a
    64-bit mask of them (two such characters may sound alike only if their masks share a bit)."""

    def __init__(self, cores: np.ndarray) -> None:
        self.length = np.fromiter((len(c) for c in cores), dtype=np.int64, count=len(cores))
        self.start = np.r_[0, np.cumsum(self.length)[:-1]].astype(np.int64)
        self.points = np.frombuffer("".join(cores).encode("utf-32-le", "surrogatepass"),
                                    dtype=np.uint32)
        distinct, where = np.unique(self.points, return_inverse=True)
        readings = [char_readings(chr(c)) | {_char_pinyin(chr(c))} for c in distinct.tolist()]
        ids: dict[str, int] = {}
        only = np.array([ids.setdefault(next(iter(r)), len(ids)) if len(r) == 1 else -1
                         for r in readings], dtype=np.int64)
        masks = np.array([_mask(r) for r in readings], dtype=np.uint64)
        where = where.ravel()
        self.reading, self.masks = only[where], masks[where]

    def positions(self, a: np.ndarray, b: np.ndarray, width: int):
        """Indexes of the first ``width`` characters of cores ``a`` and ``b`` (two (m, width))."""
        k = np.arange(width)
        return self.start[a][:, None] + k, self.start[b][:, None] + k

    def alike(self, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
        """Per position: the same character, or characters that may share a reading."""
        ra, rb = self.reading[ia], self.reading[ib]
        several = (ra < 0) | (rb < 0)
        return ((self.points[ia] == self.points[ib]) | ((ra == rb) & ~several)
                | (several & ((self.masks[ia] & self.masks[ib]) != 0)))


def _mask(readings) -> int:
    mask = 0
    for reading in readings:
        mask |= 1 << (zlib.crc32(reading.encode("utf-8")) & 63)
    return mask


def _company_name_bound(records: _Records, left, right) -> np.ndarray:
    """The most a company-name comparison could add (see the module docstring)."""
    py = records.codes("core_py")
    sounds = (py[left] == py[right]) & (py[left] >= 0)  # same pinyin: sounds alike
    differ = _group_or_branch_differ(records.marks, left, right)
    # the pairs these two decide need no comparing of characters
    compared = ~(sounds | differ)
    core_id, chars = records.cores
    a, b = core_id[left], core_id[right]
    la, lb = chars.length[a], chars.length[b]
    bound = np.zeros(len(left))
    same = (la == lb) & compared
    bound[same & (la > MAX_COMPARED)] = W_NAME  # junk-long names: not worth comparing here
    for width in np.unique(la[same & (la > 0) & (la <= MAX_COMPARED)]):
        found = np.flatnonzero(same & (la == width))
        # a batch of pairs at a time: a million pairs' character matrices and their readings
        # made the top of an import's memory
        for rows in (found[k:k + BATCH] for k in range(0, len(found), BATCH)):
            ia, ib = chars.positions(a[rows], b[rows], int(width))
            alike = chars.alike(ia, ib).all(axis=1)
            typos = (chars.points[ia] != chars.points[ib]).sum(axis=1) <= 2 if width >= 4 else False
            bound[rows] = np.where(alike, W_NAME, np.where(typos, W_TYPOS, 0.0))
    shorter = np.minimum(la, lb)
    gap = np.abs(la - lb)
    bound[(gap == 1) & (shorter >= 2)] = max(W_ABBREVIATED, W_MISSING_CHAR, W_TYPOS)
    rows = np.flatnonzero((gap >= 2) & (shorter >= 2) & compared)
    if len(rows):
        ia, ib = chars.positions(a[rows], b[rows], 2)
        bound[rows] = np.where(chars.alike(ia, ib).all(axis=1), W_ABBREVIATED, 0.0)
    bound[sounds] = W_NAME
    bound[differ] = 0.0
    return bound


def _places_conflict(records: _Records, left, right) -> np.ndarray:
    """:func:`.names.places_conflict` for pairs of records placed once each (another province,
    or another prefecture); records with no place or several never conflict here."""
    province, prefecture = records.places
    placed = (province[left] >= 0) & (province[right] >= 0)
    return placed & ((province[left] != province[right])
                     | ((prefecture[left] >= 0) & (prefecture[right] >= 0)
                        & (prefecture[left] != prefecture[right])))


def _group_or_branch_differ(marks, left, right, latin: bool = False) -> np.ndarray:
    """A 集团 on one side only, or another branch: the names give no evidence at all. Against a
    Latin name (``latin``) only a branch on one side counts (its words do not say which)."""
    group, branch, is_branch = marks
    branch = is_branch if latin else branch
    return (group[left] != group[right]) | (branch[left] != branch[right])


def _person_name_bound(records: _Records, left, right) -> np.ndarray:
    names = records.pname
    x, y = names[left], names[right]
    similar = cpdist(list(x), list(y), scorer=ratio, workers=1) >= 90.0 - 100 * MARGIN
    return np.where(similar & (x != "") & (y != ""), W_PERSON_NAME, 0.0)


def could_match(feat: pd.DataFrame, left: np.ndarray, right: np.ndarray,
                threshold: float) -> np.ndarray:
    """A boolean per pair (positions ``left[k]``, ``right[k]`` into ``feat``): False only when the
    pair's score is certainly below ``threshold``."""
    left = np.asarray(left, dtype=np.int64)
    right = np.asarray(right, dtype=np.int64)
    out = np.zeros(len(left), dtype=bool)
    records = _Records(feat)
    # a slice of pairs at a time: each pair's bound is its own, and the dozen arrays a slice
    # needs per pair were, for an import's 1.4 million pairs, the top of its memory
    for k in range(0, len(left), SLICE):
        out[k:k + SLICE] = _could_match(records, left[k:k + SLICE], right[k:k + SLICE], threshold)
    return out


def _could_match(records: _Records, left, right, threshold: float) -> np.ndarray:
    strong = _shared(records, ("cid", "code", "code_fp"), left, right)
    phone = np.where(_shared(records, ("phone", "phone_fp"), left, right),
                     _phone_weight(records, left, right), 0.0)
    mail = np.where(_shared(records, ("email", "email_fp"), left, right), W_CONTACT, 0.0)
    person, latin = records.person, records.latin
    either_person = person[left] | person[right]
    name = np.zeros(len(left))
    rows = np.flatnonzero(either_person)
    if len(rows):
        name[rows] = _person_name_bound(records, left[rows], right[rows])
    rows = np.flatnonzero(~either_person)
    if len(rows):
        name[rows] = _company_name_bound(records, left[rows], right[rows])
    # a Latin-letter name is compared by its words and their pinyin, not by characters: any
    # name evidence may come (bounded only by the group and branch rule)
    name[~either_person & (latin[left] | latin[right])
         & ~_group_or_branch_differ(records.marks, left, right, latin=True)] = max(W_NAME,
                                                                                   W_TRANSLIT)
    # companies placed in two provinces or prefectures: their names give no evidence
    name[~either_person & _places_conflict(records, left, right)] = 0.0
    bound = 1.0 - (1.0 - phone) * (1.0 - mail) * (1.0 - name)
    return ~_vetoed(records, left, right) & (strong | (bound >= threshold - MARGIN))


def _vetoed(records: _Records, left, right) -> np.ndarray:
    """:func:`.score.score_pair`'s vetoes: two different codes that both pass their check, or a
    company and a person with different codes."""
    code, valid, person = records.codes("code"), records.valid, records.person
    differ = (code[left] >= 0) & (code[right] >= 0) & (code[left] != code[right])
    return differ & ((valid[left] & valid[right]) | (person[left] != person[right]))
