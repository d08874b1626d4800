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
