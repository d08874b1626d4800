"""The vault: raw phones, ID numbers and e-mails kept, encrypted, in a side file next to the book.

``xltools mask`` replaces raw values in the workbook by masks; before it does, it stores them here,
so nothing is lost and people who hold the key can read them back (``xltools reveal``).

The file ``<book>.vault`` (``team.xlsx.vault``) is JSON::

    {"format": "xltools-vault", "version": 1,
     "kdf": {"name": "scrypt", "salt": "<base64>", "n": 16384, "r": 8, "p": 1},
     "data": "<Fernet token>"}

``data`` decrypts to ``{table: {record id: {column: [raw values, oldest first]}}}``. The Fernet key
is derived from the team's secret (``xltools.secret``) with scrypt and the file's own random salt.
A wrong key fails Fernet's authentication: :class:`VaultKeyError`, never wrong data.

>>> import tempfile, pathlib
>>> book = pathlib.Path(tempfile.mkdtemp()) / "team.xlsx"
>>> v = Vault.open(vault_path(book), b"secret")
>>> v.add("Customers", "C20240315001", "ContactPhone", "13812345678")
True
>>> v.save()
>>> Vault.open(vault_path(book), b"secret").get("Customers", "C20240315001")
{'ContactPhone': ['13812345678']}
>>> Vault.open(vault_path(book), b"wrong")
Traceback (most recent call last):
    ...
xltools.vault.VaultKeyError: 密钥不正确,无法打开保险库 ... / wrong key: cannot open the vault ...
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .errors import XlToolsError

FORMAT = "xltools-vault"
VERSION = 1
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


class VaultKeyError(XlToolsError):
    """The key does not open this vault."""


def vault_path(book: str | os.PathLike) -> Path:
    """``team.xlsx`` -> ``team.xlsx.vault`` (same folder, so it travels with the book)."""
    book = Path(book)
    return book.with_name(book.name + ".vault")


def _fernet(secret: bytes, salt: bytes, n: int, r: int, p: int) -> Fernet:
    key = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


class Vault:
    """Raw values of one book, decrypted in memory. :meth:`save` encrypts and writes atomically."""

    def __init__(self, path: Path, fernet: Fernet, salt: bytes, records: dict):
        self.path = Path(path)
        self._fernet = fernet
        self._salt = salt
        self.records = records
        self._secret: bytes | None = None   # set by open(): save() may need to read a newer file

    @classmethod
    def open(cls, path: str | os.PathLike, secret: bytes) -> Vault:
        """Open ``path`` with ``secret``; a missing file gives an empty vault with a new salt."""
        path = Path(path)
        if not path.exists():
            salt = os.urandom(16)
            vault = cls(path, _fernet(secret, salt, **SCRYPT), salt, {})
            vault._secret = secret
            return vault
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if doc.get("format") != FORMAT:
                raise ValueError("not a vault")
            kdf = doc["kdf"]
            salt = base64.b64decode(kdf["salt"])
            fernet = _fernet(secret, salt, int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
        except (ValueError, KeyError, TypeError) as err:
            raise XlToolsError(f"保险库文件已损坏或格式不对:{path.name}",
                               f"the vault file is damaged or not a vault: {path.name}",
                               path=str(path)) from err
        try:
            records = json.loads(fernet.decrypt(doc["data"].encode("ascii")))
        except InvalidToken:
            raise VaultKeyError(f"密钥不正确,无法打开保险库 {path.name}",
                                f"wrong key: cannot open the vault {path.name}", path=str(path)) from None
        vault = cls(path, fernet, salt, records)
        vault._secret = secret
        return vault

    def add(self, table: str, record_id: str, column: str, raw: str) -> bool:
        """Keep ``raw`` for (table, record, column); False when it is already the latest value."""
        values = self.records.setdefault(table, {}).setdefault(str(record_id), {}).setdefault(column, [])
        if values and values[-1] == raw:
            return False
        if raw in values:
            values.remove(raw)
        values.append(raw)
        return True

    def get(self, table: str, record_id: str) -> dict[str, list[str]]:
        """``{column: [raw values, oldest first]}`` for one record; ``{}`` when none were kept."""
        return self.records.get(table, {}).get(str(record_id), {})

    def save(self) -> None:
        """Encrypt and write: a temp file in the same folder, then an atomic rename.

        Two commands may hold the same vault open (``import`` and ``mask`` started together): under
        a lock, what another one saved since we opened it is merged in first, so neither one's raw
        values are lost (entries are only ever added)."""
        from .backend.safety import book_lock

        with book_lock(self.path):
            if self._secret is not None and self.path.exists():
                disk = Vault.open(self.path, self._secret)
                for table, recs in disk.records.items():
                    for rid, cols in recs.items():
                        for column, values in cols.items():
                            mine = self.records.setdefault(table, {}).setdefault(rid, {})
                            mine[column] = values + [v for v in mine.get(column, [])
                                                     if v not in values]
                self._fernet, self._salt = disk._fernet, disk._salt
            self._write()

    def reencrypt(self, secret: bytes, path: Path) -> Vault:
        """The same raw values under another key (and a new salt), written to ``path``."""
        salt = os.urandom(16)
        other = Vault(Path(path), _fernet(secret, salt, **SCRYPT), salt, self.records)
        other._secret = secret
        other._write()
        return other

    def _write(self) -> None:
        # (surrogatepass: a raw value from a live Excel cell may hold a lone surrogate; json
        # reads it back the same way)
        token = self._fernet.encrypt(json.dumps(self.records, ensure_ascii=False)
                                     .encode("utf-8", "surrogatepass"))
        doc = {"format": FORMAT, "version": VERSION,
               "kdf": {"name": "scrypt", "salt": base64.b64encode(self._salt).decode("ascii"), **SCRYPT},
               "data": token.decode("ascii")}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(doc, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
