"""One script for comparing names: traditional characters become simplified ones.

A team in Guangdong, Hong Kong or Taiwan types 華騰科技 for 华腾科技; a customer's own letterhead may
use either. Names are compared after OpenCC's traditional-to-simplified conversion (phrase-aware,
the library every Chinese input method and e-reader uses), so both spellings give one key.

>>> to_simplified("華騰科技（廣州）有限公司")
'华腾科技（广州）有限公司'
>>> to_simplified("ABC 123")
'ABC 123'
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=10_000)
def to_simplified(text: str) -> str:
    """``text`` in simplified characters; text without any CJK character is returned as is."""
    return simplified(text)


def simplified(text: str) -> str:
    """:func:`to_simplified`, not cached (matching converts each distinct name once)."""
    if text.isascii():
        return text
    try:
        return _converter().convert(text)
    except UnicodeEncodeError:  # a lone surrogate (text decoded with surrogateescape): as typed
        return text


def simplified_lines(texts: list[str]) -> list[str]:
    """``[simplified(t) for t in texts]`` for texts holding no line break and no lone surrogate,
    in one call of OpenCC, a text a line: each call costs about a microsecond of its own, and a
    book has 100,000 names. OpenCC reads its dictionaries from text files, a phrase a line, so no
    phrase holds a line break and none is matched across two lines.

    >>> simplified_lines(["華騰", "ABC", "长"])
    ['华腾', 'ABC', '长']
    """
    if not texts:
        return []
    lines = _converter().convert("\n".join(texts)).split("\n")
    if len(lines) != len(texts):  # (never seen: a line break made or lost) each on its own
        return [simplified(t) for t in texts]
    return lines
