"""``xltools pool``: preview (or with --apply perform) the return of idle customers to 公海."""

from __future__ import annotations

from ..core.pool import pool as run_pool
from ..registry import Param, operation


@operation(
    "pool",
    label_zh="公海回收", label_en="Public pool",
    help_zh="列出超过 N 天无跟进、应退回公海的客户及未来 7 天将到期的客户(按负责人);"
            "加 --apply 才真正把负责人改为公海。",
    help_en="List customers with no follow-up for N days (due back to the public pool) and, per "
            "owner, those due within 7 days; --apply moves them (Owner = the pool owner).",
    example="xltools pool customers.xlsx --days 30 --apply",
    group="customers", icon="FolderMove",
    params=(Param("days", ("--days",), type=int, default=None,
                  help_zh="无跟进天数(默认取设置 PoolDays)",
                  help_en="Days without follow-up (default: Settings PoolDays)"),
            Param("apply", ("--apply",), is_flag=True, default=False,
                  help_zh="执行回收(否则只预览)", help_en="Move them (otherwise preview only)")),
)
def pool(db, ctx, days: int | None = None, apply: bool = False):
    return run_pool(db, days=days, apply=apply, today=ctx.today)
