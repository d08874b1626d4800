"""``xltools tags``: the quarterly tag review, and ``--rename OLD NEW``."""

from __future__ import annotations

from ..core.tags_report import rename_tag, tag_usage
from ..registry import Param, operation


@operation(
    "tags",
    label_zh="标签整理", label_en="Tag review",
    help_zh="统计各标签的使用次数,列出未使用的标签类型和超过一个季度无人使用、也无规则产生的标签;"
            "--rename 旧名 新名 在标签表和规则表中统一改名(可写 类型/旧名)。",
    help_en="Count how often each tag is used; list unused tag types and tags nobody and no rule "
            "has used for a quarter; --rename OLD NEW renames a tag in Tags and Rules "
            "(OLD may be Type/Name).",
    example="xltools tags customers.xlsx --rename 高价值 重点客户",
    group="reports", icon="TagsCustomize",
    params=(Param("rename", ("--rename",), type=(str, str), default=None,
                  help_zh="把标签 OLD 改名为 NEW", help_en="Rename tag OLD to NEW"),),
)
def tags(db, ctx, rename: tuple[str, str] | None = None):
    if rename:
        return rename_tag(db, rename[0], rename[1])
    return tag_usage(db, today=ctx.today)
