"""The follow-up log's two columns every report reads: whose follow-up (CustomerID as text) and
when (FollowUpTime as a date), converted once per loaded table.

sync, pool, remind, the summary and the rules' follow-up counts each read them, and a big book
logs 500,000 follow-ups: folding the IDs and reading the dates cost ~0.3 s a time, five times a
monthly batch. The batch re-reads only the tables a step wrote, so the follow-ups loaded once
reach every step as the same column objects: the conversion is kept for as long as the column
lives and is used only for that very column (a table read again, or a column assigned, is a new
object; pandas drops its column objects when a cell is set, so an edited table converts anew).
"""

from __future__ import annotations

import weakref
from typing import Any, Callable

import numpy as np
import pandas as pd

from .values import as_dates, as_text

_kept: dict[str, tuple[weakref.ref, Any]] = {}


def customer_ids(fups: pd.DataFrame) -> pd.Series:
    """Each follow-up's CustomerID as :func:`~xltools.core.values.as_text` reads it."""
    codes, uniques = customer_codes(fups)
    return pd.Series(uniques.take(codes), index=fups.index, dtype=object)


def customer_codes(fups: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """:func:`customer_ids` as ``pd.factorize`` gives them: a code per follow-up and the distinct
    IDs ('' among them for a blank). Kept as such: 500,000 folded copies of the IDs would hold
    ~35 MB through the batch, and integer codes group faster than text."""
    return _once("ids", fups["CustomerID"], lambda s: pd.factorize(as_text(s)))


def times(fups: pd.DataFrame) -> pd.Series:
    """Each follow-up's FollowUpTime with its time of day (NaT when it is no date)."""
    return _once("times", fups["FollowUpTime"], lambda s: as_dates(s, times=True))


def days(fups: pd.DataFrame) -> pd.Series:
    """Each follow-up's FollowUpTime as a day, as :func:`~xltools.core.values.as_dates` reads it."""
    return times(fups).dt.normalize()


def latest(fups: pd.DataFrame, when: np.ndarray, use: np.ndarray | bool = True) -> pd.Series:
    """CustomerID -> position (as ``iloc``) of each customer's latest follow-up by ``when`` (a
    datetime64 array over the log), among the rows ``use`` allows; of several at the same
    moment, the one lower in the sheet. Follow-ups without a date or a customer ID count for
    no one."""
    codes, uniques = customer_codes(fups)
    rows = np.flatnonzero(use & ~np.isnat(when) & ~(uniques == "")[codes])
    rows = rows[np.argsort(when[rows], kind="stable")][::-1]        # latest first
    customers, first = np.unique(codes[rows], return_index=True)
    return pd.Series(rows[first], index=pd.Index(uniques[customers], dtype=object, name="CustomerID"))


def _once(name: str, column: pd.Series, compute: Callable[[pd.Series], Any]) -> Any:
    kept = _kept.get(name)
    if kept is not None and kept[0]() is column:
        return kept[1]
    value = compute(column)

    def forget(ref, name=name):        # the column is gone: so is what was made of it
        if _kept.get(name, (None,))[0] is ref:
            del _kept[name]
    _kept[name] = (weakref.ref(column, forget), value)
    return value
