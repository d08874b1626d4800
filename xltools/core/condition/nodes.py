"""The tree a condition parses into: comparisons, lists, blanks, tags and the boolean glue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    """A Customers column named in a condition. ``kind`` is number, date or text."""
    key: str
    kind: str
    text: str


@dataclass(frozen=True)
class Func:
    name: str
    args: tuple
    text: str


@dataclass(frozen=True)
class Compare:
    left: Field | Func
    op: str
    value: Any          # float, pd.Timestamp or str, already converted for the left side
    literal: str


@dataclass(frozen=True)
class InList:
    left: Field
    values: tuple
    negate: bool


@dataclass(frozen=True)
class TextMatch:
    """``客户名称 contains 科技``, ``startswith``, ``endswith``: a text test on a column."""
    left: Field
    how: str            # contains, startswith, endswith
    value: str
    negate: bool


@dataclass(frozen=True)
class Between:
    """``DealAmount between 10000 and 50000``: both ends included."""
    left: Field | Func
    low: Any
    high: Any
    negate: bool


@dataclass(frozen=True)
class Period:
    """A date word (今天, 本月, 上月, 近30天 ...): a span of whole days resolved against ``today``
    when the condition is evaluated, so a saved rule means the same thing next month."""
    unit: str           # day, week, month, year, last_days, next_days
    offset: int         # 0 this, -1 the previous (上月, 去年, 昨天); N for last_days/next_days
    literal: str

    def span(self, today):
        """(first day, last day) of the period, both included."""
        import pandas as pd
        today = pd.Timestamp(today).normalize()
        if self.unit == "day":
            day = today + pd.Timedelta(days=self.offset)
            return day, day
        if self.unit == "last_days":
            return today - pd.Timedelta(days=self.offset - 1), today
        if self.unit == "next_days":
            return today, today + pd.Timedelta(days=self.offset - 1)
        if self.unit == "week":
            start = today - pd.Timedelta(days=today.weekday()) + pd.Timedelta(weeks=self.offset)
            return start, start + pd.Timedelta(days=6)
        if self.unit == "month":
            start = (today.replace(day=1) + pd.DateOffset(months=self.offset)).normalize()
            return start, (start + pd.offsets.MonthEnd(0)).normalize()
        start = pd.Timestamp(year=today.year + self.offset, month=1, day=1)
        return start, pd.Timestamp(year=today.year + self.offset, month=12, day=31)


@dataclass(frozen=True)
class Blank:
    left: Field
    negate: bool


@dataclass(frozen=True)
class HasTag:
    tag_type: str
    tag_name: str


@dataclass(frozen=True)
class FollowupWithin:
    days: int


@dataclass(frozen=True)
class And:
    left: Any
    right: Any


@dataclass(frozen=True)
class Or:
    left: Any
    right: Any


@dataclass(frozen=True)
class Not:
    inner: Any
    text: str
