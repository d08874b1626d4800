"""The validation checks, one concept per module, and how a team turns them on, off or down.

Every check is a :class:`Rule` on one cell column: a vectorised test (``Series -> Series[bool]``,
True where the cell passes) plus a bilingual message. ``xltools.core.validate`` hands the rules to
pandera as column checks, so a failure always names exactly one cell. Rules that look at other
columns (a company needs a credit code, the next follow-up is not before the last) read them from
the frame they were built for; pandera's DataFrame-level checks would report every column of a
failing row instead (DESIGN.md: the failure-case explosion).

Check names are stable keys, used in ``--json``, in the Issues sheet and in the configuration:

=============  ========  ==========================================================================
check          default   what fails
=============  ========  ==========================================================================
required       error     a required field is blank
list           error     a value outside the book's dropdown list (pasting bypasses Excel's check)
type           error     not a date / not a number / not an e-mail address
min            error     a number below its minimum (negative amounts)
future_date    error     a past event (CreateTime, FollowUpTime ...) dated after today
date_order     error     NextFollowUpTime before LastFollowUpTime
id_format      error     an ID that does not match its pattern (C + 11 digits ...)
unique         error     the same ID on two rows
uscc           error     a company's 统一社会信用代码: length, characters, check digit
idcard         error     a person's 身份证号: length, digits, check digit, birth date, area code
code_required  error     a company (企业) without a credit code
phone          error     not a mainland mobile or landline number (masked forms are accepted)
unmasked       warning   a raw phone, 身份证号 or e-mail left in the book ("run mask")
duplicate      warning   two customers with the same credit code or the same phone (fingerprint)
reference      error     a follow-up, tag or opportunity whose CustomerID is not in Customers
region         warning   Region disagrees with the province the credit code / ID was issued in
=============  ========  ==========================================================================

Each check module declares its checks (``CHECKS``: name, default severity, labels, help) beside the
code that makes their rules, and :func:`check_modules` finds the modules by name: a new check is
one module and nothing else (tests/test_checks_spec.py keeps this table true).

A team that disagrees changes a check's severity, or turns it off, in either place:

* the Settings sheet: a row ``validate.unmasked`` with value ``off`` (or ``error``, ``warning``;
  also ``关闭``, ``错误``, ``警告``);
* ``validate(db, config={"unmasked": "off", "region": "error"})`` from Python, which wins.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SETTING_PREFIX = "validate."
_WORDS = {"error": "error", "错误": "error", "warning": "warning", "警告": "warning",
          "off": "off", "关闭": "off", "否": "off", "no": "off", "false": "off"}


@dataclass(frozen=True)
class CheckSpec:
    """A check as a team sees it: its stable name, default severity, label and what fails."""

    name: str
    severity: str            # "error" or "warning" unless the team changes it
    label_zh: str
    label_en: str
    help_en: str = ""


def check_modules() -> list[ModuleType]:
    """Every module of this package that declares checks (``CHECKS``) and makes their rules
    (``rules(ctx, table_key)``), found by name: a new check is one new module and nothing else.
    ``ORDER`` (default 100) places a module's issues among several on the same cell."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "CHECKS") and hasattr(module, "rules"):
            found.append(module)
    return sorted(found, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


def specs() -> dict[str, CheckSpec]:
    """Every check by name, in the order their modules run."""
    out: dict[str, CheckSpec] = {}
    for module in check_modules():
        for spec in module.CHECKS:
            if spec.name in out:
                raise ValueError(f"check {spec.name!r} declared twice")
            out[spec.name] = spec
    return out


def default_severity() -> dict[str, str]:
    """Check name -> its default severity."""
    return {name: spec.severity for name, spec in specs().items()}


@dataclass
class Rule:
    """One check on one column of one table.

    ``test`` gets the column (index = Excel rows) and returns True where a cell passes. Blank cells
    reach it too (pandera's ``ignore_na`` is off), so a rule says itself whether blank is fine.
    ``message(row, value)`` returns ``(zh, en)``; ``label_zh``/``label_en`` are the column's headers.
    """

    check: str
    table: str
    column: str
    test: Callable[[pd.Series], pd.Series]
    message: Callable[[int, Any], tuple[str, str]]

    @property
    def name(self) -> str:
        return f"{self.table}.{self.column}.{self.check}"


@dataclass
class Context:
    """What the rules of one run share: the book, the day, and results worth computing once."""

    db: Any
    today: _dt.date
    cache: dict = field(default_factory=dict)

    def once(self, key, compute: Callable[[], Any]):
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def blank(self, table: str, column: str) -> pd.Series:
        """Which cells of a column are blank (several rules ask; computed once). A column of
        text answers from its :meth:`trimmed` Arrow text; a column mixing text with dates or
        numbers looks at its text cells only."""
        from ..values import arrow_mask
        from .values import blank

        def compute():
            s = self.db.df(table)[column]
            if s.dtype.kind in "biufcmM":
                return s.isna()
            trimmed = self.trimmed(table, column)
            if trimmed is None:
                return blank(s)
            return self._rows(table, column, arrow_mask(pc.equal(trimmed.fill_null(""), ""),
                                                        self._cells(table, column).index))
        return self.once(("blank", table, column), compute)

    def text(self, table: str, column: str) -> pd.Series:
        """A column as trimmed text ('' for blanks), for list, pattern and uniqueness
        comparisons."""
        return self.once(("text", table, column),
                         lambda: self._rows(table, column, self._text(table, column)))

    def _text(self, table: str, column: str) -> pd.Series:
        """:meth:`text` of the column's :meth:`_cells`."""
        from .values import trimmed_text
        return self.once(("cells text", table, column), lambda: trimmed_text(
            self._cells(table, column), self._arrow(table, column), self.trimmed(table, column)))

    def matches(self, table: str, column: str, pattern: str) -> pd.Series:
        """:func:`.values.matches` of the column's :meth:`text` (from its Arrow text when the
        column has one: not converted again)."""
        from .values import matches
        trimmed = self.trimmed(table, column)
        return self._rows(table, column, matches(
            self._text(table, column), pattern, None if trimmed is None else trimmed.fill_null("")))

    def masked(self, table: str, column: str) -> pd.Series:
        """Which cells carry a mask (:func:`.values.masked`; the personal-data columns are asked
        by several checks)."""
        from .values import masked
        return self.once(("masked", table, column), lambda: self._rows(table, column, masked(
            self._cells(table, column), self._arrow(table, column))))

    def trimmed(self, table: str, column: str):
        """The column's :meth:`_cells` of text and blanks as Arrow text without surrounding
        spaces (nulls for empty cells), or None for a column holding anything else: blanks and
        dropdown values are answered in Arrow's kernels, without a Python string per cell. Kept
        until :meth:`release_text` (blank, isin and text each ask it of most columns)."""
        def compute():
            arr = self._arrow(table, column)
            return None if arr is None else pc.utf8_trim_whitespace(arr)
        return self.once(("trimmed", table, column), compute)

    def isin(self, table: str, column: str, values: set[str], name=None) -> pd.Series:
        """Which cells' trimmed text is one of ``values`` (a dropdown list, the customer IDs).
        ``name``: what the values are, when several columns are checked against them (the
        customer IDs three tables point at: made Arrow text once)."""
        from ..values import arrow_mask
        trimmed = self.trimmed(table, column)

        def as_arrow():
            try:
                return pa.array(list(values), pa.string())
            except UnicodeEncodeError:      # a lone surrogate among them (a live Excel cell)
                return None
        value_set = None if trimmed is None else \
            as_arrow() if name is None else self.once(("value set", name), as_arrow)
        if value_set is None:
            return self.text(table, column).isin(values)
        return self._rows(table, column, arrow_mask(pc.is_in(trimmed, value_set=value_set),
                                                    self._cells(table, column).index))

    def _cells(self, table: str, column: str) -> pd.Series:
        """What the answers about a column's text are computed on: a column of text that
        repeats a few values (a dropdown's: 500,000 follow-ups' Method) once per distinct value,
        each row then taking its value's answer (:meth:`_rows`); any other column as it is.
        Kept until :meth:`release_text`."""
        from .values import repeats

        def text_only(values) -> bool:    # (5 and 5.0 are one value to factorize, not one text)
            return pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")

        def compute():
            s = self.db.df(table)[column]
            if s.dtype != object or not repeats(s) or not text_only(s.iloc[:1000]):
                return s
            codes, values = pd.factorize(s, use_na_sentinel=False)  # (blanks: one value)
            if not text_only(values):
                return s
            self.cache[("codes", table, column)] = codes
            return pd.Series(values, dtype=object)
        return self.once(("cells", table, column), compute)

    def _rows(self, table: str, column: str, answer: pd.Series) -> pd.Series:
        """An answer about a column's :meth:`_cells` as one answer per row."""
        codes = self.cache.get(("codes", table, column))
        if codes is None:
            return answer
        return pd.Series(answer.to_numpy()[codes], index=self.db.df(table).index,
                         dtype=answer.dtype)

    def _arrow(self, table: str, column: str):
        """The column's :meth:`_cells` as Arrow text, or None; kept until :meth:`release_text`."""
        from ..values import arrow_text

        def compute():
            s = self._cells(table, column)
            return arrow_text(s) if s.dtype == object else None
        return self.once(("arrow", table, column), compute)

    def release_text(self) -> None:
        """Drop the columns held as text (a big book's text held again costs what its rows
        cost: kept while the rules are made, not while they are checked)."""
        for key in [k for k in self.cache
                    if k[0] in ("arrow", "trimmed", "cells", "codes", "cells text", "value set")]:
            del self.cache[key]

    def dates(self, table: str, column: str) -> pd.Series:
        """A column as datetime64 (NaT for blanks and non-dates), parsed once."""
        from ..values import as_dates
        return self.once(("dates", table, column),
                         lambda: as_dates(self.db.df(table)[column], times=True))

    def label(self, table: str, column: str) -> tuple[str, str]:
        col = self.db.schema.table(table).column(column)
        return col.zh, col.en


def severities(db, config: dict | None = None) -> dict[str, str]:
    """Each check's severity ('error', 'warning' or 'off'): defaults < Settings sheet < ``config``."""
    out = default_severity()
    for name, value in (db.settings or {}).items():
        if str(name).lower().startswith(SETTING_PREFIX):
            check = str(name)[len(SETTING_PREFIX):].strip()
            word = _WORDS.get(str(value).strip().lower())
            if check in out and word:
                out[check] = word
    for check, value in (config or {}).items():
        word = _WORDS.get(str(value).strip().lower())
        if check not in out:
            raise ValueError(f"unknown check {check!r}; known: {', '.join(out)}")
        if word is None:
            raise ValueError(f"check {check!r}: severity must be error, warning or off")
        out[check] = word
    return out


@dataclass(frozen=True)
class fixed:  # noqa: N801 - used as a function: fixed(zh, en)
    """A message that does not depend on the row (validation reads ``text`` once per check
    instead of calling it per failing cell: a legacy book has a million)."""

    zh: str
    en: str

    @property
    def text(self) -> tuple[str, str]:
        return self.zh, self.en

    def __call__(self, row, value) -> tuple[str, str]:
        return self.zh, self.en


def per_row(details: pd.Series | dict, zh_default: str = "", en_default: str = ""
            ) -> Callable[[int, Any], tuple[str, str]]:
    """A message looked up by row in ``details`` (row -> (zh, en))."""
    get = details.get if hasattr(details, "get") else (lambda row: None)

    def message(row, value):         # (called once per failing cell: 90,000 on a big book)
        got = get(row)
        return got if got else (zh_default, en_default)
    return message
