"""Checks one column can answer alone: required, dropdown lists, types, minimums, ID pattern, unique.

All of them come from the column's definition in ``schemas/tables.yaml`` and the book's own Lists.
"""

from __future__ import annotations

import re

from . import CheckSpec, Context, Rule, fixed
from ..values import as_numbers
from .values import matches

ORDER = 10
CHECKS = (
    CheckSpec("required", "error", "必填", "required", "a required field is blank"),
    CheckSpec("list", "error", "下拉值", "dropdown value",
              "a value outside the book's dropdown list (pasting bypasses Excel's check)"),
    CheckSpec("type", "error", "类型", "type", "not a date / not a number / not an e-mail address"),
    CheckSpec("min", "error", "最小值", "minimum", "a number below its minimum (negative amounts)"),
    CheckSpec("id_format", "error", "编号格式", "ID format",
              "an ID that does not match its pattern (C + 11 digits ...)"),
    CheckSpec("unique", "error", "编号重复", "unique ID", "the same ID on two rows"),
)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def rules(ctx: Context, table_key: str) -> list[Rule]:
    table = ctx.db.schema.table(table_key)
    df = ctx.db.df(table_key)
    out: list[Rule] = []
    for col in table.columns:
        if col.key not in df.columns:
            continue
        zh, en, key = col.zh, col.en, col.key
        # Blanks are computed (once) only for columns some rule below looks at.
        empty = (lambda k=key: ctx.blank(table_key, k))
        if col.required:
            missing = empty()
            out.append(Rule("required", table_key, key, lambda s, m=missing: ~m.reindex(s.index),
                            fixed(f"必填项「{zh}」为空", f"required field {en} is blank")))
        if col.type == "list":
            out.append(_in_list(ctx, table_key, col))
        if col.is_date:
            ok = empty() | ctx.dates(table_key, key).notna()
            out.append(Rule("type", table_key, key, lambda s, ok=ok: ok.reindex(s.index),
                            fixed(f"「{zh}」不是有效日期", f"{en} is not a valid date")))
        if col.is_numeric:
            numbers = as_numbers(df[key])
            ok = empty() | numbers.notna()
            out.append(Rule("type", table_key, key, lambda s, ok=ok: ok.reindex(s.index),
                            fixed(f"「{zh}」不是数字", f"{en} is not a number")))
            if col.min is not None:
                low = col.min
                below = numbers < low
                out.append(Rule("min", table_key, key, lambda s, b=below: ~b.reindex(s.index),
                                fixed(f"「{zh}」不能小于 {low:g}", f"{en} may not be below {low:g}")))
        if col.type == "email":
            out.append(Rule("type", table_key, key, _email_rule(ctx, table_key, key),
                            fixed(f"「{zh}」不是有效的邮箱地址", f"{en} is not a valid e-mail address")))
        if col.pattern:
            ok = empty() | ctx.matches(table_key, key, col.pattern)
            out.append(Rule("id_format", table_key, key, lambda s, ok=ok: ok.reindex(s.index),
                            fixed(f"「{zh}」格式不对,应为:{col.help_zh or col.pattern}",
                                  f"{en} has the wrong format; expected: {col.help_en or col.pattern}")))
        if col.unique:
            dup = ~empty() & ctx.text(table_key, key).duplicated(keep=False)
            out.append(Rule("unique", table_key, key, lambda s, d=dup: ~d.reindex(s.index),
                            fixed(f"「{zh}」重复:同一编号出现在多行",
                                  f"duplicate {en}: the same ID on several rows")))
    return out


def _in_list(ctx: Context, table_key: str, col) -> Rule:
    allowed = {str(v).strip() for v in ctx.db.lists.get(col.list, []) if str(v).strip()}
    shown = "、".join(sorted(allowed))[:80]
    ok = ctx.blank(table_key, col.key) | ctx.isin(table_key, col.key, allowed)
    # How to fix it: the list lives on the Lists sheet, where the team adds its own options
    # (a new salesperson's name, first of all).
    list_zh = ctx.db.schema.list(col.list).zh
    hint_zh = f";如是新选项,请在“字典”表“{list_zh}”列添加"
    hint_en = f"; if it is a new option, add it to the {col.list} column of the Lists sheet"
    return Rule("list", table_key, col.key, lambda s: ok.reindex(s.index),
                fixed(f"「{col.zh}」的值不在下拉列表中(可选:{shown}){hint_zh}",
                      f"{col.en} is not one of the dropdown values ({shown}){hint_en}"))


def _email_rule(ctx: Context, table_key: str, column: str):
    ok = ctx.blank(table_key, column) | matches(ctx.text(table_key, column), EMAIL.pattern) \
        | ctx.masked(table_key, column)
    return lambda s: ok.reindex(s.index)
