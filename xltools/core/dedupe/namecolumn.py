"""Company names parsed a column at a time: :func:`.names.parse_simplified` of every name, the
common ones in Arrow's kernels.

Matching parses each distinct name of the book once, and in Python each costs a few microseconds
of interpreter overhead: most of the dedupe step's time on a 100,000-customer book. Nearly every
name a sales team types is written in common Chinese characters only (U+4E00-U+9FFF: no
spaces, brackets, letters or punctuation) and reads ``[places] brand [industry] legal-forms``.
For those each step of the parse is one pass of a kernel over the whole column, with the same
answer as the per-name steps:

* the legal forms and 集团 at the end are stripped longest first, repeatedly
  (:func:`.names._strip_suffixes`): as every form ends in 公司 or is 集团, and no form is
  another's tail with a form's tail before it, that strips the longest tail made of forms, which
  one RE2 search finds;
* each leading place is the longest place name the text starts with that leaves something after
  it (:func:`..divisions.leading_place`), kept while a brand is left (:func:`.names._has_brand`),
  one look-up per length of place name;
* the industry is the longest industry word the text ends with, leaving two characters
  (:func:`.names._industry_of`).

Names that need any other step go the per-name way: a branch (…广州分公司), a leading 中国, a name
that is only legal forms, any other character.

>>> [(p.core, p.places, p.group) for p in parse_names(["广东省深圳市华腾科技集团有限公司", "华腾科技(深圳)"])]
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
                    ParsedName, parse_simplified, person_key, simplified_name)
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


@functools.lru_cache(maxsize=1)
def _places() -> tuple[tuple[int, pa.Array, np.ndarray], ...]:
    """Per length of place name, longest first: the names and their codes."""
    table = place_table()
    by_length: dict[int, list[str]] = {}
    for name in table:
        by_length.setdefault(len(name), []).append(name)
    return tuple((n, pa.array(names, pa.string()), _objects([table[k] for k in names]))
                 for n, names in sorted(by_length.items(), reverse=True))


def _industries() -> tuple[tuple[int, pa.Array], ...]:
    lengths = sorted({len(w) for w in INDUSTRY_WORDS}, reverse=True)
    return tuple((n, pa.array([w for w in INDUSTRY_WORDS if len(w) == n], pa.string()))
                 for n in lengths)


def _np(arr) -> np.ndarray:
    return pc.fill_null(arr, False).to_numpy(zero_copy_only=False)


def _has_brand(text: pa.Array) -> np.ndarray:
    """:func:`.names._has_brand` of each text."""
    return (pc.utf8_length(text).to_numpy() >= 2) & ~_np(pc.is_in(text, value_set=_INDUSTRY))


def _cut(text: pa.Array, lengths: np.ndarray, *, head: bool) -> tuple[pa.Array, pa.Array]:
    """Each text split after its first (``head``) or before its last ``lengths[k]`` characters:
    (the cut part, the rest); ``""`` cut where the length is 0."""
    cut, rest = pa.array([""] * len(text), pa.string()), text
    for n in np.unique(lengths[lengths > 0]).tolist():
        rows = pa.array(lengths == n)
        some = text.filter(rows)
        if head:
            cut = pc.replace_with_mask(cut, rows, pc.utf8_slice_codeunits(some, 0, n))
            rest = pc.replace_with_mask(rest, rows, pc.utf8_slice_codeunits(some, n))
        else:
            cut = pc.replace_with_mask(cut, rows, pc.utf8_slice_codeunits(some, -n))
            rest = pc.replace_with_mask(rest, rows, pc.utf8_slice_codeunits(some, 0, -n))
    return cut, rest


def _leading_place(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The length of the longest place name each text starts with, something left after it
    (0: none), and its code (None: none)."""
    length = pc.utf8_length(text).to_numpy()
    found = np.zeros(len(text), dtype=np.int64)
    codes = np.full(len(text), None, dtype=object)
    for n, names, name_codes in _places():
        rows = (length > n) & (found == 0)
        if not rows.any():
            continue
        where = pc.fill_null(pc.index_in(pc.utf8_slice_codeunits(text, 0, n), value_set=names),
                             -1).to_numpy()
        hit = rows & (where >= 0)
        found[hit] = n
        codes[hit] = name_codes[where[hit]]
    return found, codes


def _text(arr: pa.Array) -> list[str]:
    return arr.to_numpy(zero_copy_only=False).tolist()


def _parse_common(simple: list[str]) -> tuple[list[ParsedName], np.ndarray]:
    """The parse of each name of common characters (see the module doc), and which names the
    column steps do not follow (their parse is to be made per name)."""
    n = len(simple)
    text = pa.array(simple, pa.string())
    other = _np(pc.match_substring_regex(text, _BRANCH))
    group = _np(pc.match_substring_regex(text, _GROUP_TAIL))
    text = pc.replace_substring_regex(text, _TAIL, "")
    other |= pc.utf8_length(text).to_numpy() == 0  # only legal forms: the per-name edge cases
    first = np.full(n, None, dtype=object)   # the first leading place's code
    more: dict[int, list[str]] = {}          # and the others' (广东省深圳市: few names)
    active, first_round = np.flatnonzero(~other), True
    while len(active):  # every leading place, as long as a brand is left
        sub = text.take(pa.array(active))
        length, codes = _leading_place(sub)
        keep = length > 0
        rest = _cut(sub, length, head=True)[1]
        keep &= _has_brand(rest)
        if not keep.any():
            break
        if first_round:
            first[active[keep]] = codes[keep]
            first_round = False
        else:
            for k, code in zip(active[keep].tolist(), codes[keep].tolist()):
                more.setdefault(k, [first[k]]).append(code)
        active, rest = active[keep], rest.filter(pa.array(keep))
        # 广西省: a wrong suffix, still a place
        after = pc.utf8_slice_codeunits(rest, 1)
        suffix = _np(pc.match_substring_regex(rest, r"\A[省市]")) & _has_brand(after)
        rest = pc.if_else(pa.array(suffix), after, rest)
        text = pc.replace_with_mask(text, pa.array(np.isin(np.arange(n), active)), rest)
    other |= _np(pc.match_substring_regex(text, _NEUTRAL))
    length = pc.utf8_length(text).to_numpy()
    industry = np.zeros(n, dtype=np.int64)
    for size, words in _industries():
        hit = (industry == 0) & (length - size >= 2)
        hit &= _np(pc.is_in(pc.utf8_slice_codeunits(text, -size), value_set=words))
        industry[hit] = size
    trade, brand = _cut(text, industry, head=False)
    # one tuple per place, not per name: every object made here is one more for the collector
    alone = {c: (c,) if c else () for c in set(first.tolist())}
    places = [alone[c] for c in first.tolist()]
    for k, codes in more.items():
        places[k] = tuple(_most_precise([c for c in codes if c]))
    out = list(map(ParsedName, simple, _text(text), _text(brand), _text(trade), places,
                   repeat("", n), group.tolist()))
    return out, other


def _most_precise(places: list[str]) -> list[str]:
    """As :func:`.names.parse_simplified`: the most precise code per province, sorted."""
    if len(places) < 2:
        return places
    return sorted(c for c in set(places) if not any(o != c and o.startswith(c) for o in places))


def common(texts: list[str]) -> np.ndarray:
    """Which texts are written in common Chinese characters only (see :func:`is_common`)."""
    try:
        arr = pa.array(texts, pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):  # a lone surrogate
        return np.array([is_common(t) for t in texts], dtype=bool)
    return _np(pc.match_substring_regex(arr, _COMMON_RE2))


def parse_names(simple: list[str]) -> list[ParsedName]:
    """``[parse_simplified(s) for s in simple]``: names already :func:`.names.simplified_name`,
    those of common characters a column at a time."""
    rows = np.flatnonzero(common(simple)).tolist()
    out: list = [None] * len(simple)
    if rows:
        parsed, other = _parse_common([simple[k] for k in rows])
        for k, p, skip in zip(rows, parsed, other.tolist()):
            out[k] = None if skip else p
    return [p if p is not None else parse_simplified(s) for p, s in zip(out, simple)]


def simplified_names(names: list[str]) -> list[str]:
    """``[simplified_name(n) for n in names]``: the names of common characters are converted to
    simplified characters in one go (:func:`.script.simplified_lines`); half-width forms, spaces
    and lower case change none of them."""
    out = list(names)
    rows = np.flatnonzero(common(names)).tolist()
    for k, text in zip(rows, simplified_lines([names[k] for k in rows])):
        out[k] = text
    done = np.zeros(len(names), dtype=bool)
    done[rows] = True
    # OpenCC's answer is a name of common characters again, or is read the per-name way
    done &= common(out)
    return [text if ok else simplified_name(name)
            for text, ok, name in zip(out, done.tolist(), names)]


def name_parts(names: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Four columns for the names: their Latin reading (None for a Chinese name), their parse as a
    company, as a company shown (a Latin name's reading in the shape of a parse), and the name as
    a person's (:func:`.names.person_key`)."""
    simple = simplified_names(names)
    chinese = parse_names(simple)
    # a name of common characters reads as no Latin name and holds no punctuation
    plain = common(names) & common(simple)
    latin = [None if ok else read_latin(name) for name, ok in zip(names, plain.tolist())]
    shown = [parsed if lat is None else _as_parsed(lat, name)
             for name, parsed, lat in zip(names, chinese, latin)]
    person = [text if ok else person_key(text) for text, ok in zip(simple, plain.tolist())]
    return tuple(_objects(column) for column in (latin, chinese, shown, person))


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _as_parsed(latin: LatinName, text: str) -> ParsedName:
    """A Latin name in the shape of a Chinese one, so places, branches and groups compare alike."""
    return ParsedName(text=text, core=latin.key, brand=latin.brand, industry="",
                      places=latin.places, branch="branch" if latin.branch else "",
                      group=latin.group)
