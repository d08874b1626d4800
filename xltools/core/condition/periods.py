"""Date words in conditions: 今天, 昨天, 本周, 本月, 上月, 今年, 去年, 近30天, 未来7天 and their
English forms (today, yesterday, this_week, this_month, last_month, this_year, last_year,
last_30_days, next_7_days).

A date word is a span of whole days; ``CreateTime = 本月`` holds for any day of this month,
``CreateTime >= 上月`` from the first day of last month on, ``< 上月`` before it, ``> 上月`` after
its last day. The span is worked out when the condition is evaluated, against its ``today``.

>>> read_period("近30天")
Period(unit='last_days', offset=30, literal='近30天')
>>> read_period("last_month").span("2026-12-03")
(Timestamp('2026-11-01 00:00:00'), Timestamp('2026-11-30 00:00:00'))
>>> read_period("2024-03-15") is None
True
"""

from __future__ import annotations

import re

from .nodes import Period

WORDS = {
    "今天": ("day", 0), "今日": ("day", 0), "today": ("day", 0),
    "昨天": ("day", -1), "昨日": ("day", -1), "yesterday": ("day", -1),
    "明天": ("day", 1), "tomorrow": ("day", 1),
    "本周": ("week", 0), "这周": ("week", 0), "this_week": ("week", 0),
    "上周": ("week", -1), "last_week": ("week", -1),
    "本月": ("month", 0), "这个月": ("month", 0), "this_month": ("month", 0),
    "上月": ("month", -1), "上个月": ("month", -1), "last_month": ("month", -1),
    "下月": ("month", 1), "下个月": ("month", 1), "next_month": ("month", 1),
    "今年": ("year", 0), "本年": ("year", 0), "this_year": ("year", 0),
    "去年": ("year", -1), "last_year": ("year", -1),
}
_LAST = re.compile(r"^(?:近|最近|过去)(\d{1,4})天$|^last_?(\d{1,4})_?days$")
_NEXT = re.compile(r"^(?:未来|今后|接下来)(\d{1,4})天$|^next_?(\d{1,4})_?days$")


def read_period(text: str) -> Period | None:
    """The date word ``text`` names, or None when it is not one."""
    word = text.strip().lower()
    if word in WORDS:
        unit, offset = WORDS[word]
        return Period(unit, offset, text)
    for pattern, unit in ((_LAST, "last_days"), (_NEXT, "next_days")):
        m = pattern.match(word)
        if m:
            days = int(m.group(1) or m.group(2))
            return Period(unit, max(days, 1), text) if days else None
    return None
