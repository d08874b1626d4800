"""The ReadMe sheet's text, in the book's language.

The sheet list comes from the schema and the button list from the operations registry, so the
explanation stays true when a table or an operation is added.
"""

from __future__ import annotations

from ..layout import list_name
from ..schema import Schema

# What each sheet is for, by sheet key: (zh, en). A sheet missing here gets its title only.
SHEET_PURPOSE = {
    "Customers": ("每个客户一行:基础信息、联系人、行业区域、等级、合作阶段、负责人和成交数据。",
                  "One row per customer: who they are, contact, industry, region, level, phase, "
                  "owner and deals."),
    "FollowUps": ("每次沟通一行。“同步跟进”据此更新客户表的最后/下次跟进时间。",
                  "One row per contact. Sync follow-ups copies the latest dates to Customers."),
    "Tags": ("客户标签。来源 auto 由规则自动添加和撤销;manual 为手工添加,自动任务从不改动。",
             "Customer tags. Source auto: added and removed by the rules; manual: yours, never "
             "touched by a tag run."),
    "Opportunities": ("销售机会:产品、阶段、预计金额和预计成交日期。",
                      "Sales opportunities: product, stage, expected amount and close date."),
    "Summary": ("汇总报表,由命令生成,每次整体重建,请勿手工编辑。",
                "Reports, rebuilt as a whole by a command; do not edit by hand."),
    "Todo": ("每位负责人逾期及即将到期的跟进和销售机会,由 remind(跟进提醒)重建,请勿手工编辑。",
             "Each owner's overdue and due follow-ups and deals closing soon, rebuilt by remind; "
             "do not edit by hand."),
    "Issues": ("最近一次校验发现的问题,每行一个单元格,含级别、位置和说明。",
               "Problems the latest check found, one cell per row, with severity, place and "
               "explanation."),
    "Rules": ("自动标签规则:可修改条件、停用(启用=否)或新增一行。",
              "Auto-tag rules: change a condition, switch one off (Enabled = 否) or add a row."),
    "Settings": ("参数:休眠天数、公海规则、等级门槛、备份份数等。只改“值”列。",
                 "Parameters: dormant days, public-pool rules, level thresholds, backups. "
                 "Change the Value column only."),
    "Lists": ("下拉列表的选项,每列一个列表。", "Dropdown options, one list per column."),
    "ChangeLog": ("工具对本工作簿所做的每一项修改(时间、命令、记录、原值、新值)。",
                  "Every change the tools made to this book (time, command, record, old, new)."),
    "Review": ("查重找到的疑似重复客户,同一组号为一组。每组选一条“保留”=是,在“处理”列填 批准"
               "(合并)或 拒绝(不是重复),查重命令随后执行这些决定。",
               "Suspected duplicates found by dedupe, grouped by cluster. Mark the record to "
               "keep (Keep = 是) and set Decision to 批准 (merge) or 拒绝 (not duplicates); the "
               "dedupe command then carries the decisions out."),
    "Archive": ("被合并掉的客户记录,按原样保留,并注明合并到哪个客户ID。",
                "Customers merged into another record, kept as they were, with the ID they "
                "were merged into."),
    "RejectedPairs": ("复核判定“不是重复”的客户对;查重不再提示这些对。",
                      "Pairs a reviewer judged to be different customers; dedupe no longer "
                      "proposes them."),
    "Team": ("团队成员的角色与小组:销售代表的工作簿只含本人客户,主管含所带小组的客户,管理员含全部。"
             "split 按此为每人生成工作簿。",
             "Each member's role and team: a 销售代表 (rep)'s book holds their own customers, a "
             "主管 (lead)'s their team's, a 管理员 (admin)'s all. split makes the books from it."),
    "Conflicts": ("gather 合并成员工作簿时无法自动决定的修改(双方都改、两人认领、成员删除)。"
                  "在“选择”列填 采用成员 或 保留主表,然后运行 resolve。",
                  "What gather could not decide alone (changed on both sides, two claims, a "
                  "member's deletion). Pick 采用成员 (take the member's) or 保留主表 (keep the "
                  "master's) under Choice, then run resolve."),
    "TeamBase": ("(隐藏)分发批次与每条记录分发时的指纹,供 gather 三方合并。",
                 "(Hidden) The split and each record's fingerprint as split, for gather's "
                 "three-way merge."),
    "ReadMe": ("本说明。", "This page."),
}

TEXT = {
    "title": ("客户数据库 · 使用说明", "Customer database · ReadMe"),
    "intro": ("本工作簿就是团队的客户数据库。在前四个表中录入数据,用“客户管理”选项卡上的按钮"
              "(或命令行 xltools)检查和维护。按表名和列名识别数据:可以改工作表名、调整列顺序,"
              "但请不要删除表格的标题行。",
              "This workbook is the team's customer database. Type records into the first four "
              "sheets; check and maintain them with the buttons on the 客户管理 ribbon tab (or "
              "the xltools command). Tables and columns are found by name: you may rename "
              "sheets and move columns, but keep each table's header row."),
    "sheets": ("工作表", "Sheets"),
    "lists": ("下拉列表与“{lists}”表", "Dropdowns and the {lists} sheet"),
    "lists_text": ("带下拉箭头的列只能从列表中选择。选项在“{lists}”表维护:在某列最后一个选项下面"
                   "输入新选项,它立即出现在下拉中,无需重新生成工作簿。每个列表有一个名称 "
                   "lst_<列表>(如 {example})供下拉引用。注意:粘贴的内容不受下拉限制,"
                   "请用“校验”检查。",
                   "Columns with a dropdown arrow take a value from a list. The options live on "
                   "the {lists} sheet: type a new option under the last one in its column and it "
                   "appears in the dropdown at once. Each list has a name lst_<list> (e.g. "
                   "{example}) the dropdowns use. Pasted values bypass dropdowns: run the check."),
    "masking": ("脱敏", "Masking"),
    "masking_text": ("以下列在“脱敏”后只显示部分字符,原值从工作簿中移除;隐藏的指纹列(以工作簿外"
                     "保存的密钥计算)让查重仍能识别同一号码。指纹列请勿编辑。",
                     "After masking, these columns show only part of each value and the raw "
                     "value leaves the book; hidden fingerprint columns (keyed with a key kept "
                     "outside the book) still let dedupe match them. Do not edit fingerprints."),
    "colours": ("颜色", "Colours"),
    "dormant": ("整行灰字:休眠客户,最后跟进时间早于 今天 − {setting} 天(设置表,默认 {days})。",
                "Grey row: a dormant customer, last follow-up before today − {setting} days "
                "(Settings, default {days})."),
    "overdue": ("“{column}”红底:计划的下次跟进日期已过。",
                "Red {column}: the planned next follow-up date has passed."),
    "marks": ("黄底/红底单元格:校验标出的警告/错误,批注中有说明;下次校验通过后自动清除。",
              "Yellow / red cells: warnings / errors marked by the check, explained in a note; "
              "cleared by the next check that passes."),
    "buttons": ("功能区按钮(“客户管理”选项卡)", "Ribbon buttons (客户管理 tab)"),
    "command": ("命令行:", "Command: "),
    "cli": ("命令行", "Command line"),
    "cli_text": ("每个按钮都有同名命令,可在终端或计划任务中运行,"
                 "例如 xltools {example} 工作簿.xlsx。"
                 "xltools --help 列出全部命令;加 --json 输出 JSON,退出码 0=正常 1=数据有问题 "
                 "2=无法运行。",
                 "Every button has a command of the same name for a terminal or a scheduler, "
                 "e.g. xltools {example} book.xlsx. xltools --help lists them all; --json prints "
                 "JSON; exit code 0 = ok, 1 = the data has problems, 2 = could not run."),
}


def _t(key: str, lang: str) -> str:
    zh, en = TEXT[key]
    return zh if lang == "zh" else en


def readme_rows(schema: Schema, lang: str, sheet_titles: list[tuple[str, str]],
                operations, groups: dict[str, tuple[str, str]]) -> list[tuple[str, str, str]]:
    """Rows of (style, column A, column B); style is title, heading, text or item.

    ``sheet_titles`` is [(sheet key, title)] in book order; ``operations`` the registry entries.
    """
    zh = lang == "zh"
    lists_title = schema.sheet("Lists").title(lang) if any(
        s.key == "Lists" for s in schema.sheets) else "Lists"
    rows = [("title", _t("title", lang), ""), ("text", _t("intro", lang), ""), ("gap", "", "")]

    rows.append(("heading", _t("sheets", lang), ""))
    for key, title in sheet_titles:
        purpose = SHEET_PURPOSE.get(key, ("", ""))
        rows.append(("item", title, purpose[0] if zh else purpose[1]))
    rows.append(("gap", "", ""))

    example = list_name(schema.lists[0].key) if schema.lists else "lst_Region"
    rows.append(("heading", _t("lists", lang).format(lists=lists_title), ""))
    rows.append(("text", _t("lists_text", lang).format(lists=lists_title, example=example), ""))
    rows.append(("gap", "", ""))

    masked = [(t, c) for t in schema.data_tables for c in t.columns if c.mask]
    if masked:
        rows.append(("heading", _t("masking", lang), ""))
        rows.append(("text", _t("masking_text", lang), ""))
        for table, col in masked:
            rows.append(("item", f"{table.title(lang)} · {col.label(lang)}", col.help(lang)))
        rows.append(("gap", "", ""))

    rows.append(("heading", _t("colours", lang), ""))
    defaults = schema.setting_defaults()
    if "DormantDays" in defaults:
        rows.append(("text", _t("dormant", lang).format(setting="DormantDays",
                                                        days=defaults["DormantDays"]), ""))
    customers = [t for t in schema.tables if t.key == "Customers"]
    if customers and "NextFollowUpTime" in customers[0].keys:
        label = customers[0].column("NextFollowUpTime").label(lang)
        rows.append(("text", _t("overdue", lang).format(column=label), ""))
    rows.append(("text", _t("marks", lang), ""))
    rows.append(("gap", "", ""))

    ribbon = [op for op in operations if op.ribbon]
    if ribbon:
        rows.append(("heading", _t("buttons", lang), ""))
        for group, (group_zh, group_en) in groups.items():
            in_group = [op for op in ribbon if op.group == group]
            if not in_group:
                continue
            rows.append(("subheading", group_zh if zh else group_en, ""))
            for op in in_group:
                help_text = op.help_zh if zh else op.help_en
                rows.append(("item", op.label(lang),
                             f"{help_text}\n{_t('command', lang)}xltools {op.id}"))
        rows.append(("gap", "", ""))

    rows.append(("heading", _t("cli", lang), ""))
    example_op = next((op.id for op in ribbon if op.id == "validate"),
                      ribbon[0].id if ribbon else "info")
    rows.append(("text", _t("cli_text", lang).format(example=example_op), ""))
    return rows

