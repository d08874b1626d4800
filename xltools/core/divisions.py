"""China's administrative division codes (行政区划代码): the one reader of the table python-stdnum
ships (``stdnum.cn.loc``, read through :mod:`stdnum.numdb`, never by file path).

A 身份证号 carries the 6-digit division of where it was issued in characters 1-6, a 统一社会信用代码
in characters 3-8 (:func:`xltools.core.cncodes.division` finds them). Here: what a division code
names (:func:`division_info`), and which division a place name in a company name points at
(:func:`place_table`).

>>> division_info("440304")
{'province': '广东省', 'county': '[1983-1989]上埗区办事处,[1990-]福田区'}
>>> place_table()["深圳"], place_table()["广东省"], place_table()["福田区"]
('4403', '44', '4403')
>>> place_table()["南山区"]           # in 深圳 and in 鹤岗: a place, but not which one
''
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

_YEARS = re.compile(r"^\[[^\]]*\]")
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
             "地区", "省", "市", "盟", "区", "县", "旗")


@functools.lru_cache(maxsize=8192)
def division_info(code6: str) -> dict:
    """``{'province': '广东省', 'county': '深圳市'}`` for a division code (names as python-stdnum
    has them, history included)."""
    from stdnum import numdb
    info: dict = {}
    for _part, props in numdb.get("cn/loc").info(code6):
        info.update(props)
    return info


def known_division(code6: str) -> bool:
    """A division python-stdnum knows down to the county (at some point in time)."""
    return bool(division_info(code6).get("county"))


def _entries() -> Iterator[tuple[str, str | None, str]]:
    """(province code, county code or None for the province itself, name) for every entry."""
    from stdnum import numdb
    for _length, province, _high, props, children in numdb.get("cn/loc").prefixes:
        if "province" in props:
            yield province, None, props["province"]
        for _clength, county, _chigh, cprops, _ in children:
            if "county" in cprops:
                yield province, county, cprops["county"]


def _current_names(value: str) -> list[str]:
    """``"[1983-1989]上埗区办事处,[1990-]福田区"`` -> ``["福田区"]`` (only names still in use)."""
    names = []
    for part in value.split(","):
        span = re.match(r"^\[(\d*)-(\d*)\]", part)
        if span and span.group(2):
            continue  # abolished
        names.append(_YEARS.sub("", part).strip())
    return [n for n in names if n]


def _short(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@functools.lru_cache(maxsize=1)
def place_table() -> dict[str, str]:
    """Place name -> division code prefix: province names (``广东省``, ``广东``) -> 2 digits,
    prefecture names (``深圳市``, ``深圳``) -> 4 digits, county names in full (``福田区``) -> the
    4 digits of their prefecture (a county's short form is too often a brand word: 东方, 长安).

    A name used in several places (南山区 is in 深圳 and in 鹤岗) keeps only what they share: their
    province, or ``""`` (a place, but no telling which)."""
    found: dict[str, set[str]] = {}
    counties: dict[str, set[str]] = {}
    for province, county, name_value in _entries():
        if county is None:
            for name in _current_names(name_value):
                for word in (name, _short(name)):
                    found.setdefault(word, set()).add(province)
            continue
        code = county
        prefecture = province + code[:2]
        for name in _current_names(name_value):
            if name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
                continue
            if code.endswith("00"):
                for word in (name, _short(name)):
                    found.setdefault(word, set()).add(prefecture)
            elif len(name) >= 3:
                counties.setdefault(name, set()).add(prefecture)
    for name, codes in counties.items():
        if name not in found:
            found[name] = codes
    table = {}
    for name, codes in found.items():
        if len(codes) == 1:
            table[name] = codes.pop()
        elif len({c[:2] for c in codes}) == 1:
            table[name] = next(iter(codes))[:2]
        else:
            table[name] = ""  # a place, but which one is unknown
    return table


@functools.lru_cache(maxsize=2)
def _places_by_length(known_only: bool) -> tuple[tuple[int, dict[str, str]], ...]:
    table = {k: v for k, v in place_table().items() if v or not known_only}
    lengths = sorted({len(k) for k in table}, reverse=True)
    return tuple((n, {k: v for k, v in table.items() if len(k) == n}) for n in lengths)


@functools.lru_cache(maxsize=2)
def _places_by_head(known_only: bool) -> tuple[dict[str, str], dict[str, tuple[int, ...]]]:
    """The place names (``known_only``: those of one province) and, by their first two
    characters (the whole name when shorter), the lengths of the names starting so, longest
    first."""
    table = {k: v for k, v in place_table().items() if v or not known_only}
    lengths: dict[str, list[int]] = {}
    for n, names in _places_by_length(known_only):
        for name in names:
            found = lengths.setdefault(name[:2], [])
            if not found or found[-1] != n:
                found.append(n)
    return table, {head: tuple(found) for head, found in lengths.items()}


def leading_place(text: str, *, whole: bool = False, known_only: bool = False
                  ) -> tuple[str, str] | None:
    """(the longest place name ``text`` starts with, its code), or None. The place must leave
    something after it unless ``whole``; ``known_only`` passes over names several provinces share.
    Only the lengths of the place names that start like ``text`` are tried (most company names'
    second look, after 深圳市, tries none), not one lookup per length of place name.

    >>> leading_place("深圳市华腾科技"), leading_place("深圳"), leading_place("深圳", whole=True)
    (('深圳市', '4403'), None, ('深圳', '4403'))
    """
    table, lengths = _places_by_head(known_only)
    # (a one-character name is its own head: its length, 1, comes last, after the longer ones)
    for n in lengths.get(text[:2], ()) + lengths.get(text[:1], ()):
        if (len(text) >= n if whole else len(text) > n) and text[:n] in table:
            return text[:n], table[text[:n]]
    return None


def trailing_place(text: str) -> tuple[str, str] | None:
    """(the longest place name ``text`` ends with, its code), something before it; or None."""
    for n, names in _places_by_length(False):
        if len(text) > n and text[-n:] in names:
            return text[-n:], names[text[-n:]]
    return None
