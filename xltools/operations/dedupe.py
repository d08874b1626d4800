"""Find duplicate customers for review (``dedupe``), then merge what a person approved (``merge``)."""

from __future__ import annotations

from ..changes import Changeset, Result, TableReplace
from ..core.dedupe import THRESHOLD, find_duplicates
from ..core.dedupe.merge import plan_merge
from ..core.dedupe.review import review_rows
from ..registry import Param, operation


@operation(
    "dedupe",
    label_zh="查找重复", label_en="Find duplicates",
    help_zh="找出疑似重复的客户(名称变体、同音错字、信用代码/电话/邮箱相同),写入“查重复核”表供人工确认。"
            "不修改客户数据。",
    help_en="Find customers typed more than once (name variants, homophone typos, same credit code, "
            "phone or e-mail) and list them on the DedupeReview sheet for a person to decide. "
            "Customer data is not changed.",
    example="xltools dedupe team.xlsx --json",
    group="quality", icon="RemoveDuplicates",
    params=(Param("threshold", ("--threshold",), float, THRESHOLD,
                  "最低相似度(0-1)", "Lowest score reported as a duplicate (0-1)"),),
)
def dedupe(db, ctx, threshold: float = THRESHOLD) -> Result:
    clusters = find_duplicates(db, threshold=threshold)
    rows, links = review_rows(db, clusters)
    changes = Changeset("dedupe", replaces=[TableReplace("Review", rows, links)])
    records = sum(len(c.ids) for c in clusters)
    sheet = db.schema.table("Review").title(db.lang)
    return Result(
        changes=changes,
        data={"clusters": [c.to_json() for c in clusters], "records": records},
        summary_zh=f"发现 {len(clusters)} 组疑似重复({records} 条记录),请在“{sheet}”表中选择保留记录并填写 批准/拒绝,然后运行 merge。",
        summary_en=f"{len(clusters)} clusters of likely duplicates ({records} records). On the {sheet} sheet "
                   f"pick the record to keep, set 批准 (approve) or 拒绝 (reject), then run merge.",
        problems=False)


@operation(
    "merge",
    label_zh="合并重复", label_en="Merge duplicates",
    help_zh="按“查重复核”表的决定合并:补全保留记录的空白字段,跟进/标签/商机改挂到保留记录,"
            "被合并的记录移到“归档客户”表;拒绝的组记入“非重复记录”,以后不再提示。可用 undo 撤销。",
    help_en="Apply the decisions on the DedupeReview sheet: fill the kept record's blanks, re-point "
            "follow-ups, tags and opportunities to it, move merged records to the Archive sheet; "
            "rejected pairs go to NotDuplicates and are not proposed again. Undo restores the book.",
    example="xltools merge team.xlsx --dry-run",
    group="quality", icon="MergeCells",
    params=(Param("fill", ("--fill",), str, "newest",
                  "保留记录的空白字段取值:newest 最新记录 / oldest 最早记录 / none 不补全",
                  "Fill the kept record's blanks from the newest or oldest other record, or none"),),
)
def merge(db, ctx, fill: str = "newest") -> Result:
    plan = plan_merge(db, fill=fill, today=ctx.today)
    n = sum(len(m["merged"]) for m in plan.merged)
    return Result(
        changes=plan.changes, issues=plan.issues,
        data={"merged": plan.merged, "rejected_pairs": [list(p) for p in plan.rejected],
              "pending_clusters": plan.pending, "changes": plan.changes.data_changes()},
        summary_zh=f"合并 {len(plan.merged)} 组,归档 {n} 条记录;记住 {len(plan.rejected)} 对非重复;"
                   f"{plan.pending} 组待定。",
        summary_en=f"Merged {len(plan.merged)} clusters, archived {n} records; remembered "
                   f"{len(plan.rejected)} pairs as different; {plan.pending} clusters still pending.")
