"""``xltools rekey BOOK``: a new salt for the book, and optionally a new team key.

The current key (XLTOOLS_SECRET or the key file) opens the vault; the new key is read from the
file given with ``--new-secret-file`` (or the environment variable XLTOOLS_NEW_SECRET); without
one, the key stays and only the book's salt changes (how a book made before salts existed gets
one, and how a team retires fingerprints that may have leaked). Every fingerprint is derived
again from the vault's raw values (a company's public credit code from the book itself); a
fingerprint with no raw value behind it is left and counted.

Order, so a failure at any point leaves a book and a vault that open with one key: the vault
under the new key is written beside the old one, the book is saved (backup, history), and only
then the new vault replaces the old one. ``--dry-run`` only counts.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..changes import Changeset, CellUpdate, Result
from ..core.mask import rederive
from ..core.normalize import is_blank
from ..errors import BadInputError, XlToolsError
from ..keys import SALT_SETTING, book_key, fingerprint_key, new_salt, salt_append
from ..registry import Param, operation
from ..secret import check_strength, require_secret
from ..vault import Vault, vault_path

NEW_ENV = "XLTOOLS_NEW_SECRET"


def _new_secret(path: str | None) -> bytes | None:
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8").strip()
        except OSError as err:
            raise BadInputError(f"无法读取新密钥文件 {path}", f"cannot read the new key file {path}: "
                                f"{err.strerror}") from None
    else:
        text = os.environ.get(NEW_ENV, "").strip()
    if not text:
        return None
    check_strength(text)
    return text.encode("utf-8")


def _salt_change(db, salt: str) -> CellUpdate | None:
    settings = db.tables.get("Settings")
    if settings is None:
        return None
    df = settings.df
    rows = df.index[df["Setting"].map(lambda v: not is_blank(v) and str(v).strip() == SALT_SETTING)]
    if not len(rows):
        return None
    row = int(rows[0])
    return CellUpdate("Settings", row, "Value", df.at[row, "Value"], salt,
                      note="新的指纹盐值 / new fingerprint salt")


@operation(
    "rekey",
    label_zh="更换密钥", label_en="Rekey",
    help_zh="给工作簿换新的指纹盐值,并可换新的团队密钥(--new-secret-file 或环境变量 XLTOOLS_NEW_SECRET):"
            "用保险库中的原值重算全部指纹,保险库改用新密钥加密。旧工作簿(没有盐值)也用它迁移。",
    help_en="Give the book a new fingerprint salt, and optionally a new team key (--new-secret-file "
            "or XLTOOLS_NEW_SECRET): every fingerprint is derived again from the vault's raw "
            "values and the vault is encrypted under the new key. Also migrates a book made "
            "before salts existed.",
    example="XLTOOLS_NEW_SECRET=... xltools rekey team.xlsx",
    group="quality", icon="ReviewProtectWorkbook",
    params=(Param("new_secret_file", ("--new-secret-file",), default=None,
                  help_zh="新密钥所在的文件(缺省:XLTOOLS_NEW_SECRET;都没有则只换盐值)",
                  help_en="File holding the new key (default: XLTOOLS_NEW_SECRET; neither: "
                          "only the salt changes)"),),
)
def rekey(db, ctx, new_secret_file: str | None = None) -> Result:
    """Applies its changes itself (the new vault replaces the old one only once the book is
    saved), so the Result it returns has none left to apply."""
    old = require_secret()
    new = _new_secret(new_secret_file) or old
    if db.path is None or ctx.backend is None:
        raise XlToolsError("rekey 需要工作簿文件", "rekey needs a workbook file")
    path = vault_path(db.path)
    vault = Vault.open(path, old) if path.exists() else None     # a wrong key stops here
    salt = new_salt()
    old_key, new_key = book_key(db, old), fingerprint_key(new, salt)
    updates, stale = rederive(db, vault.records if vault else {}, old_key, new_key)
    changes = Changeset("rekey", updates=updates)
    change = _salt_change(db, salt)
    if change is not None:
        changes.updates.append(change)
    else:
        changes.appends.append(salt_append(salt, db.lang))
    data = {"fingerprints": len(updates), "stale_fingerprints": stale,
            "new_key": new != old, "vault": path.name if vault else None}
    if not ctx.dry_run:
        pending = path.with_name(path.name + ".rekey")
        if vault is not None:
            vault.reencrypt(new, pending)
        try:
            ctx.backend.apply(changes, db)
        except BaseException:
            pending.unlink(missing_ok=True)
            raise
        if vault is not None:
            os.replace(pending, path)
    zh = [f"新盐值已写入;重算 {len(updates)} 个指纹" + ("并换用新密钥" if new != old else "")]
    en = [f"New salt written; {len(updates)} fingerprint(s) derived again"
          + (" under the new key" if new != old else "")]
    if stale:
        zh.append(f"{stale} 个指纹在保险库中没有原值,无法重算(它们不再能匹配查重)")
        en.append(f"{stale} fingerprint(s) have no raw value in the vault and could not be "
                  "derived again (they no longer match in dedupe)")
    if new != old:
        zh.append("请把新密钥发给团队成员,并替换 XLTOOLS_SECRET 或密钥文件")
        en.append("Give the new key to the team and replace XLTOOLS_SECRET or the key file")
    return Result(Changeset("rekey"), data=data, summary_zh="\n".join(zh),
                  summary_en="\n".join(en), problems=bool(stale))
