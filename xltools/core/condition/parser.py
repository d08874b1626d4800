"""Recursive-descent parser of the condition language (never ``eval``), and the column vocabulary
a condition may use."""

from __future__ import annotations

import unicodedata

import pandas as pd

from ..values import read_date, read_number
from .lexer import (AND_WORDS, BETWEEN_WORDS, BOOL_FUNCS, IN_WORDS, NOT_WORDS, NUMBER_FUNCS, OPS,
                    OR_WORDS, TEXT_TESTS, ConditionError, Token, tokenize)
from .names import Columns
from .nodes import (And, Between, Blank, Compare, Field, FollowupWithin, Func, HasTag, InList, Not,
                    Or, Period, TextMatch)
from .periods import read_period


# Resource limits: a condition is a person's rule, not a program. Past these the parser says so
# at the token that crossed the line, instead of the evaluator running out of stack or of dates.
MAX_DEPTH = 32        # brackets and "not" inside one another
MAX_TERMS = 100       # comparisons and functions in one condition
MAX_DAYS = 36_525     # days a function may look back (100 years): pandas' dates end in 2262


class _Parser:
    def __init__(self, text: str, columns: Columns):
        self.text = text
        self.columns = columns
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0
        self.terms = 0

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
            self.deeper()
            start = self.take().pos
            inner = self.factor()
            end = self.tok.pos
            self.depth -= 1
            return Not(inner, self.text[start:end].strip())
        if self.tok.kind == "punct" and self.tok.text == "(":
            self.deeper()
            self.take()
            node = self.expr()
            self.expect_punct(")")
            self.depth -= 1
            return node
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise ConditionError(self.text, self.tok.pos,
                                 f"一个条件最多 {MAX_TERMS} 个比较,请拆成几条规则",
                                 f"at most {MAX_TERMS} comparisons in one condition; split it "
                                 "into several rules")
        return self.atom()

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionError(self.text, self.tok.pos,
                                 f"括号或 not 最多嵌套 {MAX_DEPTH} 层",
                                 f"brackets and 'not' nest at most {MAX_DEPTH} deep")

    def atom(self):
        tok = self.tok
        if tok.kind not in ("word", "string") or (tok.kind == "word" and tok.lower in
                                                   AND_WORDS | OR_WORDS | IN_WORDS | {"is"}):
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
        if self.is_word(NOT_WORDS) and self.tokens[self.i + 1].lower in (
                IN_WORDS | BETWEEN_WORDS | set(TEXT_TESTS)):
            self.take()
            negate = True
        if self.is_word(IN_WORDS):
            self.take()
            return InList(left, tuple(self.value_list(left)), negate)
        if self.is_word(BETWEEN_WORDS):
            self.take()
            return self.between(left, negate)
        if self.is_word(set(TEXT_TESTS)):
            how = TEXT_TESTS[self.take().lower]
            value_tok = self.tok
            if value_tok.kind not in ("word", "string"):
                self.fail(value_tok, "这里应是要查找的文字", "expected the text to look for")
            self.take()
            return TextMatch(left, how, _fold_text(value_tok.text), negate)
        self.fail(self.tok, "这里应是比较符(= != > >= < <=)、contains、in、between 或 is blank",
                  "expected a comparison (= != > >= < <=), contains, in, between or is blank")

    def between(self, left, negate: bool):
        low_tok = self.tok
        if low_tok.kind not in ("word", "string"):
            self.fail(low_tok, "这里应是一个值", "expected a value")
        self.take()
        if not self.is_word(AND_WORDS | {"和", "到", "至"}):
            self.fail(self.tok, "between 的两个值之间应是 and", "expected 'and' between the two values")
        self.take()
        high_tok = self.tok
        if high_tok.kind not in ("word", "string"):
            self.fail(high_tok, "这里应是一个值", "expected a value")
        self.take()
        kind = left.kind if isinstance(left, Field) else "number"
        return Between(left, self.convert(low_tok, kind), self.convert(high_tok, kind), negate)

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
        """``[华南, 华东]`` or ``(华南, 华东)`` or ``(华南、华东)``: either bracket, either comma."""
        if self.tok.kind == "punct" and self.tok.text in "([":
            close = "]" if self.take().text == "[" else ")"
        else:
            self.fail(self.tok, "in 后应是括号里的值列表,如 (华南, 华东)",
                      "expected a list in brackets after 'in', e.g. (华南, 华东)")
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
            self.expect_punct(close)
            return values

    def convert(self, tok: Token, kind: str):
        if kind == "number":
            number = _number(tok.text)
            if number is None:
                self.fail(tok, "这里应是一个数字", "expected a number")
            return number
        if kind == "date":
            date = _date(tok.text) if tok.kind == "string" else read_period(tok.text) or _date(tok.text)
            if date is None:
                self.fail(tok, "这里应是一个日期(如 2024-03-15)或日期词(今天、本月、上月、近30天)",
                          "expected a date (e.g. 2024-03-15) or a date word (today, this_month, "
                          "last_month, last_30_days)")
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
            if days > MAX_DAYS:
                raise ConditionError(self.text, args[0].pos,
                                     f"天数太大:最多 {MAX_DAYS} 天(100 年)",
                                     f"too many days: at most {MAX_DAYS} (100 years)")
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
    return read_number(text.replace("_", ""))


def _date(text: str) -> pd.Timestamp | None:
    """A date literal, read as cells are (:func:`xltools.core.values.read_date`), as a whole day."""
    date = read_date(text)
    return None if date is None else date.normalize()


def _fold_text(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip()


__all__ = ["Columns", "Period", "parse", "tags_used"]


def tags_used(node) -> set[tuple[str, str]]:
    """Every (TagType, TagName) a condition asks about with has_tag / tag:."""
    if isinstance(node, HasTag):
        return {(node.tag_type, node.tag_name)}
    if isinstance(node, (And, Or)):
        return tags_used(node.left) | tags_used(node.right)
    if isinstance(node, Not):
        return tags_used(node.inner)
    return set()
