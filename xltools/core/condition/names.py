"""Which column a name in a condition means: keys, headers, the import synonyms, and the
shortened headers people type.

A name is looked up in this order: a column key or header in either language (``Region``,
``所属区域``), a header of a column the team added, a synonym from ``schemas/synonyms.yaml``
(``区域``, ``地区``, ``手机``), then any *unambiguous* prefix or part of a header (``所属`` is not
unambiguous; ``消费`` may be). Anything else fails with the closest names as "did you mean".

>>> cols = Columns.for_customers()
>>> [cols.find(name)[0] for name in ("Region", "所属区域", "区域", "手机", "年度消费")]
['Region', 'Region', 'Region', 'ContactPhone', 'AnnualSpend']
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable


from .lexer import ConditionError, Token
from .nodes import Field


def _fold(name: str) -> str:
    return unicodedata.normalize("NFKC", str(name)).strip().lower().replace(" ", "")


def _synonyms() -> dict[str, str]:
    from ...schema import synonyms_doc
    return {_fold(name): key for key, names in (synonyms_doc().get("columns") or {}).items()
            for name in names or ()}


@dataclass
class Columns:
    """Which names a condition may use for Customers columns, and what each holds."""

    names: dict[str, tuple[str, str]] = field(default_factory=dict)   # folded name -> (key, kind)
    aliases: dict[str, tuple[str, str]] = field(default_factory=dict)  # synonyms, tried second
    shown: dict[str, str] = field(default_factory=dict)               # key -> a header to suggest

    @classmethod
    def for_customers(cls, schema=None, extra: Iterable[str] = ()) -> "Columns":
        from ...schema import load_schema
        schema = schema or load_schema()
        names: dict[str, tuple[str, str]] = {}
        kinds: dict[str, str] = {}
        shown: dict[str, str] = {}
        for col in schema.table("Customers").columns:
            kind = "number" if col.is_numeric else "date" if col.is_date else "text"
            kinds[col.key] = kind
            shown.setdefault(col.key, col.zh)
            for name in (col.key, col.zh, col.en):
                names.setdefault(_fold(name), (col.key, kind))
        for name in extra:
            names.setdefault(_fold(str(name)), (str(name), "text"))
            shown.setdefault(str(name), str(name))
        aliases = {name: (key, kinds[key]) for name, key in _synonyms().items() if key in kinds}
        return cls(names, aliases, shown)

    def find(self, name: str) -> tuple[str, str] | list[str]:
        """(key, kind) for a name, or the list of keys an ambiguous or unknown name might mean
        (empty when nothing is close)."""
        folded = _fold(name)
        if folded in self.names:
            return self.names[folded]
        if folded in self.aliases:
            return self.aliases[folded]
        if len(folded) >= 2:
            for test in (str.startswith, str.__contains__):
                keys = {v for n, v in self.names.items() if test(n, folded)}
                if len(keys) == 1:
                    return keys.pop()
                if keys:
                    return sorted(k for k, _ in keys)
        close = difflib.get_close_matches(folded, [*self.names, *self.aliases], n=3, cutoff=0.5)
        return list(dict.fromkeys((self.names.get(c) or self.aliases[c])[0] for c in close))

    def resolve(self, token: Token, text: str) -> Field:
        found = self.find(token.text)
        if isinstance(found, tuple):
            return Field(found[0], found[1], token.text)
        if found:
            options_zh = "、".join(self.shown.get(k, k) for k in found)
            options_en = ", ".join(found)
            raise ConditionError(text, token.pos, f"没有名为 \"{token.text}\" 的列,您是不是指:{options_zh}",
                                 f"no column named {token.text!r}; did you mean: {options_en}")
        raise ConditionError(text, token.pos, f"没有名为 \"{token.text}\" 的列",
                             f"no column named {token.text!r}")
