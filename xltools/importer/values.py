"""Normalise the values of an imported column to what the book stores.

Each function takes a pandas Series and returns the normalised Series plus a boolean Series
``bad`` for values that could not be understood (kept as typed, so a person sees them, and
reported). Work is done once per distinct value, since exports repeat dates, regions and owners.

>>> parse_date("2024年3月15日"), parse_date("2024.3.15"), parse_date(45366), parse_date("20240315")
(datetime.date(2024, 3, 15), datetime.date(2024, 3, 15), datetime.date(2024, 3, 15), datetime.date(2024, 3, 15))
>>> parse_amount("12.5万"), parse_amount("¥1,234.50元"), parse_amount("３,０００"), parse_amount(8.0, 10000)
(125000.0, 1234.5, 3000.0, 80000.0)
>>> split_phones("+86 138-1234-5678 / 0755-8888 1234")
['13812345678', '075588881234']
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Callable

import numpy as np
import pandas as pd
from stdnum.cn import ric, uscc

from ..core import cncodes
from ..core.dedupe.keys import CLEAN, already_clean
from ..core.normalize import clean_text, compact_text, credit_code, email, halfwidth, is_blank, \
    phone_digits
from ..core.values import read_date
from .headers import norm_header

# Cells that mean "nothing here" in exports.
BLANK_TOKENS = {"-", "--", "---", "—", "——", "/", "\\", "无", "暂无", "n/a", "na", "null", "none",
                "#n/a", "nan", "空"}
_AMOUNT_NOISE = re.compile(r"[\s,¥$]|人民币|rmb|cny|元整?$", re.I)
_AMOUNT = re.compile(r"^([-+]?\d+(?:\.\d+)?)(万|亿|千|w|k)?$", re.I)
_UNITS = {"万": 10_000, "w": 10_000, "亿": 100_000_000, "千": 1_000, "k": 1_000}
_PHONE_SPLIT = re.compile(r"[,;/、|]|\s{2,}|或")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?e\+?\d+$", re.I)


def blank_out(series: pd.Series) -> pd.Series:
    """Blank tokens ("-", "无", "N/A") and whitespace-only strings become None."""
    def one(v):
        if is_blank(v):
            return None
        if isinstance(v, str) and _may_be_token(v) and compact_text(v).casefold() in BLANK_TOKENS:
            return None
        return v
    return _map_unique(series, one)


_LONGEST_TOKEN = max(len(t) for t in BLANK_TOKENS)
_SPACE = re.compile(r"\s")


def _may_be_token(text: str) -> bool:
    """False for text too long to compact to a blank token: compacting drops only spaces, no
    other character becomes nothing and casefold shortens nothing (a character composed with the
    next is no token's), so more other characters than the longest token has can never be one.
    Spares the compaction of every name, phone and code of an import."""
    return len(text) <= _LONGEST_TOKEN or len(text) - len(_SPACE.findall(text)) <= _LONGEST_TOKEN


def _map_unique(series: pd.Series, func: Callable) -> pd.Series:
    """``series.map(func)``, calling ``func`` once per distinct value."""
    values = series.to_numpy(dtype=object)
    try:
        codes, uniques = pd.factorize(values)
    except TypeError:  # unhashable cells
        uniques = None
    if uniques is not None and all(type(u) is str for u in uniques):
        # text only (a CSV's columns): the distinct values found in C, not a dict probe per cell
        results = [func(u) for u in uniques]
        mapped = [results[c] if c >= 0 else func(v) for c, v in zip(codes.tolist(), values)]
        return pd.Series(mapped, index=series.index, dtype=object)
    out = {}
    values = []
    for v in series.tolist():
        try:
            hit = out[v] if v in out else out.setdefault(v, func(v))
        except TypeError:  # unhashable
            hit = func(v)
        values.append(hit)
    return pd.Series(values, index=series.index, dtype=object)


def _as_text(v) -> str:
    """A cell as text: 13812345678.0 from a workbook reads as '13812345678'."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# ---------------------------------------------------------------- text


def text(series: pd.Series) -> pd.Series:
    """Half-width, trimmed, inner spaces collapsed. Formula-like text stays text (never evaluated)."""
    return _map_unique(series, lambda v: None if is_blank(v) else clean_text(_as_text(v)) or None)


# ---------------------------------------------------------------- codes, e-mails, phones


def codes(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """统一社会信用代码 / 身份证号: half-width, upper case, no spaces or dashes.

    A number in scientific notation (Excel showed 4.4E+17) lost its digits: flagged.
    """
    def one(v):
        return None if is_blank(v) else credit_code(_as_text(v)) or None
    out = _map_unique(series, one)
    return out, _scientific(series)


def emails(series: pd.Series) -> pd.Series:
    return _map_unique(series, lambda v: None if is_blank(v) else email(_as_text(v)) or None)


def split_phones(value) -> list[str]:
    """Every phone number in one cell, as digits without +86: "138… / 0755-…" holds two."""
    if is_blank(value):
        return []
    parts = _PHONE_SPLIT.split(halfwidth(_as_text(value)))
    return [d for d in (phone_digits(p) for p in parts if p.strip()) if d]


def phones(series: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(first phone as digits, the other phones of the cell as a list, bad).

    Bad: no digits at all, or scientific notation (the number was already truncated by Excel).
    """
    # a cell holding one phone as the book stores it is that phone (most cells of an export)
    ready = already_clean(series, CLEAN["phone"]).tolist()
    found = iter(_map_unique(series[[not r for r in ready]], split_phones).tolist())
    first, others = [], []
    for value, as_is in zip(series.tolist(), ready):
        ps = [value] if as_is else next(found)
        first.append(ps[0] if ps else None)
        others.append(ps[1:])
    first = pd.Series(first, index=series.index, dtype=object)
    others = pd.Series(others, index=series.index, dtype=object)
    has_value = ~series.map(is_blank)
    bad = (has_value & first.isna()) | _scientific(series)
    return first, others, bad


def _scientific(series: pd.Series) -> pd.Series:
    return series.map(lambda v: isinstance(v, str) and bool(_SCIENTIFIC.match(halfwidth(v).strip())))


# ---------------------------------------------------------------- dates and amounts


def parse_date(value) -> dt.date | None:
    """A date from what people type or Excel stores; None when it is not one.

    The book's own reader (:func:`xltools.core.values.read_date`): 2024-03-15, 2024/3/15,
    2024.3.15, 2024年3月15日 (with an optional time), 20240315, Excel serials (45366 is
    2024-03-15); an ambiguous 03/04/2024 is not a date.
    """
    if is_blank(value):
        return None
    stamp = read_date(value)
    return None if stamp is None else stamp.date()


def dates(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(dates, bad); a value that is not a date stays as typed and is flagged."""
    parsed = _map_unique(series, parse_date)
    bad = parsed.isna() & ~series.map(is_blank)
    return parsed.where(~bad, series.map(lambda v: clean_text(_as_text(v)))), bad


def parse_amount(value, factor: int = 1) -> float | None:
    """An amount in 元: "12.5万" -> 125000, "¥1,234.50" -> 1234.5; ``factor`` is the header's unit
    (10000 for a "(万元)" column) and applies when the value carries no unit of its own."""
    if is_blank(value) or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return None if math.isnan(value) else round(float(value) * factor, 2)
    text_ = _AMOUNT_NOISE.sub("", halfwidth(str(value)).strip())
    m = _AMOUNT.match(text_)
    if not m:
        return None
    unit = m.group(2)
    scale = _UNITS[unit.lower()] if unit else factor
    return round(float(m.group(1)) * scale, 2)


def amounts(series: pd.Series, factor: int = 1) -> tuple[pd.Series, pd.Series]:
    parsed = _map_unique(series, lambda v: parse_amount(v, factor))
    bad = parsed.isna() & ~series.map(is_blank)
    return parsed.where(~bad, series.map(lambda v: clean_text(_as_text(v)))), bad


# ---------------------------------------------------------------- list values


def list_matcher(allowed: list[str], aliases: dict[str, str] | None = None) -> Callable:
    """A function typed value -> (list value, ok).

    Tries, after normalising both sides: the value itself, an alias from synonyms.yaml, then
    containment either way ("华南地区" holds 华南, "IT服务" is part of IT服务业) when exactly one list
    value fits. Otherwise the value is kept as typed and ``ok`` is False.
    """
    exact = {norm_header(a): a for a in allowed}
    alias = {k: v for k, v in (aliases or {}).items() if v in allowed}

    def match(value):
        if is_blank(value):
            return None, True
        typed = clean_text(_as_text(value))
        n = norm_header(typed)
        if n in exact:
            return exact[n], True
        if n in alias:
            return alias[n], True
        fits = {a for k, a in exact.items() if k and (k in n or n in k)}
        if len(fits) == 1:
            return fits.pop(), True
        return typed, False
    return match


def list_values(series: pd.Series, allowed: list[str], aliases=None) -> tuple[pd.Series, pd.Series]:
    pairs = _map_unique(series, list_matcher(allowed, aliases))
    return pairs.map(lambda p: p[0]), ~pairs.map(lambda p: p[1]).astype(bool)


# ---------------------------------------------------------------- customer type


def _ric_valid(code: str) -> bool:
    try:
        return ric.is_valid(code)
    except KeyError:  # stdnum raises for a known province with an unknown county
        return False


def customer_types(codes: pd.Series) -> pd.Series:
    """:func:`infer_customer_type` of every code of a column. The check digits, computed over the
    whole column at once (:mod:`xltools.core.cncodes`), leave python-stdnum only the codes that
    pass an ID number's check digit."""
    out = np.full(len(codes), None, dtype=object)
    shaped = np.fromiter((isinstance(v, str) and len(v) == 18 for v in codes.tolist()), bool,
                         len(codes))
    if shaped.any():
        sub = codes[shaped]
        upper = sub.str.upper()       # as stdnum compacts (a space or dash: invalid either way)
        maybe_person = cncodes.ric_status(upper, normalised=True).isin(
            ("ok", "birthdate", "division")).to_numpy()
        person = np.zeros(len(sub), bool)
        person[maybe_person] = [_ric_valid(c) for c in sub[maybe_person].tolist()]
        company = ~person & (cncodes.uscc_status(upper, normalised=True) == "ok").to_numpy()
        where = np.flatnonzero(shaped)
        out[where[person]] = "个人"
        out[where[company]] = "企业"
    return pd.Series(out, index=codes.index, dtype=object)


def infer_customer_type(code: str | None) -> str | None:
    """个人 for a valid 身份证号, 企业 for a valid 统一社会信用代码, else None."""
    if not isinstance(code, str) or len(code) != 18:
        return None
    if _ric_valid(code):
        return "个人"
    if uscc.is_valid(code):
        return "企业"
    return None
