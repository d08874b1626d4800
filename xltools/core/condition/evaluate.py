"""Evaluating a parsed condition vectorised over the Customers DataFrame."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import followlog
from ..values import as_dates, as_numbers, as_text
from .nodes import (And, Between, Blank, Compare, Field, FollowupWithin, HasTag, InList, Not, Or,
                    Period, TextMatch)


@dataclass
class Context:
    """What a condition is evaluated against: Customers, FollowUps, Tags and ``today``.

    Per-customer lookups (follow-up counts, tag holders) are computed once and cached, so a
    hundred rules over 100k customers cost little more than one.
    """

    customers: pd.DataFrame
    followups: pd.DataFrame
    tags: pd.DataFrame
    today: pd.Timestamp
    _ids: pd.Series | None = None
    _followup_days: pd.DataFrame | None = None
    _counts: dict = field(default_factory=dict)
    tag_holders: dict = field(default_factory=dict)   # (type, name) -> set of CustomerIDs

    @classmethod
    def from_db(cls, db, today: dt.date | None = None) -> "Context":
        today = pd.Timestamp(today or dt.date.today()).normalize()
        ctx = cls(db.df("Customers"), db.df("FollowUps"), db.df("Tags"), today)
        ctx.tag_holders = holders_by_tag(ctx.tags)
        return ctx

    @property
    def ids(self) -> pd.Series:
        if self._ids is None:
            self._ids = as_text(self.customers["CustomerID"])
        return self._ids

    def followup_days(self) -> pd.DataFrame:
        """FollowUps as (CustomerID, day) pairs, blanks and unreadable dates dropped."""
        if self._followup_days is None:
            f = self.followups
            days = pd.DataFrame({"CustomerID": followlog.customer_ids(f),
                                 "day": followlog.days(f)})
            self._followup_days = days[(days["CustomerID"] != "") & days["day"].notna()]
        return self._followup_days

    def followup_counts(self, days: int) -> pd.Series:
        """Follow-ups of each customer dated from ``today - days`` to ``today``."""
        if days not in self._counts:
            fd = self.followup_days()
            window = fd[(fd["day"] <= self.today) & (fd["day"] >= self.today - pd.Timedelta(days=days))]
            self._counts[days] = window.groupby("CustomerID").size()
        return self._counts[days]


def holders_by_tag(tags: pd.DataFrame) -> dict[tuple[str, str], set[str]]:
    """(TagType, TagName) -> the CustomerIDs carrying it, whatever the tag's source."""
    frame = pd.DataFrame({"t": as_text(tags["TagType"]), "n": as_text(tags["TagName"]),
                          "c": as_text(tags["CustomerID"])})
    frame = frame[frame["c"] != ""]
    return {key: set(group["c"]) for key, group in frame.groupby(["t", "n"], sort=False)}


def evaluate(node, ctx: Context, frame: pd.DataFrame | None = None) -> pd.Series:
    """A boolean Series over ``frame`` (default: every customer): where the condition holds."""
    frame = ctx.customers if frame is None else frame
    return pd.Series(_eval(node, ctx, frame), index=frame.index, dtype=bool)


def _values(left, ctx: Context, frame: pd.DataFrame) -> pd.Series:
    """The left-hand side of a comparison, converted to its kind, over ``frame``."""
    if isinstance(left, Field):
        col = frame[left.key] if left.key in frame.columns else pd.Series(None, index=frame.index)
        return {"number": as_numbers, "date": as_dates, "text": as_text}[left.kind](col)
    if left.name == "days_since":
        return (ctx.today - _values(left.args[0], ctx, frame)).dt.days.astype(float)
    ids = ctx.ids.loc[frame.index]
    return ids.map(ctx.followup_counts(left.args[0])).fillna(0).astype(float)


def _compare(values: pd.Series, op: str, value) -> np.ndarray:
    if isinstance(value, str) and values.dtype == object:
        blank = (values == "").to_numpy()
    else:
        blank = values.isna().to_numpy()
    if isinstance(value, float) and values.dtype == object:     # number against a text column
        values = pd.to_numeric(values, errors="coerce")
        blank = values.isna().to_numpy()
    if isinstance(value, str) and values.dtype != object:       # text against number/date: never
        return np.zeros(len(values), bool) | (op == "!=")
    with np.errstate(invalid="ignore"):
        result = {"=": values == value, "!=": values != value, ">": values > value,
                  ">=": values >= value, "<": values < value, "<=": values <= value}[op]
    result = np.asarray(result, dtype=bool)
    return result | blank if op == "!=" else result & ~blank


def _blank(values: pd.Series) -> np.ndarray:
    return (values == "").to_numpy() if values.dtype == object else values.isna().to_numpy()


def _compare_period(values: pd.Series, op: str, period: Period, today) -> np.ndarray:
    """A date column against a date word: ``=`` within the span, ``<`` before its first day,
    ``>`` after its last day, ``>=``/``<=`` include the span."""
    first, last = period.span(today)
    days = values.dt.normalize()
    inside = (days >= first) & (days <= last)
    result = {"=": inside, "!=": ~inside, ">": days > last, ">=": days >= first,
              "<": days < first, "<=": days <= last}[op]
    blank = values.isna().to_numpy()
    result = np.asarray(result, dtype=bool)
    return result | blank if op == "!=" else result & ~blank


def _text_match(values: pd.Series, how: str, needle: str) -> np.ndarray:
    text = values.astype(str).str.lower()
    needle = needle.lower()
    if how == "contains":
        return text.str.contains(needle, regex=False).to_numpy(dtype=bool)
    return getattr(text.str, how)(needle).to_numpy(dtype=bool)


def _bound(value, today, end: bool):
    if isinstance(value, Period):
        return value.span(today)[1 if end else 0]
    return value


def _eval(node, ctx: Context, frame: pd.DataFrame) -> np.ndarray:
    if isinstance(node, And):
        return _eval(node.left, ctx, frame) & _eval(node.right, ctx, frame)
    if isinstance(node, Or):
        return _eval(node.left, ctx, frame) | _eval(node.right, ctx, frame)
    if isinstance(node, Not):
        return ~_eval(node.inner, ctx, frame)
    if isinstance(node, Compare):
        if isinstance(node.value, Period):
            return _compare_period(_values(node.left, ctx, frame), node.op, node.value, ctx.today)
        return _compare(_values(node.left, ctx, frame), node.op, node.value)
    if isinstance(node, TextMatch):
        values = _values(node.left, ctx, frame)
        if values.dtype != object:  # a number or date column: compare its text as shown
            values = as_text(frame[node.left.key]) if node.left.key in frame.columns else values
        hit = _text_match(values, node.how, node.value) & ~_blank(values)
        return ~hit if node.negate else hit
    if isinstance(node, Between):
        values = _values(node.left, ctx, frame)
        low, high = _bound(node.low, ctx.today, False), _bound(node.high, ctx.today, True)
        if isinstance(low, str):
            inside = ((values >= low) & (values <= high)).to_numpy(dtype=bool)
        else:
            with np.errstate(invalid="ignore"):
                inside = np.asarray((values >= low) & (values <= high), dtype=bool)
        inside &= ~_blank(values)
        return ~inside if node.negate else inside
    if isinstance(node, InList):
        values = _values(node.left, ctx, frame)
        member = values.isin(list(node.values)).to_numpy()
        blank = (values == "").to_numpy() if values.dtype == object else values.isna().to_numpy()
        return (~member | blank) if node.negate else (member & ~blank)
    if isinstance(node, Blank):
        values = _values(node.left, ctx, frame)
        blank = (values == "").to_numpy() if values.dtype == object else values.isna().to_numpy()
        return ~blank if node.negate else blank
    if isinstance(node, HasTag):
        holders = ctx.tag_holders.get((node.tag_type, node.tag_name), set())
        return ctx.ids.loc[frame.index].isin(holders).to_numpy()
    if isinstance(node, FollowupWithin):
        counts = ctx.followup_counts(node.days)
        return ctx.ids.loc[frame.index].map(counts).fillna(0).to_numpy() > 0
    raise TypeError(f"not a condition node: {node!r}")
