"""Tokens of the condition language, and the error that points at a wrong one."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ...errors import BadInputError

OPS = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "≠": "!=", ">": ">", ">=": ">=", "≥": ">=",
       "<": "<", "<=": "<=", "≤": "<="}
AND_WORDS = {"and", "且", "&&", "并且"}
OR_WORDS = {"or", "或", "||", "或者"}
NOT_WORDS = {"not", "非", "!"}
TEXT_TESTS = {"contains": "contains", "包含": "contains", "含有": "contains",
              "startswith": "startswith", "starts_with": "startswith", "开头是": "startswith",
              "endswith": "endswith", "ends_with": "endswith", "结尾是": "endswith"}
BETWEEN_WORDS = {"between", "介于"}
IN_WORDS = {"in", "属于"}
NUMBER_FUNCS = {"days_since", "count_followups"}
BOOL_FUNCS = {"has_tag", "followup_within"}

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"[^"]*"|'[^']*'|“[^”]*”|‘[^’]*’)
  | (?P<op>>=|<=|!=|<>|==|&&|\|\||[=<>≠≥≤!])
  | (?P<punct>[()\[\],:、;])
  | (?P<cjkword>且|或|不包含|包含|开头是|结尾是|介于)
  | (?P<word>[^\s"'“”‘’()\[\],:、;=<>!≠≥≤&|且或]+?(?=不包含|包含|开头是|结尾是|介于|[\s"'“”‘’()\[\],:、;=<>!≠≥≤&|且或]|$))
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
        caret = f"  {text}\n  {' ' * _display_width(text[:pos])}^"
        super().__init__(f"条件第 {pos + 1} 个字符处有误:{zh}",
                         f"bad condition at position {pos + 1}: {en}", detail=caret)


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
        elif kind == "punct" and m.group() in "、;":
            tokens.append(Token("punct", ",", m.start()))  # 华南、华东: a list separator
        elif m.group() == "不包含":
            tokens += [Token("word", "not", m.start()), Token("word", "包含", m.start() + 1)]
        else:
            tokens.append(Token("word" if kind == "cjkword" else kind, m.group(), m.start()))
    tokens.append(Token("end", "", len(text)))
    return tokens
