"""Team mode: ``split`` the master into one book per member, ``gather`` them back (three-way),
``resolve`` the conflicts a person decided. The work is in :mod:`xltools.team`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..changes import Changeset, Result, RowAppend
from ..errors import BadInputError, BookLockedError
from ..registry import Param, operation
from ..schema import DATA_TABLES
from ..team import roles
from ..team.books import expand, open_books
from ..team.gather import plan_gather
from ..team.split import book_name, plan_split, write_member_book


@operation(
    "split",
    label_zh="分发成员工作簿", label_en="Split for the team",
    help_zh="为团队每位成员生成自己的工作簿 DIR/<姓名>.xlsx:本人的客户(主管:所带小组的;管理员:全部)"
            "及其跟进、标签、商机,可认领的公海客户,共用的规则/设置/团队/字典,本人的汇总与待跟进名单;"
            "不含其他成员的任何数据。隐藏部分记录分发批次和每条记录的指纹,供 gather 三方合并。",
    help_en="Write one book per team member, DIR/<name>.xlsx: their customers (a lead: their "
            "team's; an admin: all) with follow-ups, tags and opportunities, the public-pool "
            "customers they may claim, the shared Rules/Settings/Team/Lists, their own Summary and "
            "due list; nothing of other members. A hidden part records the split and a "
            "fingerprint of every record, so gather can merge three-way.",
    example="xltools split team.xlsx -o members/",
    group="customers", icon="ReviewShareWorkbook",
    params=(Param("output", ("-o", "--output"), required=True,
                  help_zh="成员工作簿所在文件夹", help_en="Folder for the members' books"),
            Param("member", ("--member",), multiple=True,
                  help_zh="只为这些成员生成(可重复)", help_en="Only these members (repeatable)"),
            Param("force", ("--force",), is_flag=True, default=False,
                  help_zh="覆盖已有的成员工作簿(其中未合并的修改会丢失)",
                  help_en="Overwrite members' books already there (unmerged edits in them are lost)")),
)
def split(db, ctx, output: str, member: tuple[str, ...] = (), force: bool = False) -> Result:
    dry_run, today = ctx.dry_run, ctx.today
    out = Path(output)
    team = [roles.member(db, m) for m in member] if member else roles.members(db)
    if not team:
        raise BadInputError("团队中没有成员:请在“团队”表或“字典”表的销售人员中填写姓名",
                            "no team members: list them on the Team sheet or the Lists "
                            "sheet's Staff")
    now = dt.datetime.now().replace(microsecond=0)
    plan = plan_split(db, team, now)
    targets = {p.member.name: out / book_name(p.member.name) for p in plan.members}
    for path in targets.values():
        if db.path is not None and path.exists() and _same_file(path, Path(db.path)):
            raise BadInputError(f"成员工作簿 {path} 就是主工作簿:已拒绝(--force 也不会覆盖它),请换一个输出文件夹",
                                f"the member book {path} is the master book itself: refused, even "
                                "with --force; choose another output folder", path=str(path))
        if (path.parent / f"~${path.name}").exists():
            raise BookLockedError(f"{path} 正在 Excel/WPS 中打开,未分发",
                                  f"{path} is open in Excel/WPS; nothing was split", path=str(path))
        if path.exists() and not force:
            raise BadInputError(
                f"{path} 已存在:请先用 gather 合并它,或移走后重试(--force 覆盖)",
                f"{path} exists: gather it first, or move it away (--force overwrites it)")
    if not dry_run:
        out.mkdir(parents=True, exist_ok=True)
        for p in plan.members:
            write_member_book(targets[p.member.name], db, p, today=today)
    changes = Changeset("split", appends=[RowAppend("TeamBase", r) for r in plan.master_rows])
    books = [{"member": p.member.name, "role": p.member.role, "path": str(targets[p.member.name]),
              **{t: p.counts[t] for t in DATA_TABLES}} for p in plan.members]
    zh = [f"分发批次 {plan.split}:{len(books)} 本成员工作簿 → {out}"] + [
        f"  {b['member']}({roles.ROLE_LABELS[b['role']][0]}):客户 {b['Customers']},"
        f"跟进 {b['FollowUps']},标签 {b['Tags']},商机 {b['Opportunities']}" for b in books]
    en = [f"Split {plan.split}: {len(books)} member books → {out}"] + [
        f"  {b['member']} ({b['role']}): {b['Customers']} customers, {b['FollowUps']} follow-ups, "
        f"{b['Tags']} tags, {b['Opportunities']} opportunities" for b in books]
    if any(plan.skipped.values()):
        n = sum(plan.skipped.values())
        zh.append(f"  {n} 条记录没有编号或编号重复,未分发(先运行 validate 修正)")
        en.append(f"  {n} records without an ID or with a repeated ID were left out (fix them "
                  "with validate first)")
    return Result(changes, data={"split": plan.split, "books": books, "skipped": plan.skipped,
                                 "dry_run": dry_run},
                  summary_zh="\n".join(zh), summary_en="\n".join(en), problems=False)


@operation(
    "gather",
    label_zh="合并成员工作簿", label_en="Gather the team",
    help_zh="把成员工作簿合并回主工作簿(与分发时的底稿三方比较):只有成员改的→采用;只有主表改的→保留;"
            "双方都改且不同→写入“冲突”表,主表暂保留原值(选择后运行 resolve);新记录编号冲突时重新编号并改挂"
            "跟进/标签/商机;与他人客户相同的新客户(撞单)写入“查重复核”表;成员删除的记录不删除,列入“冲突”表。"
            "重复运行不会重复修改。",
    help_en="Merge members' books into the master, three-way against the split's base: a change "
            "made only in a member's book is applied, only in the master kept; both, differently: "
            "a row on the Conflicts sheet and the master keeps its value (pick, then run resolve). "
            "New records whose IDs collide are renumbered and their follow-ups/tags/opportunities "
            "re-pointed; a new customer matching another owner's (撞单) goes to DedupeReview; "
            "rows a member deleted are listed, not deleted. Running it twice changes nothing.",
    example="xltools gather team.xlsx members/*.xlsx",
    group="customers", icon="ReviewShareWorkbook",
    params=(Param("members", (), multiple=True, required=True, ask="files",
                  help_zh="成员工作簿(或其所在文件夹)", help_en="Members' books (or their folder)"),),
)
def gather(db, ctx, members: tuple[str, ...] = ()) -> Result:
    today = ctx.today
    paths = expand(members)
    if not paths:
        raise BadInputError("没有找到成员工作簿", "no member books found")
    books, refused = open_books(db, paths, db.schema)
    now = dt.datetime.now().replace(microsecond=0)
    if not books:
        plan_changes, counts, plan = Changeset("gather"), {}, None
    else:
        plan = plan_gather(db, books, now, today=today)
        plan_changes, counts = plan.changes, plan.counts
    data = {"books": [b.name for b in books], "refused": [i.to_json() for i in refused],
            "counts": counts,
            "conflicts": plan.conflicts if plan else [], "collisions": plan.collisions if plan else [],
            "deleted": plan.deleted if plan else []}
    new = counts.get("new", {})
    sheet = db.schema.table("Conflicts").title(db.lang)
    review = db.schema.table("Review").title(db.lang)
    zh = (f"合并 {len(books)} 本成员工作簿:采用 {counts.get('applied', 0)} 处修改,新增客户 "
          f"{new.get('Customers', 0)}、跟进 {new.get('FollowUps', 0)}、标签 {new.get('Tags', 0)}、"
          f"商机 {new.get('Opportunities', 0)}(重新编号 {counts.get('renumbered', 0)});"
          f"冲突 {counts.get('conflicts', 0)}、删除待定 {counts.get('deleted', 0)}(见“{sheet}”表);"
          f"撞单 {counts.get('collisions', 0)}(见“{review}”表)")
    en = (f"Gathered {len(books)} member books: {counts.get('applied', 0)} changes applied, new: "
          f"{new.get('Customers', 0)} customers, {new.get('FollowUps', 0)} follow-ups, "
          f"{new.get('Tags', 0)} tags, {new.get('Opportunities', 0)} opportunities "
          f"({counts.get('renumbered', 0)} renumbered); {counts.get('conflicts', 0)} conflicts and "
          f"{counts.get('deleted', 0)} deletions to decide (on {sheet}); "
          f"{counts.get('collisions', 0)} 撞单 (on {review})")
    for issue in refused:
        zh += f"\n  未合并:{issue.message_zh}"
        en += f"\n  refused: {issue.message_en}"
    return Result(plan_changes, issues=refused, data=data, summary_zh=zh, summary_en=en,
                  problems=bool(refused))


@operation(
    "resolve",
    label_zh="处理冲突", label_en="Resolve conflicts",
    help_zh="执行“冲突”表中的选择:采用成员=改为成员的值(删除行则删除该记录,客户先归档);保留主表=不改。"
            "处理过的行标为 已处理;同一单元格的其他待定行一并处理。",
    help_en="Carry out the choices on the Conflicts sheet: 采用成员 sets the member's value (on a "
            "删除 row removes the record, archiving a customer first); 保留主表 changes nothing. "
            "Rows done are marked 已处理, with the other pending rows about the same cell.",
    example="xltools resolve team.xlsx --dry-run",
    group="customers", icon="AcceptInvitation",
)
def resolve(db, ctx) -> Result:
    from ..team.resolve import resolve as run_resolve
    return run_resolve(db, today=ctx.today)


@operation(
    "handover",
    label_zh="客户交接", label_en="Hand over",
    help_zh="把 --from 的客户(可用 --where 条件筛选)交给 --to:客户负责人、未结束的商机和计划中的跟进"
            "一并转移,每处修改记入变更日志。先用 --dry-run 预览。",
    help_en="Move the customers of --from (those --where selects) to --to, with their open "
            "opportunities and planned follow-ups; every change is logged in the ChangeLog. "
            "Preview with --dry-run.",
    example='xltools handover team.xlsx --from 张伟 --to 李娜 --where "Region=华南" --dry-run',
    group="customers", icon="FolderMove",
    params=(Param("from_", ("--from",), required=True,
                  help_zh="交出客户的人", help_en="Who hands the customers over"),
            Param("to", ("--to",), required=True,
                  help_zh="接手的人", help_en="Who takes them over"),
            Param("where", ("--where",), default=None,
                  help_zh="只交接满足条件的客户(与 query 相同)",
                  help_en="Only customers this condition selects (as in query)")),
)
def handover(db, ctx, from_: str, to: str, where: str | None = None) -> Result:
    from ..team.handover import handover as run_handover
    return run_handover(db, from_, to, where=where)


def _same_file(a: Path, b: Path) -> bool:
    from ..outputs import _same_file as same
    return same(a, b)
