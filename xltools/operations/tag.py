"""``xltools tag``: auto tags from the Rules sheet (and customer levels with ``--levels``)."""

from __future__ import annotations

from ..core.tag import tag as run_tag
from ..registry import Param, operation


@operation(
    "tag",
    label_zh="自动标签", label_en="Auto tags",
    help_zh="按“规则”表为客户添加或移除自动标签(手工标签不动);--levels 同时按年度消费更新客户等级。",
    help_en="Add and remove auto tags following the Rules sheet (manual tags are never touched); "
            "--levels also updates CustomerLevel from AnnualSpend.",
    example="xltools tag customers.xlsx --levels",
    group="customers", icon="CategorizeMenu",
    params=(Param("levels", ("--levels",), is_flag=True, default=False,
                  help_zh="按年度消费金额重算客户等级", help_en="Recompute CustomerLevel from AnnualSpend"),),
)
def tag(db, ctx, levels: bool = False):
    return run_tag(db, levels=levels, today=ctx.today)
