"""The condition language of the Rules sheet and of ``xltools query``.

A condition is a small boolean expression over the Customers table, read by our own tokenizer and
recursive-descent parser (never ``eval``) and evaluated vectorised over the whole DataFrame.

Grammar (keywords are case-insensitive; Chinese forms in brackets)::

    expr     := term  (("or" | "或" | "||") term)*
    term     := factor (("and" | "且" | "&&") factor)*
    factor   := ("not" | "非" | "!") factor | "(" expr ")" | atom
    atom     := column OP value                        AnnualSpend >= 100000
              | column ["not"] "in" "[" value, ... "]"  Region in [华南, 华东]
              | column "is" ["not"] "blank"            LastFollowUpTime is blank
              | days_since(column) OP number           days_since(LastFollowUpTime) > 180
              | count_followups(days) OP number        count_followups(30) >= 2
              | followup_within(days)                  at least one follow-up in the last N days
              | has_tag(Type, Name) | tag:Type=Name    the customer carries that tag
    OP       := "=" | "!=" | ">" | ">=" | "<" | "<=" (also == <> ≠ ≥ ≤ and full-width forms)

* ``column`` is a Customers column key (``AnnualSpend``), its Chinese or English header
  (``年度消费金额``), or the header of a column the team added; quote a header holding spaces.
* ``value`` is a number, a date (``2024-03-15``, ``2024/3/15``) or text; text may go unquoted
  (``Industry = IT服务业``) or in quotes (``"A and B"``, ``“…”``) when it holds spaces, brackets
  or the words 且/或. Text compares after trimming and full-width -> half-width folding.
* A blank cell satisfies no comparison except ``!=`` and ``not in``.
* ``days_since`` counts whole days up to ``today``; ``count_followups(N)`` counts FollowUps rows of
  the customer dated in the last N days (today included, future entries excluded).

A mistake raises :class:`ConditionError` (an :class:`~xltools.errors.XlToolsError`) that names the
position and draws a caret under the offending token::

    >>> parse("Region = 华南 and and")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    xltools.core.rules.ConditionError: 条件第 17 个字符处有误:这里应是一个条件,却是 "and"
      Region = 华南 and and
                        ^ / bad condition at position 17: ...

>>> from xltools.testing import make_db
>>> db = make_db({"Customers": [{"CustomerID": "C1", "AnnualSpend": 120000},
...                             {"CustomerID": "C2", "AnnualSpend": 5000}]})
>>> evaluate(parse("AnnualSpend >= 100000"), Context.from_db(db)).tolist()
[True, False]
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..errors import BadInputError

# ------------------------------------------------------------------------------------------ tokens

OPS = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "≠": "!=", ">": ">", ">=": ">=", "≥": ">=",
       "<": "<", "<=": "<=", "≤": "<="}
AND_WORDS = {"and", "且", "&&", "并且"}
OR_WORDS = {"or", "或", "||", "或者"}
NOT_WORDS = {"not", "非", "!"}
NUMBER_FUNCS = {"days_since", "count_followups"}
BOOL_FUNCS = {"has_tag", "followup_within"}

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"[^"]*"|'[^']*'|“[^”]*”|‘[^’]*’)
  | (?P<op>>=|<=|!=|<>|==|&&|\|\||[=<>≠≥≤!])
  | (?P<punct>[()\[\],:])
  | (?P<cjkword>且|或)
  | (?P<word>[^\s"'“”‘’()\[\],:=<>!≠≥≤&|且或]+)
  | (?P<bad>.)
""", re.VERBOSE)


@dataclass(frozen=True)
class Token:
    kind: str      # op, punct, string, word, end
    text: str
    pos: int       # 0-based offset in the condition as typed

    @property
    def lower(self) -> str:
        return self.text.lower()


class ConditionError(BadInputError):
    """A condition we cannot read. ``pos`` is the 0-based offset of the offending token."""

    def __init__(self, text: str, pos: int, zh: str, en: str):
        self.text = text
        self.pos = pos
        self.reason_zh = zh
        self.reason_en = en
        caret = f"\n  {text}\n  {' ' * _display_width(text[:pos])}^"
        super().__init__(f"条件第 {pos + 1} 个字符处有误:{zh}{caret}",
                         f"bad condition at position {pos + 1}: {en}{caret}")


def _display_width(text: str) -> int:
    """Terminal columns ``text`` takes: CJK characters are two wide, so the caret lines up."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def tokenize(text: str) -> list[Token]:
    """Split a condition into tokens; full-width ASCII (＝ （ ＞) is folded first.

    >>> [t.text for t in tokenize("Region＝华南 且 AnnualSpend>=1e5")]
    ['Region', '=', '华南', '且', 'AnnualSpend', '>=', '1e5', '']
    """
    if not isinstance(text, str):
        raise ConditionError("", 0, "条件为空", "the condition is empty")
    # NFKC keeps the string length for these characters, so positions still point at the input.
    folded = "".join(unicodedata.normalize("NFKC", ch) if len(unicodedata.normalize("NFKC", ch)) == 1
                     else ch for ch in text)
    tokens = []
    for m in _TOKEN.finditer(folded):
        kind = m.lastgroup
        if kind == "space":
            continue
        if kind == "bad":
            raise ConditionError(text, m.start(), f"无法识别的字符 \"{m.group()}\"",
                                 f"unexpected character {m.group()!r}")
        if kind == "string":
            tokens.append(Token("string", m.group()[1:-1], m.start()))
        else:
            tokens.append(Token("word" if kind == "cjkword" else kind, m.group(), m.start()))
    tokens.append(Token("end", "", len(text)))
    return tokens


# ------------------------------------------------------------------------------------------- AST


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


# ------------------------------------------------------------------------------------- vocabulary


@dataclass
class Columns:
    """Which names a condition may use for Customers columns, and what each holds."""

    names: dict[str, tuple[str, str]] = field(default_factory=dict)   # folded name -> (key, kind)

    @classmethod
    def for_customers(cls, schema=None, extra: Iterable[str] = ()) -> "Columns":
        from ..schema import load_schema
        schema = schema or load_schema()
        names: dict[str, tuple[str, str]] = {}
        for col in schema.table("Customers").columns:
            kind = "number" if col.is_numeric else "date" if col.is_date else "text"
            for name in (col.key, col.zh, col.en):
                names.setdefault(_fold(name), (col.key, kind))
        for name in extra:
            names.setdefault(_fold(str(name)), (str(name), "text"))
        return cls(names)

    def resolve(self, token: Token, text: str) -> Field:
        found = self.names.get(_fold(token.text))
        if found is None:
            raise ConditionError(text, token.pos, f"没有名为 \"{token.text}\" 的列",
                                 f"no column named {token.text!r}")
        return Field(found[0], found[1], token.text)


def _fold(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().lower()


# ---------------------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str, columns: Columns):
        self.text = text
        self.columns = columns
        self.tokens = tokenize(text)
        self.i = 0

    # helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def fail(self, tok: Token, zh: str, en: str):
        shown = tok.text if tok.kind != "end" else ""
        zh_found = f",却是 \"{shown}\"" if shown else ",却已到结尾"
        en_found = f", found {shown!r}" if shown else ", found the end"
        raise ConditionError(self.text, tok.pos, zh + zh_found, en + en_found)

    def is_word(self, words: set[str]) -> bool:
        return self.tok.kind in ("word", "op") and self.tok.lower in words

    def expect_punct(self, ch: str) -> Token:
        if self.tok.kind != "punct" or self.tok.text != ch:
            self.fail(self.tok, f"这里应是 \"{ch}\"", f"expected {ch!r}")
        return self.take()

    # grammar
    def parse(self):
        if self.tok.kind == "end":
            raise ConditionError(self.text, 0, "条件为空", "the condition is empty")
        node = self.expr()
        if self.tok.kind != "end":
            self.fail(self.tok, "这里应是 and / or 或结尾", "expected and / or or the end")
        return node

    def expr(self):
        node = self.term()
        while self.is_word(OR_WORDS):
            self.take()
            node = Or(node, self.term())
        return node

    def term(self):
        node = self.factor()
        while self.is_word(AND_WORDS):
            self.take()
            node = And(node, self.factor())
        return node

    def factor(self):
        if self.is_word(NOT_WORDS):
            start = self.take().pos
            inner = self.factor()
            end = self.tok.pos
            return Not(inner, self.text[start:end].strip())
        if self.tok.kind == "punct" and self.tok.text == "(":
            self.take()
            node = self.expr()
            self.expect_punct(")")
            return node
        return self.atom()

    def atom(self):
        tok = self.tok
        if tok.kind not in ("word", "string") or (tok.kind == "word" and tok.lower in
                                                   AND_WORDS | OR_WORDS | {"in", "is"}):
            self.fail(tok, "这里应是一个条件", "expected a condition")
        nxt = self.tokens[self.i + 1]
        if tok.kind == "word" and nxt.kind == "punct" and nxt.text == "(":
            return self.function()
        if tok.kind == "word" and tok.lower == "tag" and nxt.kind == "punct" and nxt.text == ":":
            return self.tag_shorthand()
        self.take()
        left = self.columns.resolve(tok, self.text)
        if self.tok.kind == "op" and self.tok.text in OPS:
            return self.comparison(left)
        if self.is_word({"is"}):
            self.take()
            negate = False
            if self.is_word(NOT_WORDS):
                self.take()
                negate = True
            if not self.is_word({"blank", "empty", "空"}):
                self.fail(self.tok, "这里应是 blank", "expected 'blank'")
            self.take()
            return Blank(left, negate)
        negate = False
        if self.is_word(NOT_WORDS) and self.tokens[self.i + 1].lower == "in":
            self.take()
            negate = True
        if self.is_word({"in"}):
            self.take()
            return InList(left, tuple(self.value_list(left)), negate)
        self.fail(self.tok, "这里应是比较符(= != > >= < <=)、in 或 is blank",
                  "expected a comparison (= != > >= < <=), 'in' or 'is blank'")

    def comparison(self, left):
        op_tok = self.take()
        value_tok = self.tok
        if value_tok.kind not in ("word", "string"):
            self.fail(value_tok, "这里应是一个值", "expected a value")
        self.take()
        kind = left.kind if isinstance(left, Field) else "number"
        value = self.convert(value_tok, kind)
        return Compare(left, OPS[op_tok.text], value, value_tok.text)

    def value_list(self, left: Field) -> list:
        self.expect_punct("[")
        values = []
        while True:
            tok = self.tok
            if tok.kind not in ("word", "string"):
                self.fail(tok, "这里应是一个值", "expected a value")
            self.take()
            values.append(self.convert(tok, left.kind))
            if self.tok.kind == "punct" and self.tok.text == ",":
                self.take()
                continue
            self.expect_punct("]")
            return values

    def convert(self, tok: Token, kind: str):
        if kind == "number":
            number = _number(tok.text)
            if number is None:
                self.fail(tok, "这里应是一个数字", "expected a number")
            return number
        if kind == "date":
            date = _date(tok.text)
            if date is None:
                self.fail(tok, "这里应是一个日期(如 2024-03-15)", "expected a date (e.g. 2024-03-15)")
            return date
        return _fold_text(tok.text)

    def function(self):
        name_tok = self.take()
        name = name_tok.lower
        if name not in NUMBER_FUNCS | BOOL_FUNCS:
            raise ConditionError(self.text, name_tok.pos, f"未知函数 \"{name_tok.text}\"(可用:"
                                 "days_since、count_followups、followup_within、has_tag)",
                                 f"unknown function {name_tok.text!r} (known: days_since, "
                                 "count_followups, followup_within, has_tag)")
        self.expect_punct("(")
        args = [self.take_arg()]
        while self.tok.kind == "punct" and self.tok.text == ",":
            self.take()
            args.append(self.take_arg())
        close = self.expect_punct(")")
        text = self.text[name_tok.pos:close.pos + 1]
        want = 2 if name == "has_tag" else 1
        if len(args) != want:
            raise ConditionError(self.text, name_tok.pos, f"{name} 需要 {want} 个参数",
                                 f"{name} takes {want} argument(s)")
        if name == "has_tag":
            return HasTag(args[0].text.strip(), args[1].text.strip())
        if name == "days_since":
            col = self.columns.resolve(args[0], self.text)
            if col.kind != "date":
                raise ConditionError(self.text, args[0].pos, f"\"{args[0].text}\" 不是日期列",
                                     f"{args[0].text!r} is not a date column")
            node = Func(name, (col,), text)
        else:
            days = _number(args[0].text)
            if days is None or days < 0 or days != int(days):
                raise ConditionError(self.text, args[0].pos, "这里应是天数(非负整数)",
                                     "expected a number of days (a whole number >= 0)")
            if name == "followup_within":
                return FollowupWithin(int(days))
            node = Func(name, (int(days),), text)
        if not (self.tok.kind == "op" and self.tok.text in OPS):
            self.fail(self.tok, f"{name}(...) 后应跟比较符,如 > 30", f"{name}(...) needs a comparison, e.g. > 30")
        return self.comparison(node)

    def take_arg(self) -> Token:
        tok = self.tok
        if tok.kind not in ("word", "string"):
            self.fail(tok, "这里应是一个参数", "expected an argument")
        return self.take()

    def tag_shorthand(self):
        self.take()                       # tag
        self.expect_punct(":")
        type_tok = self.take_arg()
        if not (self.tok.kind == "op" and self.tok.text in ("=", "==")):
            self.fail(self.tok, "tag:类型 后应是 =", "expected '=' after tag:Type")
        self.take()
        name_tok = self.take_arg()
        return HasTag(type_tok.text.strip(), name_tok.text.strip())


def parse(text: str, columns: Columns | None = None):
    """Parse a condition into a tree of nodes; raises :class:`ConditionError` on any mistake."""
    return _Parser(text, columns or Columns.for_customers()).parse()


def _number(text: str) -> float | None:
    cleaned = text.replace(",", "").replace("_", "").strip()
    scale = 1
    if cleaned.endswith("万"):
        cleaned, scale = cleaned[:-1], 10_000
    try:
        value = float(cleaned) * scale
    except ValueError:
        return None
    return value if np.isfinite(value) else None


_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def _date(text: str) -> pd.Timestamp | None:
    m = _DATE.match(text.strip()) or re.match(r"^(\d{4})(\d{2})(\d{2})$", text.strip())
    if not m:
        return None
    try:
        return pd.Timestamp(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    except ValueError:
        return None


def _fold_text(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip()


def tags_used(node) -> set[tuple[str, str]]:
    """Every (TagType, TagName) a condition asks about with has_tag / tag:."""
    if isinstance(node, HasTag):
        return {(node.tag_type, node.tag_name)}
    if isinstance(node, (And, Or)):
        return tags_used(node.left) | tags_used(node.right)
    if isinstance(node, Not):
        return tags_used(node.inner)
    return set()


# ------------------------------------------------------------------------------------ evaluation


def as_dates(series: pd.Series) -> pd.Series:
    """Any column of dates as typed (datetime, date, '2024/3/15', Excel serial) -> datetime64, NaT
    for blanks and junk. Times are dropped: rules and reports work in whole days."""
    if pd.api.types.is_datetime64_any_dtype(series):
        out = series
    else:
        values = series.where(series.map(lambda v: isinstance(v, (str, dt.date, dt.datetime,
                                                                    pd.Timestamp))), None)
        text_mask = values.map(lambda v: isinstance(v, str))
        out = pd.to_datetime(values.where(~text_mask, None), errors="coerce")
        if text_mask.any():
            texts = values[text_mask].astype(str).str.strip().str.replace(
                r"[年月/.]", "-", regex=True).str.replace("日", "", regex=False)
            out = out.copy()
            out[text_mask] = pd.to_datetime(texts, errors="coerce", format="mixed")
        numbers = pd.to_numeric(series.where(series.map(lambda v: isinstance(v, (int, float))
                                                        and not isinstance(v, bool))),
                                errors="coerce")
        serial = numbers.between(1, 2958465)
        if serial.any():    # Excel serial day numbers that came through as plain numbers
            out = out.copy()
            out[serial] = pd.Timestamp("1899-12-30") + pd.to_timedelta(numbers[serial].astype(int), "D")
    out = pd.to_datetime(out, errors="coerce")
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    return out.dt.normalize()


def as_numbers(series: pd.Series) -> pd.Series:
    """Numbers as typed ('12,000', ' 5000 ', 3e4) -> float, NaN for blanks and junk."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype(float)
    text = series.astype("string").str.replace(",", "", regex=False).str.strip()
    return pd.to_numeric(text, errors="coerce").astype(float)


def as_text(series: pd.Series) -> pd.Series:
    """Text folded the way literals are (NFKC, trimmed); blanks become ''.

    Whole numbers typed into text columns often come back from readers as 5.0: they read as 5.
    """
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.map(_number_text).astype(object)
    values = series.astype(object)
    not_str = ~values.map(lambda v: isinstance(v, str)).astype(bool)
    if not_str.any():
        values = values.copy()
        values[not_str] = values[not_str].map(_number_text)
    text = values.astype("string").fillna("").str.normalize("NFKC")
    return text.str.strip().astype(object)


def _number_text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, pd.Timestamp)) and value == pd.Timestamp(value).normalize():
        return value.strftime("%Y-%m-%d")
    return str(value)


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
            days = pd.DataFrame({"CustomerID": as_text(f["CustomerID"]),
                                 "day": as_dates(f["FollowUpTime"])})
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


def _eval(node, ctx: Context, frame: pd.DataFrame) -> np.ndarray:
    if isinstance(node, And):
        return _eval(node.left, ctx, frame) & _eval(node.right, ctx, frame)
    if isinstance(node, Or):
        return _eval(node.left, ctx, frame) | _eval(node.right, ctx, frame)
    if isinstance(node, Not):
        return ~_eval(node.inner, ctx, frame)
    if isinstance(node, Compare):
        return _compare(_values(node.left, ctx, frame), node.op, node.value)
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


# ------------------------------------------------------------------------------------- reasons


def explain(node, ctx: Context, frame: pd.DataFrame) -> pd.Series:
    """Why the condition holds, row by row, showing the values: ``AnnualSpend 128000 >= 100000``.

    Meant for the rows where :func:`evaluate` is true (an ``or`` shows the branch that held).
    """
    return pd.Series(_explain(node, ctx, frame), index=frame.index, dtype=object)


def _fmt_values(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").fillna("空")
    if pd.api.types.is_numeric_dtype(values):
        text = values.map(lambda v: "空" if pd.isna(v) else f"{v:g}" if abs(v) < 1e15 else str(v))
        return text.astype(object)
    return values.where(values != "", "空").astype(object)


def _literal(value) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _explain(node, ctx: Context, frame: pd.DataFrame) -> pd.Series:
    idx = frame.index
    if isinstance(node, And):
        return _explain(node.left, ctx, frame) + "; " + _explain(node.right, ctx, frame)
    if isinstance(node, Or):
        left_holds = pd.Series(_eval(node.left, ctx, frame), index=idx)
        return _explain(node.left, ctx, frame).where(left_holds, _explain(node.right, ctx, frame))
    if isinstance(node, Not):
        return pd.Series(node.text, index=idx, dtype=object)
    if isinstance(node, Compare):
        name = node.left.text
        shown = _fmt_values(_values(node.left, ctx, frame))
        return (name + " " + shown + f" {node.op} {_literal(node.value)}").astype(object)
    if isinstance(node, InList):
        shown = _fmt_values(_values(node.left, ctx, frame))
        listed = ", ".join(_literal(v) for v in node.values)
        word = "not in" if node.negate else "in"
        return (node.left.text + " " + shown + f" {word} [{listed}]").astype(object)
    if isinstance(node, Blank):
        return pd.Series(f"{node.left.text} is {'not ' if node.negate else ''}blank", index=idx,
                         dtype=object)
    if isinstance(node, HasTag):
        return pd.Series(f"has_tag({node.tag_type}, {node.tag_name})", index=idx, dtype=object)
    if isinstance(node, FollowupWithin):
        counts = ctx.ids.loc[idx].map(ctx.followup_counts(node.days)).fillna(0).astype(int)
        return (f"followup_within({node.days}): " + counts.astype(str)).astype(object)
    raise TypeError(f"not a condition node: {node!r}")
