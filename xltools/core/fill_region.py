"""Fill a blank Region from the credit code or ID number: its division code gives the province,
the province gives the sales region (大区, ``xltools.core.regions``).

Kept apart from ``validate`` (which never changes a value) and from ``mask`` (which is about
privacy): ``xltools fill-region`` is its own command, and every fill is a logged CellUpdate.
Only valid codes are used (a masked 身份证号 still carries its 6-digit division), and only regions
that are on the book's own Region list.
"""

from __future__ import annotations

import datetime
from dataclasses import replace

from ..changes import CellUpdate, Changeset, Result
from .checks import Context
from .checks.codes import code_kinds, implied_regions
from .checks.values import blank
from .divisions import division_info


def fill_regions(db, today: datetime.date | None = None) -> Result:
    changes = Changeset("fill-region")
    df = db.customers
    if "Region" not in df.columns or "CreditCode" not in df.columns:
        return Result(changes=changes, problems=False,
                      summary_zh="没有“所属区域”或信用代码列", summary_en="no Region or credit code column")
    # Only the customers without a Region have their codes read: checking every code of a big
    # book (0.3 s for 100,000) for the few that need a region was most of the work.
    without = df[blank(df["Region"]).to_numpy()]
    few = replace(db, tables={"Customers": replace(db.tables["Customers"], df=without)})
    ctx = Context(db=few, today=today or datetime.date.today())
    divisions = code_kinds(ctx)["division"]
    implied = implied_regions(ctx)
    allowed = set(db.lists.get("Region", []))
    todo = implied.notna() & implied.isin(allowed)
    for row in todo[todo].index:
        div = divisions[row]
        province = division_info(div).get("province", "")
        changes.updates.append(CellUpdate(
            "Customers", int(row), "Region", None, implied[row],
            note=f"由地区码 {div}({province})推断 / from division code {div} ({province})"))
    n = len(changes.updates)
    return Result(changes=changes, data={"filled": n}, problems=False,
                  summary_zh=f"补全所属区域 {n} 处。", summary_en=f"Filled Region in {n} row(s).")
