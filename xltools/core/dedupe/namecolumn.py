"""Company names parsed a column at a time: :func:`.names.parse_simplified` of every name, the
common ones in Arrow's kernels.

Matching parses each distinct name of the book once, and in Python each costs a few microseconds
of interpreter overhead: most of the dedupe step's time on a 100,000-customer book. Nearly every
name a sales team types is written in common Chinese characters only (U+4E00-U+9FFF: no
spaces, brackets, letters or punctuation) and reads ``[places] brand [industry] legal-forms``.
For those each step of the parse is a kernel's pass over the whole column, with the same
answer as the per-name steps:

* the legal forms and 集团 at the end are stripped longest first, repeatedly
  (:func:`.names._strip_suffixes`): as every form ends in 公司 or is 集团, and no form is
  another's tail with a form's tail before it, that strips the longest tail made of forms, which
  one RE2 search finds;
* each leading place is the longest place name the text starts with that leaves something after
  it (:func:`..divisions.leading_place`), kept while a brand is left (:func:`.names._has_brand`):
  an RE2 search a round (广东省, then 深圳市), the names in an order where the first to match is
  the longest;
* the industry is the longest industry word the text ends with, leaving two characters
  (:func:`.names._industry_of`): an RE2 search of the text after its first two characters.

Names that need any other step go the per-name way: a branch (…广州分公司), a leading 中国, a name
that is only legal forms, any other character.

>>> latin, parsed, shown, person = name_parts(["广东省深圳市华腾科技集团有限公司", "华腾科技(深圳)"])
>>> [(p.core, p.places, p.group) for p in parsed]
[('华腾科技', ('4403',), True), ('华腾科技', ('4403',), False)]
"""

from __future__ import annotations

import functools
import re
from itertools import repeat

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..divisions import place_table
from .latin import LatinName, read_latin
from .names import (BRANCH_WORDS, GROUP_WORDS, INDUSTRY_WORDS, LEGAL_FORMS, NEUTRAL_WORDS,
                    ParsedName, most_precise, parse_simplified, person_key, simplified_name)
from .script import simplified_lines

# the common characters: NFKC, str.lower and simplified() leave each as it is, and each is \w
COMMON = "\u4e00-\u9fff"
_COMMON = re.compile(f"[{COMMON}]+")
_COMMON_RE2 = r"\A[\x{4e00}-\x{9fff}]+\z"


def is_common(text: str) -> bool:
    """Whether ``text`` is written in common Chinese characters only (and is not empty)."""
    return _COMMON.fullmatch(text) is not None


def _alternatives(words) -> str:
    return "|".join(re.escape(w) for w in words)


# the legal forms and group words a name of common characters may end with
_FORMS = tuple(w for w in LEGAL_FORMS + GROUP_WORDS if is_common(w))
_FORM = rf"(?:{_alternatives(_FORMS)})"
_TAIL = rf"{_FORM}+\z"
_GROUP_TAIL = rf"(?:{_alternatives(w for w in _FORMS if w in GROUP_WORDS)}){_FORM}*\z"
# names the column steps do not follow: a branch word at the end, a neutral word at the start
_BRANCH = rf"(?:{_alternatives(BRANCH_WORDS)})\z"
_NEUTRAL = rf"\A(?:{_alternatives(w for w in NEUTRAL_WORDS if is_common(w))})"
_INDUSTRY = pa.array(sorted(INDUSTRY_WORDS), pa.string())
_INDUSTRY_TAIL = rf"(?:{_alternatives(INDUSTRY_WORDS)})\z"  # the first match is the longest


@functools.lru_cache(maxsize=1)
def _places() -> tuple[tuple[int, pa.Array, np.ndarray], ...]:
    """Per length of place name, longest first: the names and their codes."""
    table = place_table()
    by_length: dict[int, list[str]] = {}
    for name in table:
        by_length.setdefault(len(name), []).append(name)
    return tuple((n, pa.array(names, pa.string()), _objects([table[k] for k in names]))
                 for n, names in sorted(by_length.items(), reverse=True))


def _np(arr) -> np.ndarray:
    return pc.fill_null(arr, False).to_numpy(zero_copy_only=False)


def _length(text: pa.Array) -> np.ndarray:
    return pc.utf8_length(text).to_numpy()


def _has_brand(text: pa.Array) -> np.ndarray:
    """:func:`.names._has_brand` of each text."""
    return (_length(text) >= 2) & ~_np(pc.is_in(text, value_set=_INDUSTRY))


@functools.lru_cache(maxsize=1)
def _place_head() -> str:
    """RE2 for the longest place name at the start: the names in reverse order, so that each
    comes before the shorter names it starts with (深圳市 before 深圳), and the first to match wins."""
    return rf"\A(?:{_alternatives(sorted(place_table(), reverse=True))})"


def _codes(text: pa.Array, length: np.ndarray) -> np.ndarray:
    """The code of the place name of ``length[k]`` characters each text starts with."""
    codes = np.full(len(text), None, dtype=object)
    for n, names, name_codes in _places():
        rows = length == n
        if rows.any():
            heads = pc.utf8_slice_codeunits(text.filter(pa.array(rows)), 0, n)
            codes[rows] = name_codes[pc.index_in(heads, value_set=names).to_numpy()]
    return codes


def _parse_common(text: pa.Array) -> tuple[list[ParsedName], np.ndarray]:
    """The parse of each name of common characters (see the module doc), and which names the
    column steps do not follow (their parse is to be made per name)."""
    n = len(text)
    simple = text.to_pylist()
    other = _np(pc.match_substring_regex(text, _BRANCH))
    group = _np(pc.match_substring_regex(text, _GROUP_TAIL))
    text = pc.replace_substring_regex(text, _TAIL, "")
    other |= _length(text) == 0  # only legal forms: the per-name edge cases
    first = np.full(n, None, dtype=object)   # the first leading place's code
    more: dict[int, list[str]] = {}          # and the others' (广东省深圳市: few names)
    active, first_round = np.flatnonzero(~other), True
    sub = text.filter(pa.array(~other))
    while len(active):  # every leading place, as long as a brand is left
        rest = pc.replace_substring_regex(sub, _place_head(), "")
        left = _length(rest)
        length = _length(sub) - left
        # a place that is the whole text: a shorter one may leave a brand (the per-name way)
        other[active[(length > 0) & (left == 0)]] = True
        keep = (length > 0) & (left > 0) & _has_brand(rest)
        if not keep.any():
            break
        codes = _codes(sub.filter(pa.array(keep)), length[keep])
        if first_round:
            first[active[keep]] = codes
        else:
            for k, code in zip(active[keep].tolist(), codes.tolist()):
                more.setdefault(k, [first[k]]).append(code)
        first_round = False
        active, rest = active[keep], rest.filter(pa.array(keep))
        # 广西省: a wrong suffix, still a place
        after = pc.utf8_slice_codeunits(rest, 1)
        suffix = _np(pc.match_substring_regex(rest, r"\A[省市]")) & _has_brand(after)
        sub = pc.if_else(pa.array(suffix), after, rest)
        mask = np.zeros(n, dtype=bool)
        mask[active] = True
        text = pc.replace_with_mask(text, pa.array(mask), sub)
    other |= _np(pc.match_substring_regex(text, _NEUTRAL))
    # the industry: the longest industry word the text ends with, two characters before it
    brand = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(text, 0, 2),
        pc.replace_substring_regex(pc.utf8_slice_codeunits(text, 2), _INDUSTRY_TAIL, ""), "")
    core, brand = text.to_pylist(), brand.to_pylist()
    # one tuple per place, not per name: every object made here is one more for the collector
    alone = {c: (c,) if c else () for c in set(first.tolist())}
    places = [alone[c] for c in first.tolist()]
    for k, codes in more.items():
        places[k] = most_precise([c for c in codes if c])
    out = list(map(ParsedName, simple, core, brand, [c[len(b):] for c, b in zip(core, brand)],
                   places, repeat("", n), group.tolist()))
    return out, other


def _common(text: pa.Array) -> np.ndarray:
    return _np(pc.match_substring_regex(text, _COMMON_RE2))


def name_parts(names: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Four columns for the names: their Latin reading (None for a Chinese name), their parse as a
    company, as a company shown (a Latin name's reading in the shape of a parse), and the name as
    a person's (:func:`.names.person_key`).

    A name of common characters is its own simplified form once OpenCC has read it
    (:func:`.script.simplified_lines`: half-width forms, spaces and lower case change none of
    them), holds no punctuation (its person's form) and no Latin name. When its simplified form
    is common too, it is parsed a column at a time; other names are read one by one."""
    n = len(names)
    try:
        rows = np.flatnonzero(_common(pa.array(names, pa.string())))
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):  # a lone surrogate
        rows = np.flatnonzero(np.fromiter(map(is_common, names), dtype=bool, count=n))
    simple = pa.array(simplified_lines([names[k] for k in rows.tolist()]), pa.string())
    ok = _common(simple)
    rows, simple = rows[ok], simple.filter(pa.array(ok))
    parsed, other = _parse_common(simple)
    latin = _objects([None] * n)
    chinese = _objects([None] * n)
    person = _objects([None] * n)
    chinese[rows] = _objects(parsed)
    person[rows] = simple.to_numpy(zero_copy_only=False)
    for k, text in zip(rows[other].tolist(), person[rows[other]].tolist()):
        chinese[k] = parse_simplified(text)
    shown = chinese.copy()
    done = np.zeros(n, dtype=bool)
    done[rows] = True
    for k in np.flatnonzero(~done).tolist():
        name = names[k]
        latin[k] = read_latin(name)
        simple_k = simplified_name(name)
        chinese[k] = parse_simplified(simple_k)
        shown[k] = chinese[k] if latin[k] is None else _as_parsed(latin[k], name)
        person[k] = person_key(simple_k)
    return latin, chinese, shown, person


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _as_parsed(latin: LatinName, text: str) -> ParsedName:
    """A Latin name in the shape of a Chinese one, so places, branches and groups compare alike."""
    return ParsedName(text=text, core=latin.key, brand=latin.brand, industry="",
                      places=latin.places, branch="branch" if latin.branch else "",
                      group=latin.group)
