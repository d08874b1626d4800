"""``xltools remind BOOK [-o DIR]``: each owner's To-do sheet, and their due follow-ups as
calendar files (one ``<owner>.ics`` per owner, RFC 5545) for a phone or Outlook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..changes import Changeset, Result
from ..core.todo import CLOSE_DAYS, DAYS, due_followups, todo_sheet
from ..errors import BadInputError
from ..outputs import FORCE_PARAM, check_output
from ..registry import Param, operation


@operation(
    "remind",
    label_zh="跟进提醒", label_en="Reminders",
    help_zh="重建“待办”表:每位负责人逾期及即将到期的跟进(含下一步计划)、即将到期的销售机会"
            "(逾期项每人每类列最近的 100 项并注明更早的还有多少);"
            "用 -o 目录 为每位负责人生成一个日历文件(.ics),导入手机或 Outlook 日历即可在跟进当天 "
            "9:00 前 15 分钟提醒(逾期的放在今天)。",
    help_en="Rebuild the To-do sheet: each owner's overdue and due follow-ups (with next steps) "
            "and deals about to close (of the overdue, the 100 most recent per owner and kind, "
            "and how many earlier ones are left out); with -o DIR, also write one calendar file "
            "(.ics) per owner for a phone or Outlook: each follow-up at 9:00 on its day with a "
            "reminder 15 minutes before (overdue ones on today).",
    example="xltools remind team.xlsx -o reminders/",
    group="reports", icon="CalendarInsert",
    params=(Param("output", ("-o", "--output"), default=None,
                  help_zh="日历文件(.ics)的输出目录", help_en="Folder for the calendar files (.ics)"),
            Param("days", ("--days",), type=int, default=DAYS,
                  help_zh="列出多少天内应跟进的客户", help_en="List follow-ups due within this many days"),
            Param("close_days", ("--close-days",), type=int, default=CLOSE_DAYS,
                  help_zh="列出多少天内预计成交的机会",
                  help_en="List deals expected to close within this many days"),
            FORCE_PARAM),
)
def remind(db, ctx, output: str | None = None, days: int = DAYS, close_days: int = CLOSE_DAYS,
           force: bool = False) -> Result:
    if days < 0 or close_days < 0:
        raise BadInputError("天数不能为负数", "days cannot be negative")
    today, dry_run = ctx.today, ctx.dry_run
    # the calendars need every due item with what the log says; the sheet alone, only the
    # items it lists (todo_sheet reads the log for those)
    items = due_followups(db, today, days) if output else None
    rebuild, data = todo_sheet(db, today, days, close_days, items=items)
    zh = (f"待办已更新:{len(data['owners'])} 位负责人,跟进 {data['followups']} 项(逾期 "
          f"{data['overdue']}),将到期机会 {data['closing']} 个")
    en = (f"To-do rebuilt: {len(data['owners'])} owners, {data['followups']} follow-ups "
          f"({data['overdue']} overdue), {data['closing']} deals closing")
    if output:
        files = write_calendars(db, Path(output), today, items, force=force, dry_run=dry_run)
        data["calendars"] = files
        zh += f";日历文件 {len(files)} 个:{output}"
        en += f"; {len(files)} calendar files in {output}"
    return Result(Changeset("remind", rebuilds=[rebuild]), data=data, summary_zh=zh,
                  summary_en=en, problems=False)


def write_calendars(db, folder: Path, today: dt.date, items, *, force: bool = False,
                    dry_run: bool = False) -> dict[str, dict]:
    """One .ics per owner in ``folder`` of the due follow-ups ``items``
    (:func:`~xltools.core.todo.due_followups`); {owner: {"file": path, "events": n}}."""
    from ..reminders import file_name, is_ours, owner_calendar

    if folder.exists() and not folder.is_dir():
        raise BadInputError(f"-o 应是一个目录:{folder}", f"-o must be a folder: {folder}")
    book_name = Path(db.path).name if db.path else ""
    out = {}
    for owner, mine in items.groupby("owner", sort=True):
        path = check_output(folder / file_name(owner), inputs=[db.path], force=force,
                            replaceable=is_ours)
        out[owner] = {"file": str(path), "events": len(mine)}
        if not dry_run:
            folder.mkdir(parents=True, exist_ok=True)
            data = owner_calendar(owner, mine, today, db.lang, book_name)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
    return out
