"""``xltools import BOOK SOURCE...``: add customers from exported workbooks and CSV files.

Thin: reads the key, calls :func:`xltools.importer.import_sources`, and keeps the raw values of
the new customers in the vault beside the book (as ``xltools mask`` does) before the book gets
only their masks.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..heap import give_back
from ..importer import import_with_raw
from ..keys import book_key
from ..registry import Param, operation
from ..secret import load_secret


def store_raw_values(db, raw: Mapping[str, dict[str, str]], key: bytes) -> None:
    """Raw phones / person IDs / e-mails of the imported rows go to ``<book>.vault``."""
    if db.path is None or not raw:
        return
    from ..vault import Vault, vault_path
    vault = Vault.open(vault_path(db.path), key)
    added = [vault.add("Customers", cid, col, value)
             for cid, cols in raw.items() for col, value in cols.items()]
    if any(added):
        vault.save()


@operation(
    "import",
    label_zh="导入客户", label_en="Import",
    help_zh="从导出的 Excel(.xlsx/.xlsm/.xls)或 CSV(UTF-8/GBK)文件导入客户:自动识别表头(可不在第一行、"
            "可合并或分两行)、同义列名、全角字符、各种日期和金额(12.5万)写法;手机/身份证/邮箱入库即脱敏;"
            "与已有客户或本次导入重复的行列入“导入复核”表,不会重复添加。",
    help_en="Import customers from exported workbooks (.xlsx/.xlsm/.xls) or CSV files (UTF-8 or GBK): "
            "finds the header (below a title, merged, over two rows), maps column synonyms, normalises "
            "full-width text, dates and amounts (12.5万); masks phones, ID numbers and e-mails on the "
            "way in; rows that look like existing customers or repeat an earlier row are listed on the "
            "ImportReview sheet instead of being added twice.",
    example="xltools import team.xlsx leads.csv 展会名单.xlsx --owner 张三 --dry-run",
    group="customers", icon="ImportExcel", tables=("Customers", "Settings"),
    params=(
        Param("sources", (), multiple=True, required=True, ask="files",
              help_zh="要导入的文件", help_en="Files to import"),
        Param("mapping", ("--mapping",), help_zh="列映射文件(YAML 或 CSV:原列名 -> 列键)",
              help_en="Mapping file (YAML or CSV: source header -> column key)"),
        Param("owner", ("--owner",), help_zh="负责人为空时填入的销售(默认 公海)",
              help_en="Owner for rows without one (default: the public pool)"),
        Param("sheet", ("--sheet",), multiple=True,
              help_zh="只读取这些工作表(可重复)", help_en="Read only these sheets (may repeat)"),
        Param("add_staff", ("--add-staff",), is_flag=True,
              help_zh="把导入中出现、但不在“字典”表销售人员列表中的负责人加入该列表",
              help_en="Add the owners this import names that are not on the Lists sheet's Staff "
                      "list to that list"),
    ),
)
def import_(db, ctx, sources=(), mapping=None, owner=None, sheet=(), add_staff=False):
    secret = load_secret()
    result, raw = import_with_raw(db, list(sources), sheets=tuple(sheet or ()), mapping=mapping,
                                  owner=owner, key=book_key(db, secret), today=ctx.today)
    if add_staff:
        offer_staff(result)
    if secret and not ctx.dry_run:
        store_raw_values(db, raw, secret)  # before the backend saves the book, as `mask` does
    del raw
    # What the plan worked with (the rows read, the names matching parsed: ~250 MB of a
    # 200,000-row import) is freed, but glibc keeps the pages; the write would stack on them.
    give_back()
    return result


def offer_staff(result) -> None:
    """--add-staff: the new owners go to the Staff list with the import, and the summary says so
    instead of asking the user to add them."""
    names = result.data.get("new_staff") or []
    if not names:
        return
    result.changes.list_additions["Staff"] = list(names)
    result.data["added_staff"] = list(names)
    result.data["new_staff"] = []
    shown = "、".join(names)
    result.summary_zh = "\n".join(line for line in result.summary_zh.splitlines()
                                   if not line.startswith("负责人 ")) + \
        f"\n已将 {shown} 加入“字典”表的销售人员列表。"
    result.summary_en = "\n".join(line for line in result.summary_en.splitlines()
                                   if not line.startswith("Owners not on")) + \
        f"\nAdded to the Lists sheet's Staff list: {', '.join(names)}."
