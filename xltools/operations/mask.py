"""``xltools mask``, ``xltools fill-region`` and ``xltools reveal``.

mask: the raw values go to the encrypted vault ``<book>.vault`` first (a side file next to the book,
written here, before the backend saves the book), then the book gets the masks and fingerprints.
If the vault cannot be written or opened (wrong key), the command stops before the book is touched.
If the book's save fails after the vault was written, the vault merely holds raw values that are
still in the book too; the next run adds nothing twice. ``--dry-run`` writes no vault.
"""

from __future__ import annotations

from pathlib import Path

from ..boundary import bound_values, log_reveal
from ..changes import Changeset, Result
from ..core.fill_region import fill_regions
from ..core.mask import mask as run_mask
from ..core.mask import raw_cells, text_cells
from ..errors import XlToolsError
from ..keys import book_salt, fingerprint_key, has_fingerprints, new_salt, salt_append
from ..registry import Param, operation
from ..secret import load_secret, missing_key_message, require_secret
from ..vault import Vault, vault_path


def record_key(cell) -> str:
    """Where a raw value is filed in the vault: its record's ID, or ``#row`` for a row without one
    (kept all the same, so masking never loses it; reveal finds values by ID only)."""
    return cell.record_id or f"#{cell.row}"


def store_raw_values(db, key: bytes, today=None, vault: Vault | None = None, *,
                     cells=None, texts=None) -> str | None:
    """Put every raw value about to be masked (columns and free text of data tables) into the
    vault next to the book; returns the vault's file name (None when the book has no path, e.g.
    an unsaved live workbook)."""
    if db.path is None:
        return None
    path = vault_path(db.path)
    cells = [c for c in (raw_cells(db, today) if cells is None else cells) if c.changes_value]
    cells += [c for c in (text_cells(db) if texts is None else texts)
              if db.schema.table(c.table).id_column and c.record_id
              and not db.schema.table(c.table).generated]
    vault = vault or Vault.open(path, key)  # a wrong key stops here, before anything is written
    added = [vault.add(c.table, record_key(c), c.column, c.raw) for c in cells]
    if any(added):
        vault.save()
    return path.name


NO_KEY_ZH = ("。如确定不保留原值(无法再恢复),请加 --discard-raw")
NO_KEY_EN = ("; to mask anyway and lose the raw values for good, pass --discard-raw")


@operation(
    "mask",
    label_zh="脱敏", label_en="Mask",
    help_zh="把手机号、个人身份证号、邮箱改为脱敏形式(138****5678),并在隐藏列写入指纹,以便脱敏后仍能查重;"
            "备注、跟进内容、变更日志等文本中的个人信息、查询结果等工具写入的表、以及引用这些单元格的公式缓存值"
            "也一并脱敏。原值先加密存入工作簿旁的 <工作簿>.vault(需要密钥,见 XLTOOLS_SECRET;没有密钥时拒绝运行,"
            "除非加 --discard-raw);成功后删除脱敏前的备份。企业统一社会信用代码是公开信息,保持不变。"
            "重复运行不会再改动。",
    help_en="Mask raw phones, persons' ID numbers and e-mails (138****5678) and write keyed "
            "fingerprints in the hidden columns, so duplicates still match on masked data. Personal "
            "data inside text (Remarks, follow-up Content, the ChangeLog ...), on the sheets the tool "
            "writes (Query ...) and in cached results of formulas that read masked cells is masked "
            "too. Raw values are first encrypted into <book>.vault beside the book (needs the key: "
            "XLTOOLS_SECRET; without one mask refuses unless --discard-raw); backups taken before "
            "the mask are deleted once it succeeds. Company credit codes are public and stay. "
            "Running it again changes nothing.",
    example="XLTOOLS_SECRET=... xltools mask team.xlsx",
    group="quality", icon="SheetProtect",
    params=(Param("discard_raw", ("--discard-raw",), is_flag=True, default=False,
                  help_zh="没有密钥也脱敏:原值不保留,永远无法恢复",
                  help_en="Mask without a key: the raw values are not kept and cannot be recovered"),),
)
def mask(db, ctx, discard_raw: bool = False, skip_without_key: bool = False):
    """``skip_without_key``: the monthly batch on a machine without the key masks nothing (and
    says so; validate then reports the raw values) instead of failing the whole batch."""
    secret = load_secret()
    today, dry_run = ctx.today, ctx.dry_run
    if not secret and not discard_raw:
        zh, en = missing_key_message()
        if skip_without_key:
            return Result(Changeset("mask"), data={"masked": 0, "skipped": "no key"},
                          summary_zh=f"未脱敏:{zh}", summary_en=f"not masked: {en}",
                          problems=False)
        raise XlToolsError(zh + NO_KEY_ZH, en + NO_KEY_EN)
    salt, new = book_salt(db), None
    legacy = None
    if secret and salt is None:
        salt = new = new_salt()
        legacy = secret if has_fingerprints(db) else None
    key = fingerprint_key(secret, salt) if secret else None
    vault_name, vault = None, None
    cells, texts = raw_cells(db, today), text_cells(db)
    if secret and db.path is not None:
        vault_name = vault_path(db.path).name
        vault = Vault.open(vault_path(db.path), secret)  # a wrong key stops here
        if not dry_run:
            store_raw_values(db, secret, today, vault, cells=cells, texts=texts)
    result = run_mask(db, key, today=today, vault_name=vault_name,
                      vault_records=vault.records if vault else None, legacy_key=legacy,
                      cells=cells, texts=texts)
    if new is not None:
        result.changes.appends.append(salt_append(new, db.lang))
    outside = 0
    on_disk = Path(ctx.backend.path) if getattr(ctx.backend, "package_on_disk", False) else None
    if on_disk is not None and on_disk.suffix.lower() in (".xlsx", ".xlsm") and on_disk.exists():
        from ..backend.privacy_pass import raw_outside_tables
        outside = raw_outside_tables(on_disk, db.schema).total
    result.changes.scrub_package = bool(outside or result.changes.updates)
    result.changes.purge_backups = not dry_run
    if outside and not result.changes.updates:   # (else the count includes the cells updated)
        result.summary_zh += f"\n表格之外(查询结果表、公式缓存值、批注等)的个人信息:{outside} 处,一并脱敏。"
        result.summary_en += (f"\nPersonal data outside the tables (Query sheet, cached formula "
                              f"results, notes ...): {outside} place(s), masked too.")
    if not secret:
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
    rid = customer_id.strip()
    values = {}
    for table in vault.records:
        cols = bound_values(db, table, rid, vault.get(table, rid), key)
        if cols:
            values[table] = cols
    log_reveal(db.path, "reveal", [rid] if values else [])
    if not values:
        return Result(changes=Changeset("reveal"), data={"customer_id": customer_id, "values": {}},
                      summary_zh=f"保险库中没有与工作簿当前内容相符的 {customer_id} 原值",
                      summary_en=f"the vault holds no raw values of {customer_id} that match what "
                                 "the book holds now", problems=True)
    lines = [f"{table}.{col}: {val}" for table, cols in values.items() for col, val in cols.items()]
    return Result(changes=Changeset("reveal"), data={"customer_id": customer_id, "values": values},
                  summary_zh="\n".join([f"{customer_id} 的原值:"] + lines),
                  summary_en="\n".join([f"Raw values of {customer_id}:"] + lines), problems=False)

