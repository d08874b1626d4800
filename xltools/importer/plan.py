"""The steps of an import (:mod:`.run` runs them a chunk at a time): normalise, mask, the review
sheet and the summary.

Pure: everything here takes the book (a :class:`~xltools.db.CustomerDB`) and rows read from the
sources. Every source row ends up in exactly one of three places:

* imported  - a row appended to Customers, with a new CustomerID;
* flagged   - looks like an existing customer or an earlier row of the same import, or has a phone
  or code but no name: listed for review (the ImportReview sheet and the JSON), not appended;
* rejected  - nothing to identify a customer by (no name, code or phone), with the reason.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd

from ..core.ids import next_ids as next_prefixed_ids
from ..changes import Issue, SheetRebuild
from ..core import privacy
from ..core.normalize import is_blank
from ..db import CustomerDB
from . import values as V
from .frame import EXTRAS, ROW, SOURCE, Extracted
from .headers import Synonyms
from .matching import KINDS

TABLE = "Customers"
REVIEW_SHEET = "ImportReview"
# Columns the book maintains itself: an incoming value is kept in Remarks, never written over them.
OWN_COLUMNS = ("CustomerID", "PhoneFP", "CreditCodeFP", "EmailFP")

# Raw personal data inside free text (Remarks, unmapped columns) is masked too.
scrub = privacy.scrub


# ---------------------------------------------------------------- normalising


def normalise(db: CustomerDB, part: Extracted, synonyms: Synonyms, issues: list[Issue]) -> pd.DataFrame:
    """Values of one source sheet in the book's forms; what cannot be understood is kept and flagged."""
    table = db.schema.table(TABLE)
    df = part.frame.copy()
    extras = df[EXTRAS].map(list)
    for key in [k for k in df.columns if k in table.keys]:
        col = table.column(key)
        s = V.blank_out(df[key])
        bad = None
        if key in OWN_COLUMNS:
            for pos, v in zip(range(len(df)), s.tolist()):
                if not is_blank(v):
                    extras.iat[pos].append((part_header(part, key), v, None))
            df = df.drop(columns=key)
            continue
        if col.type == "phone":
            s, others, bad = V.phones(s)
            for pos, more in enumerate(others.tolist()):
                extras.iat[pos].extend((part_header(part, key), p, key) for p in more)
        elif col.type == "code":
            s, bad = V.codes(s)
        elif col.type == "email":
            s = V.emails(s)
        elif col.is_date:
            s, bad = V.dates(s)
        elif col.is_numeric:
            s, bad = V.amounts(s, part.factors.get(key, 1))
        elif col.type == "list":
            s, bad = V.list_values(s, db.lists.get(col.list) or list(db.schema.list_values(col.list)),
                                   synonyms.values.get(col.list))
        else:
            s = V.text(s)
        df[key] = s
        if col.type == "list" and col.list == "Staff":
            bad = None  # a new salesperson: one line for the whole import (data["new_staff"])
        if bad is not None and bad.any():
            for pos in bad.to_numpy().nonzero()[0]:
                issues.append(_value_issue(part.label, int(df[ROW].iat[pos]), col, s.iat[pos]))
    df[EXTRAS] = extras
    # A copy of df's columns as they are now: the deep copy above is one block of every column,
    # and pandas keeps a replaced column's old values alive in it (the rest of the block are
    # views of it), i.e. every cell as read (~60 MB of a 200,000-row CSV).
    return df.copy()


def part_header(part: Extracted, key: str) -> str:
    """The source header a key came from, for "原列名: 值" in Remarks."""
    return next((h for h, k in part.mapped.items() if k == key), key)


def _value_issue(source: str, row: int, col, value) -> Issue:
    shown = value if col.mask is None else privacy.mask_value(col.mask, value)
    if col.type == "list":
        zh, en = f"“{shown}”不在下拉列表 {col.list} 中(或对应多个选项),已按原样导入", \
                 f"{shown!r} is not one of the {col.list} list values (or fits several); imported as typed"
    elif col.is_date:
        zh, en = f"无法识别的日期“{shown}”,已按原样导入", f"not a date: {shown!r}; imported as typed"
    elif col.is_numeric:
        zh, en = f"无法识别的金额“{shown}”,已按原样导入", f"not an amount: {shown!r}; imported as typed"
    else:
        zh, en = f"号码不完整(可能被 Excel 显示为科学计数法):{shown}", \
                 f"number looks truncated (scientific notation in Excel?): {shown}"
    return Issue(source, row, col.key, shown, "import_value", "warning", zh, en)


def infer_types(df: pd.DataFrame) -> None:
    """Fill a blank CustomerType from the code: a valid 身份证号 is a person, a valid USCC a company."""
    if "CreditCode" not in df.columns:
        return
    if "CustomerType" not in df.columns:
        df["CustomerType"] = None
    blank = df["CustomerType"].map(is_blank)
    df.loc[blank, "CustomerType"] = V.customer_types(df.loc[blank, "CreditCode"])


def remarks(df: pd.DataFrame) -> pd.Series:
    """Remarks plus every kept extra ("原列名: 值"); raw personal data in them is masked."""
    base = df["Remarks"] if "Remarks" in df.columns else pd.Series(None, index=df.index, dtype=object)

    def one(note, extras):
        parts = [] if is_blank(note) else [str(note)]
        for label, value, key in extras:
            value = V._as_text(value).strip()
            if key in KINDS:
                value = privacy.mask_value(KINDS[key], value)
            parts.append(f"{label}: {value}")
        return scrub("; ".join(parts)) if parts else None
    return pd.Series([one(n, e) for n, e in zip(base.tolist(), df[EXTRAS].tolist())],
                     index=df.index, dtype=object)


# ---------------------------------------------------------------- masking


def mask_frame(db: CustomerDB, df: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """The masked form of every ``mask`` column, decided exactly as ``xltools mask`` decides (a
    company's credit code is public and stays; a person's ID, phones and e-mails are masked)."""
    out = df.copy(deep=False)   # df's columns, shared: only the masked ones are replaced below
    try:
        from ..core.mask import raw_cells
    except ImportError:  # mask module not there: mask every value of a mask column
        for key, kind in KINDS.items():
            if key in out.columns:
                out[key] = out[key].map(lambda v, k=kind: None if is_blank(v) else privacy.mask_value(k, v))
        return out
    table = db.tables[TABLE]
    frame = df[[k for k in db.schema.table(TABLE).keys if k in df.columns]].copy()
    for key in db.schema.table(TABLE).keys:
        if key not in frame.columns:
            frame[key] = None
    tables = db.tables.copy()          # (tables not read yet stay so)
    tables[TABLE] = dataclasses.replace(table, df=frame)
    probe = dataclasses.replace(db, tables=tables)
    masks: dict[str, dict] = {}
    for cell in raw_cells(probe, today, tables={TABLE}):   # not the book's other tables
        masks.setdefault(cell.column, {})[cell.row] = cell.masked
    for column, by_row in masks.items():                   # one assignment per column
        masked = out[column].copy()
        masked.loc[list(by_row)] = pd.Series(by_row, dtype=object)
        out[column] = masked                               # (df's column stays as it was)
    return out


# ---------------------------------------------------------------- duplicates


def next_ids(existing: pd.Series, today: dt.date, count: int) -> list[str]:
    """``count`` new CustomerIDs for ``today``, continuing after the book's IDs of that date.

    >>> next_ids(pd.Series(["C20240315001", "C20240315007", "C20240314009"]), dt.date(2024, 3, 15), 2)
    ['C20240315008', 'C20240315009']
    """
    return next_prefixed_ids(existing, "C", today, count)


# ---------------------------------------------------------------- helpers of the run (.run)


def _place_values(df: pd.DataFrame, synonyms: Synonyms) -> pd.Series:
    """Each row's first city / province / address value (from the columns kept in Remarks)."""
    def first(extras):
        return next((V._as_text(value) for label, value, key in extras
                     if key is None and synonyms.is_place(label) and not is_blank(value)), None)
    return pd.Series([first(e) for e in df[EXTRAS].tolist()], index=df.index, dtype=object)


def _new_staff(db: CustomerDB, rows: pd.DataFrame, owner: str | None) -> list[str]:
    """Owners of imported rows that are not on the Lists sheet's Staff list, in order of appearance."""
    known = set(db.lists.get("Staff") or [])
    names = list(rows["Owner"]) if "Owner" in rows.columns else []
    names += [owner] if owner else []
    seen = [str(n).strip() for n in names if not is_blank(n)]
    return [n for n in dict.fromkeys(seen) if n not in known]


_INFERRED_LABELS = {"Region": ("区域", "region"), "CustomerType": ("客户类型", "customer type"),
                    "CustomerLevel": ("客户等级", "customer level"),
                    "CooperationPhase": ("合作阶段", "cooperation phase")}
_INFERRED_FROM = {"Region": ("由城市/省份/地址", "from the city/province/address"),
                  "CustomerType": ("由名称", "from the name"),
                  "CustomerLevel": ("按设置默认值", "the Settings default"),
                  "CooperationPhase": ("按设置默认值", "the Settings default")}


def review_sheet(lang: str, masked: pd.DataFrame, df: pd.DataFrame, flagged: dict, rejected: list) -> SheetRebuild:
    """The ImportReview sheet: every flagged or rejected row with its (masked) values and why."""
    zh = lang == "zh"
    head = (["状态", "来源", "行", "客户名称", "联系电话", "信用代码/证件号", "邮箱", "原因", "相关客户ID"] if zh else
            ["Status", "Source", "Row", "Customer Name", "Contact Phone", "Credit Code", "Email", "Reason",
             "Related ID"])
    rows: list[list] = [[("导入复核" if zh else "Import review")], head]
    rejected_at = {(r["source"], r["row"]): r for r in rejected}
    listed = set(flagged) | set(rejected_at)
    shown = ("CustomerName", "ContactPhone", "CreditCode", "Email")
    for source, number, *vals in zip(df[SOURCE].tolist(), df[ROW].tolist(),
                                     *(masked[k].tolist() for k in shown)):
        where = (source, int(number))
        if where not in listed:
            continue
        vals = [None if is_blank(v) else v for v in vals]
        f, r = flagged.get(where), rejected_at.get(where)
        if f:
            rows.append([("待复核" if zh else "review"), *where, *vals,
                         f["reason_zh"] if zh else f["reason_en"], f["existing"]])
        else:
            rows.append([("未导入" if zh else "rejected"), *where, *vals,
                         r["reason_zh"] if zh else r["reason"], ""])
    if len(rows) == 2:
        rows.append(["没有需要复核的行" if zh else "nothing to review"])
    return SheetRebuild(sheet=REVIEW_SHEET, title_zh="导入复核", title_en="ImportReview", rows=rows,
                        widths={1: 8, 2: 24, 3: 6, 4: 30, 5: 15, 6: 22, 7: 22, 8: 44, 9: 15},
                        bold_rows={1, 2}, page={"orientation": "landscape", "fit_width": True,
                                                "title_rows": (2, 2), "freeze": "A3"})


def _summary(data: dict, lang: str) -> str:
    n_rej = len(data["rejected"])
    if lang == "zh":
        lines = [f"读取 {data['read']} 行:导入 {data['imported']},待复核 {data['flagged']},未导入 {n_rej}。"]
        if data["unmapped"]:
            lines.append("未识别的列(已写入备注):" + "、".join(sorted({u["header"] for u in data["unmapped"]})))
        if data.get("places"):
            lines.append("地点列(已写入备注,用于推断区域):" + "、".join(sorted({u["header"] for u in data["places"]})))
        if data.get("inferred"):
            lines.append("已推断:" + "、".join(
                f"{_INFERRED_LABELS[k][0]} {n} 行({_INFERRED_FROM[k][0]})" for k, n in data["inferred"].items()))
        if data.get("new_staff"):
            lines.append("负责人 " + "、".join(data["new_staff"]) + " 不在“字典”表的销售人员列表中:"
                         "请在“字典”表“销售人员”列添加,否则校验会把这些行标为错误。")
        if not data["fingerprints"]:
            lines.append("没有密钥:未写指纹,无法按已脱敏的电话/证件号查重(见 XLTOOLS_SECRET)。")
        return "\n".join(lines)
    lines = [f"Read {data['read']} rows: {data['imported']} imported, {data['flagged']} flagged for review, "
             f"{n_rej} rejected."]
    if data["unmapped"]:
        lines.append("Columns not recognised (kept in Remarks): "
                     + ", ".join(sorted({u["header"] for u in data["unmapped"]})))
    if data.get("places"):
        lines.append("Place columns (kept in Remarks, read for the region): "
                     + ", ".join(sorted({u["header"] for u in data["places"]})))
    if data.get("inferred"):
        lines.append("Inferred: " + ", ".join(
            f"{_INFERRED_LABELS[k][1]} on {n} rows ({_INFERRED_FROM[k][1]})" for k, n in data["inferred"].items()))
    if data.get("new_staff"):
        lines.append("Owners not on the Lists sheet's Staff list: " + ", ".join(data["new_staff"])
                     + "; add them to its Staff column, or validate will flag these rows.")
    if not data["fingerprints"]:
        lines.append("No key: no fingerprints written, and masked phones/codes in the book cannot be "
                     "matched (see XLTOOLS_SECRET).")
    return "\n".join(lines)
