"""``xltools mask``, ``xltools fill-region`` and ``xltools reveal``.

mask: the raw values go to the encrypted vault ``<book>.vault`` first (a side file next to the book,
written here, before the backend saves the book), then the book gets the masks and fingerprints.
If the vault cannot be written or opened (wrong key), the command stops before the book is touched.
If the book's save fails after the vault was written, the vault merely holds raw values that are
still in the book too; the next run adds nothing twice. ``--dry-run`` writes no vault.
"""

from __future__ import annotations

from ..changes import Changeset, Result
from ..core.fill_region import fill_regions
from ..core.mask import mask as run_mask
from ..core.mask import raw_cells
from ..errors import XlToolsError
from ..registry import Param, operation
from ..secret import load_secret, missing_key_message, require_secret
from ..vault import Vault, vault_path


def store_raw_values(db, key: bytes, today=None) -> str | None:
    """Put every raw value about to be masked into the vault next to the book; returns the vault's
    file name (None when the book has no path, e.g. an unsaved live workbook)."""
    if db.path is None:
        return None
    path = vault_path(db.path)
    cells = [c for c in raw_cells(db, today) if c.changes_value and c.record_id]
    vault = Vault.open(path, key)  # a wrong key stops here, before anything is written
    added = [vault.add(c.table, c.record_id, c.column, c.raw) for c in cells]
    if any(added):
        vault.save()
    return path.name


@operation(
    "mask",
    label_zh="脱敏", label_en="Mask",
    help_zh="把客户表中的手机号、个人身份证号、邮箱改为脱敏形式(138****5678),并在隐藏列写入指纹,"
            "以便脱敏后仍能查重。原值先加密存入工作簿旁的 <工作簿>.vault(需要密钥,见 XLTOOLS_SECRET);"
            "企业统一社会信用代码是公开信息,保持不变。重复运行不会再改动。",
    help_en="Mask raw phones, persons' ID numbers and e-mails (138****5678) and write keyed "
            "fingerprints in the hidden columns, so duplicates still match on masked data. Raw values "
            "are first encrypted into <book>.vault beside the book (needs the key: XLTOOLS_SECRET). "
            "Company credit codes are public and stay. Running it again changes nothing.",
    example="XLTOOLS_SECRET=... xltools mask team.xlsx",
    group="quality", icon="SheetProtect",
)
def mask(db, ctx):
    key = load_secret()
    today = ctx.today
    vault_name = None
    if key and db.path is not None:
        vault_name = vault_path(db.path).name
        if ctx.dry_run:
            Vault.open(vault_path(db.path), key)  # still refuse a wrong key, but write nothing
        else:
            store_raw_values(db, key, today)
    result = run_mask(db, key, today=today, vault_name=vault_name)
    if not key:
        zh, en = missing_key_message()
        result.summary_zh += "\n" + zh
        result.summary_en += "\n" + en
    return result


@operation(
    "fill-region",
    label_zh="补全区域", label_en="Fill region",
    help_zh="所属区域为空时,按统一社会信用代码或身份证号的地区码推断省份和销售大区并填入(记入变更日志)。",
    help_en="Where Region is blank, fill it from the province the credit code or ID number was "
            "issued in (each fill is logged in the ChangeLog).",
    example="xltools fill-region team.xlsx --dry-run",
    group="quality", icon="FillDown",
)
def fill_region(db, ctx):
    return fill_regions(db, today=ctx.today)


@operation(
    "reveal",
    label_zh="查看原值", label_en="Reveal",
    help_zh="用密钥打开 <工作簿>.vault,显示某客户脱敏前的电话、证件号、邮箱。不修改工作簿。"
            "密钥错误或缺失时退出码为 2。",
    help_en="Open <book>.vault with the key and print one customer's raw phone, ID number and e-mail. "
            "Changes nothing. Exit 2 on a wrong or missing key.",
    example="xltools reveal team.xlsx C20240315001",
    group="quality", icon="FindDialog", writes=False,
    params=(Param("customer_id", (), required=True,
                  help_zh="客户ID", help_en="Customer ID"),),
)
def reveal(db, ctx, customer_id: str) -> Result:
    key = require_secret()
    if db.path is None or not vault_path(db.path).exists():
        name = vault_path(db.path).name if db.path else "<book>.vault"
        raise XlToolsError(f"找不到保险库文件 {name}(此工作簿尚未用密钥脱敏过)",
                           f"no vault file {name} (this book was never masked with a key)")
    vault = Vault.open(vault_path(db.path), key)
    found = {table: vault.get(table, customer_id.strip()) for table in vault.records}
    found = {t: cols for t, cols in found.items() if cols}
    if not found:
        return Result(changes=Changeset("reveal"), data={"customer_id": customer_id, "values": {}},
                      summary_zh=f"保险库中没有 {customer_id} 的原值",
                      summary_en=f"the vault holds no raw values for {customer_id}", problems=True)
    values = {t: {col: vals[-1] for col, vals in cols.items()} for t, cols in found.items()}
    history = {t: {col: vals[:-1] for col, vals in cols.items() if len(vals) > 1}
               for t, cols in found.items()}
    lines = []
    for table, cols in values.items():
        for col, val in cols.items():
            earlier = history[table].get(col)
            lines.append(f"{table}.{col}: {val}" + (f"  (earlier: {', '.join(earlier)})" if earlier else ""))
    return Result(changes=Changeset("reveal"),
                  data={"customer_id": customer_id, "values": values,
                        "history": {t: h for t, h in history.items() if h}},
                  summary_zh="\n".join([f"{customer_id} 的原值:"] + lines),
                  summary_en="\n".join([f"Raw values of {customer_id}:"] + lines), problems=False)
