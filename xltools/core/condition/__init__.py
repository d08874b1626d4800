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
    xltools.core.condition.lexer.ConditionError: 条件第 17 个字符处有误:这里应是一个条件,却是 "and" / bad condition at position 17: ...
      Region = 华南 and and
                        ^

>>> from xltools.testing import make_db
>>> db = make_db({"Customers": [{"CustomerID": "C1", "AnnualSpend": 120000},
...                             {"CustomerID": "C2", "AnnualSpend": 5000}]})
>>> evaluate(parse("AnnualSpend >= 100000"), Context.from_db(db)).tolist()
[True, False]
"""

from __future__ import annotations

from ..values import as_dates, as_numbers, as_text
from .evaluate import Context, evaluate, holders_by_tag
from .explain import explain
from .lexer import ConditionError, Token, tokenize
from .nodes import And, Blank, Compare, Field, FollowupWithin, Func, HasTag, InList, Not, Or
from .parser import Columns, parse, tags_used

__all__ = ["And", "Blank", "Columns", "Compare", "ConditionError", "Context", "Field",
           "FollowupWithin", "Func", "HasTag", "InList", "Not", "Or", "Token", "as_dates",
           "as_numbers", "as_text", "evaluate", "explain", "holders_by_tag", "parse", "tags_used",
           "tokenize"]
