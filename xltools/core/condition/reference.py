"""The condition language in one table: what people can type in ``xltools query``, the Rules
sheet and ``--where``. ``xltools query --help`` and the README's reference are made from it, and a
test runs every example against the demo book.
"""

from __future__ import annotations

# (form, meaning in Chinese, meaning in English, an example that runs on the demo book)
REFERENCE: tuple[tuple[str, str, str, str], ...] = (
    ("列 = 值, !=, >, >=, <, <=", "比较;文字不分全角半角,空单元格只满足 !=",
     "compare; text ignores full/half width, a blank cell satisfies only !=",
     "AnnualSpend >= 100000"),
    ("列 contains 文字 / 包含", "含有这段文字(不分大小写);not contains / 不包含 取反",
     "holds this text (any case); not contains negates", "客户名称 contains 科技"),
    ("列 startswith / endswith 文字", "以……开头 / 结尾(开头是 / 结尾是)",
     "starts / ends with the text", "CustomerName endswith 有限公司"),
    ("列 in (值, 值)", "是其中之一;方括号、中文顿号也可以;not in 取反",
     "is one of the values; [ ] and 、 work too; not in negates", "Region in (华南, 华东)"),
    ("列 between 低 and 高", "在两值之间(含两端);也可写 介于 低 和 高",
     "between the two values, both included", "DealAmount between 100000 and 500000"),
    ("日期列 = 日期词", "今天、昨天、本周、上周、本月、上月、今年、去年、近30天、未来7天"
     "(today, this_month, last_month, last_30_days, next_7_days …)",
     "date words: a span of days counted from today", "CreateTime = 今年"),
    ("列 is blank / is not blank", "为空 / 不为空", "is empty / is not empty",
     "Email is not blank"),
    ("days_since(日期列) > N", "距今天数", "whole days from the date to today",
     "days_since(LastFollowUpTime) > 180"),
    ("count_followups(N) >= K", "近 N 天内(含今天)的跟进记录条数", "follow-ups dated in the last N "
     "days, today included", "count_followups(90) >= 2"),
    ("followup_within(N)", "近 N 天内(含今天)有过跟进(回看,不是计划中的下次跟进)",
     "had a follow-up in the last N days, today included (looks back; not the planned next one)",
     "followup_within(30)"),
    ("has_tag(类型, 名称) / tag:类型=名称", "带有该标签", "carries the tag",
     "tag:价值=高价值"),
    ("条件 and 条件, or, not, ( )", "并且 / 或者 / 取反;也可写 且 / 或 / 非",
     "both / either / not; 且 / 或 / 非 too", "not (Region = 华南) and CustomerLevel = VIP"),
)

COLUMN_NAMES_ZH = ("列可写键名、中文或英文表头、导入用的同义词(区域 = 所属区域),或能唯一确定的表头前缀/片段;"
                   "写错时会提示最接近的列名。")
COLUMN_NAMES_EN = ("A column may be its key, its Chinese or English header, an import synonym "
                   "(区域 = 所属区域) or any unambiguous prefix or part of a header; a wrong name gets "
                   "a \"did you mean\".")


def help_text(lang: str) -> str:
    """The reference as lines for ``--help`` (click keeps lines after a ``\\b``)."""
    lines = []
    for form, zh, en, example in REFERENCE:
        lines.append(f"  {form}: {zh if lang == 'zh' else en}")
        lines.append(f"      e.g. {example}")
    lines.append("  " + (COLUMN_NAMES_ZH if lang == "zh" else COLUMN_NAMES_EN))
    return "\n".join(lines)


def markdown_table() -> str:
    """The README's reference table."""
    rows = ["| form | 含义 | meaning | example |", "|---|---|---|---|"]
    for form, zh, en, example in REFERENCE:
        rows.append(f"| `{form}` | {zh} | {en} | `{example}` |".replace("|`", "| `"))
    return "\n".join(rows)
