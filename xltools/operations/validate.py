"""``xltools validate``: check the book and mark every problem (read-only apart from the marks and
the Issues sheet)."""

from __future__ import annotations

from concurrent.futures import wait

from ..changes import Issue
from ..core.checks import default_severity, severities
from ..core.validate import validate as run_validate
from ..errors import BadInputError
from ..keys import book_key
from ..registry import Param, operation
from ..secret import load_secret


def parse_checks(items) -> dict[str, str]:
    """``("unmasked=off", "region=error")`` -> ``{"unmasked": "off", "region": "error"}``; a dict
    (``Book.validate(check={"unmasked": "off"})``) is taken as it is."""
    if isinstance(items, dict):
        return {str(k): str(v) for k, v in items.items()}
    config = {}
    for item in items or ():
        name, sep, level = str(item).partition("=")
        if not sep:
            raise BadInputError(f"应写成 检查项=级别,如 unmasked=off:{item}",
                                f"write CHECK=LEVEL, e.g. unmasked=off: {item}")
        config[name.strip()] = level.strip()
    return config


@operation(
    "validate",
    label_zh="数据校验", label_en="Validate",
    help_zh="检查必填项、下拉值、日期、统一社会信用代码/身份证校验位、电话、未脱敏数据、疑似重复客户、"
            "跟进/标签/商机的客户ID等;问题单元格标色并加批注,汇总到“校验结果”表。不修改任何数据。"
            "退出码:0 无问题,1 有问题,2 无法运行。",
    help_en="Check required fields, dropdown values, dates, credit-code / ID check digits, phones, "
            "unmasked personal data, suspected duplicates and that follow-ups, tags and opportunities "
            "point at existing customers. Marks each problem cell and lists them on the Issues "
            "sheet; never changes a value. Exit 0 clean, 1 problems found, 2 could not run.",
    example="xltools validate team.xlsx --json --check unmasked=off",
    group="quality", icon="DataValidation",
    params=(Param("no_mark", ("--no-mark",), is_flag=True, default=False,
                  help_zh="只报告:不标色,不写“校验结果”表",
                  help_en="Only report: no cell marks, no Issues sheet"),
            Param("check", ("--check",), multiple=True, default=None,
                  help_zh="调整检查项级别,如 --check unmasked=off(error/warning/off,可重复;"
                          "也可在“设置”表加一行 validate.检查项)",
                  help_en="Set a check's level, e.g. --check unmasked=off (error/warning/off; "
                          "repeatable; or a Settings row validate.CHECK). Checks: "
                          + ", ".join(default_severity())),
            Param("today", ("--today",), default=None,
                  help_zh="按此日期校验(YYYY-MM-DD,默认今天)",
                  help_en="Check as of this date (YYYY-MM-DD; default today)")),
)
def validate(db, ctx, no_mark: bool = False, check=None):
    config = parse_checks(check)
    try:
        severities(db, config)
    except ValueError as err:  # an unknown check name or level in --check
        raise BadInputError(f"检查项设置有误:{err}", f"bad --check: {err}") from None
    outside = None
    if (config or {}).get("unmasked") != "off" and getattr(ctx.backend, "package_on_disk", False):
        outside = _scan_outside_tables(db, ctx.backend.path)
    try:
        result = run_validate(db, today=ctx.today, config=config,
                              key=book_key(db, load_secret()), mark=not no_mark)
    finally:
        if outside is not None:      # never leave the scan running behind a refusal
            wait([outside])
    if outside is not None:
        count_raw_outside_tables(result, outside.result())
    return result


def _scan_outside_tables(db, path):
    """The scan of the file for personal data outside the tables, started in a thread beside the
    checks (it is mostly inflating and Arrow's regular expressions, which release the GIL); a
    future of its report, or None for a file it does not read."""
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    path = Path(path)     # the backend's file (a batch's working copy), not necessarily db.path
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.exists():
        return None
    from ..backend.privacy_pass import raw_outside_tables

    pool = ThreadPoolExecutor(1, thread_name_prefix="xltools-privacy")
    try:
        return pool.submit(raw_outside_tables, path, db.schema)
    finally:
        pool.shutdown(wait=False)    # the scan runs on; the caller waits for its report


def count_raw_outside_tables(result, found) -> None:
    """Raw personal data the tables do not hold (the Query sheet, cached formula results, notes,
    strings left in the file; ``found``, the scan's report): one warning per kind of place, with
    the count (``mask`` masks them)."""
    if any(i.check == "unmasked" for i in result.issues):
        found.strings = 0   # the shared strings hold the table cells' text too: counted above
    places = {"strings": ("工作簿的共享文本(无单元格引用或在表格之外)",
                          "the workbook's shared strings (unused, or outside the tables)"),
              "cells": ("工具表格之外的工作表(如查询结果)", "sheets outside the tables (e.g. Query)"),
              "formulas": ("公式的缓存结果", "cached formula results"),
              "notes": ("批注", "notes")}
    extra = [Issue("Workbook", None, None, n, "unmasked", "warning",
                   f"{places[k][0]}中有 {n} 处未脱敏的电话、证件号或邮箱(请运行“脱敏”)",
                   f"{n} raw phone(s), ID number(s) or e-mail(s) in {places[k][1]} (run mask)")
             for k in places if (n := getattr(found, k))]
    if extra:
        result.issues = [*result.issues, *extra]
        result.problems = True
        result.data = {**result.data, "raw_outside_tables": {k: getattr(found, k) for k in places}}
        if "issues" in result.data:
            result.data["issues"] = [*result.data["issues"], *(i.to_json() for i in extra)]
