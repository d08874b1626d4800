"""Comparable keys per customer, and blocking: which pairs are worth scoring at all.

Scoring every pair of 100,000 customers means 5·10^9 comparisons. Instead a pair is scored only if
the two records share an exact key (customer ID, credit code, phone, e-mail or their fingerprints,
the normalised core name or its pinyin), or sit near each other when the company names are sorted
by their core pinyin, forwards and backwards (sorted neighbourhood: catches typos at either end).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from stdnum.cn import ric, uscc

from ..cncodes import phone_kind
from ..normalize import credit_code, email, is_blank, phone_digits
from ..privacy import is_masked
from .latin import LatinName, parse_latin
from .names import ParsedName, parse_name, person_name, pinyin_key

PERSON = "个人"
# Columns whose equality is hard evidence; both the raw value and its fingerprint are keys.
EXACT_KEYS = ("cid", "code", "code_fp", "phone", "phone_fp", "email", "email_fp")
WINDOW = 6           # sorted-neighbourhood window
MAX_GROUP = 30       # a bigger exact-key group (a shared switchboard) is chained, not all-pairs


def _code_is_valid(code: str, person: bool) -> bool:
    if not code:
        return False
    try:
        return bool(ric.is_valid(code) if person else uscc.is_valid(code))
    except Exception:  # noqa: BLE001  stdnum.cn.ric raises KeyError for unknown counties
        return False


def _code_place(code: str, valid: bool, person: bool) -> tuple[str, ...]:
    """Where a company was registered, from digits 3-6 of its credit code, when its name says
    nothing: ``91440300...`` -> ``("4403",)``. Used only to keep same-named companies of two
    places apart."""
    if not valid or person or not code[2:4].isdigit() or code[2:4] in ("00", "10"):
        return ()
    prefecture = code[2:6]
    return (prefecture[:2],) if prefecture.endswith("00") or not prefecture.isdigit() else (prefecture,)


def _raw(values: pd.Series, normalise) -> list[str]:
    """Normalised raw values; ``""`` for blanks and for values already masked."""
    return ["" if is_blank(v) or is_masked("", v) else normalise(v) for v in values]


def _fp(values: pd.Series) -> list[str]:
    return ["" if is_blank(v) else str(v).strip() for v in values]


def _phone_kinds(values: pd.Series) -> list[str]:
    """'mobile', 'landline' or '' per phone cell; a masked phone by its shape (138****5678 is a
    mobile, 0755****1234 a landline): a shared mobile is strong evidence, a shared landline may be
    a building's switchboard."""
    out = []
    for v in values:
        if is_blank(v):
            out.append("")
            continue
        text = str(v).strip()
        if is_masked("phone", text):
            out.append("mobile" if text[:1] == "1" else "landline" if text[:1] == "0" else "")
        else:
            kind = phone_kind(text)
            out.append(kind if kind in ("mobile", "landline") else "")
    return out


def _as_parsed(latin: LatinName, text: str) -> ParsedName:
    """A Latin name in the shape of a Chinese one, so places, branches and groups compare alike."""
    return ParsedName(text=text, core=latin.key, brand=latin.brand, industry="",
                      places=latin.places, branch="branch" if latin.branch else "",
                      group=latin.group)


def _translit_keys(core_py: str) -> tuple[str, ...]:
    """What a Latin brand may read as: the first 2, 3 and 4 syllables of a Chinese core, joined."""
    syllables = core_py.split(" ")
    return tuple("".join(syllables[:k]) for k in range(2, min(4, len(syllables)) + 1))


def features(customers: pd.DataFrame) -> pd.DataFrame:
    """One row per customer (same index) with everything matching needs.

    ``person`` is true for 个人 customers; ``code_valid`` is a passing 统一社会信用代码 (companies) or
    身份证号 (persons) check; ``core``/``core_py`` are the company's name core and its pinyin.
    """
    df = customers
    n = len(df)
    blank = pd.Series([None] * n, index=df.index, dtype=object)
    col = lambda key: df[key] if key in df.columns else blank  # noqa: E731
    ctype = col("CustomerType").astype("string").fillna("").str.strip()
    out = pd.DataFrame(index=df.index)
    out["cid"] = [("" if is_blank(v) else str(v).strip().upper()) for v in col("CustomerID")]
    out["name_raw"] = ["" if is_blank(v) else str(v) for v in col("CustomerName")]
    out["person"] = (ctype == PERSON).to_numpy()
    latin = [None if person else parse_latin(v) for v, person in zip(out["name_raw"], out["person"])]
    parsed = [parse_name(v) if lat is None else _as_parsed(lat, v)
              for v, lat in zip(out["name_raw"], latin)]
    out["latin"] = latin
    out["parsed"] = parsed
    out["pname"] = [person_name(v) for v in out["name_raw"]]
    out["core"] = [p.core for p in parsed]
    pinyin = {c: pinyin_key(c) for c in set(out["core"])}
    out["core_py"] = [c if lat is not None else pinyin[c] for c, lat in zip(out["core"], latin)]
    out["code"] = _raw(col("CreditCode"), credit_code)
    out["code_valid"] = [_code_is_valid(c, p) for c, p in zip(out["code"], out["person"])]
    out["code_fp"] = _fp(col("CreditCodeFP"))
    out["places"] = [p.places or _code_place(c, v, person)
                     for p, c, v, person in zip(parsed, out["code"], out["code_valid"], out["person"])]
    out["phone"] = _raw(col("ContactPhone"), phone_digits)
    out["phone_fp"] = _fp(col("PhoneFP"))
    out["phone_kind"] = _phone_kinds(col("ContactPhone"))
    out["email"] = _raw(col("Email"), email)
    out["email_fp"] = _fp(col("EmailFP"))
    return out


@dataclass
class Blocking:
    """Candidate pairs as two aligned arrays of positions (i < j), and how they were found."""

    left: np.ndarray
    right: np.ndarray
    n_records: int

    @property
    def n_pairs(self) -> int:
        return int(len(self.left))

    @property
    def all_pairs(self) -> int:
        return self.n_records * (self.n_records - 1) // 2


def _pairs_within_groups(values: np.ndarray, second: np.ndarray | None = None
                         ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pairs of positions sharing a non-blank value. A group larger than :data:`MAX_GROUP` (a
    switchboard shared by a whole building) is not paired all with all: its members are sorted
    by ``second`` (the name's pinyin) and paired with their nearest neighbours, so the work stays
    linear in the group's size and the look-alike names inside it still meet."""
    out = []
    s = pd.Series(values)
    s = s[s != ""]
    dup = s[s.duplicated(keep=False)]
    if dup.empty:
        return out
    order = dup.sort_values(kind="stable")
    pos = order.index.to_numpy()
    vals = order.to_numpy()
    starts = np.flatnonzero(np.r_[True, vals[1:] != vals[:-1]])
    sizes = np.diff(np.r_[starts, len(vals)])
    for start, size in zip(starts, sizes):
        members = pos[start:start + size]
        if size <= MAX_GROUP:
            i, j = np.triu_indices(size, k=1)
            out.append((members[i], members[j]))
        else:
            if second is not None:
                members = members[np.argsort(second[members], kind="stable")]
            for k in range(1, 4):
                out.append((members[:-k], members[k:]))
    return out


def _sorted_neighbourhood(keys: list[str], mask: np.ndarray, window: int):
    """Pairs of positions within ``window`` of each other when sorted by ``keys`` (masked rows only)."""
    pos = np.flatnonzero(mask)
    if len(pos) < 2:
        return []
    order = pos[np.argsort(np.array([keys[p] for p in pos], dtype=object), kind="stable")]
    return [(order[:-k], order[k:]) for k in range(1, min(window, len(order) - 1) + 1)]


MAX_TRANSLIT_GROUP = 50  # a Latin brand read by more Chinese names than this tells nothing


def _transliteration_pairs(feat: pd.DataFrame, company: np.ndarray):
    """Pairs of a Latin-letter name and a Chinese name whose first syllables spell its brand."""
    latin = feat["latin"].to_numpy(dtype=object)
    is_latin = np.array([x is not None for x in latin], dtype=bool) & company
    if not is_latin.any():
        return []
    keys: dict[str, list[int]] = {}
    for pos in np.flatnonzero(is_latin):
        keys.setdefault(latin[pos].brand, [])
    wanted_chinese = np.flatnonzero(company & ~is_latin)
    chinese: dict[str, list[int]] = {}
    core_py = feat["core_py"].to_numpy(dtype=object)
    for pos in wanted_chinese:
        for key in _translit_keys(core_py[pos]):
            if key in keys:
                chinese.setdefault(key, []).append(pos)
    for pos in np.flatnonzero(is_latin):
        keys[latin[pos].brand].append(pos)
    left, right = [], []
    for key, latin_positions in keys.items():
        found = chinese.get(key, [])
        if not found or len(found) > MAX_TRANSLIT_GROUP:
            continue
        for a in latin_positions:
            left += [a] * len(found)
            right += found
    if not left:
        return []
    return [(np.array(left, dtype=np.int64), np.array(right, dtype=np.int64))]


def candidate_pairs(feat: pd.DataFrame, *, window: int = WINDOW,
                    cross: np.ndarray | None = None) -> Blocking:
    """Pairs worth scoring. ``cross`` (a boolean array) keeps only pairs with one record on each
    side, for matching incoming rows against a book."""
    parts = []
    names = feat["core_py"].to_numpy(dtype=object)
    for key in EXACT_KEYS:
        parts += _pairs_within_groups(feat[key].to_numpy(dtype=object), names)
    company = ~feat["person"].to_numpy(dtype=bool) & (feat["core"].to_numpy(dtype=object) != "")
    core = np.where(company, feat["core"].to_numpy(dtype=object), "")
    core_py = np.where(company, feat["core_py"].to_numpy(dtype=object), "")
    parts += _pairs_within_groups(core)
    parts += _pairs_within_groups(core_py)
    py = list(feat["core_py"])
    parts += _sorted_neighbourhood(py, company, window)
    parts += _sorted_neighbourhood([k[::-1] for k in py], company, window)
    parts += _transliteration_pairs(feat, company)
    n = len(feat)
    if not parts:
        empty = np.array([], dtype=np.int64)
        return Blocking(empty, empty, n)
    a = np.concatenate([p[0] for p in parts]).astype(np.int64)
    b = np.concatenate([p[1] for p in parts]).astype(np.int64)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    if cross is not None:
        keep &= cross[lo] != cross[hi]
    codes = np.unique(lo[keep] * n + hi[keep])
    return Blocking(codes // n, codes % n, n)
