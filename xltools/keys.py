"""The keys one book uses, derived from the team's secret and the book's own salt.

The secret (:mod:`xltools.secret`) is never used as a key directly. Each book keeps a random salt
in its Settings sheet (``FingerprintSalt``, created by ``xltools new`` or by the first ``mask``);
the fingerprint key is ``HKDF-SHA256(scrypt(secret, salt))``. So:

* a fingerprint (PhoneFP ...) of the same phone differs between books and between keys;
* testing one guess of the secret against a known phone/fingerprint pair costs a scrypt run
  (16 MiB, tens of milliseconds), on top of a secret of 128+ bits: no shortcut over brute force.

A book without a salt (made before salts existed) keeps its old fingerprints, keyed with the secret
itself, until ``mask`` or ``rekey`` gives it a salt and re-derives them from the vault.

>>> salt = new_salt()
>>> k1 = fingerprint_key(b"s" * 64, salt); k2 = fingerprint_key(b"s" * 64, new_salt())
>>> len(k1), k1 != k2, k1 == fingerprint_key(b"s" * 64, salt)
(32, True, True)
"""

from __future__ import annotations

import base64
import functools
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .changes import RowAppend

SALT_SETTING = "FingerprintSalt"
SALT_NOTE_ZH = "指纹盐值(每个工作簿不同,请勿修改;更换请用 xltools rekey)"
SALT_NOTE_EN = "Fingerprint salt (one per book; do not edit; change it with xltools rekey)"
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
_INFO = b"xltools fingerprint key v2"
FP_COLUMNS = ("PhoneFP", "CreditCodeFP", "EmailFP")


def new_salt() -> str:
    """16 random bytes as base64 text (what the Settings cell holds)."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def book_salt(db) -> str | None:
    """The book's salt text, or None for a book that has none yet."""
    value = (getattr(db, "settings", None) or {}).get(SALT_SETTING)
    return str(value).strip() or None if value is not None else None


@functools.lru_cache(maxsize=16)
def fingerprint_key(secret: bytes, salt: str | None) -> bytes:
    """The HMAC key for fingerprints; ``salt=None`` gives a saltless book's old key (the secret)."""
    if salt is None:
        return secret
    try:
        raw_salt = base64.b64decode(salt, validate=True)
    except ValueError:
        raw_salt = salt.encode("utf-8")   # a salt edited by hand still derives, consistently
    master = Scrypt(salt=raw_salt, length=32, **SCRYPT).derive(secret)
    return HKDFExpand(algorithm=hashes.SHA256(), length=32, info=_INFO).derive(master)


def book_key(db, secret: bytes | None) -> bytes | None:
    """The fingerprint key of this book under ``secret`` (None without a secret)."""
    if not secret:
        return None
    return fingerprint_key(secret, book_salt(db))


def salt_append(salt: str, lang: str = "zh") -> RowAppend:
    """The Settings row that records a new salt in the book."""
    return RowAppend("Settings", {"Setting": SALT_SETTING, "Value": salt,
                                  "Description": SALT_NOTE_ZH if lang == "zh" else SALT_NOTE_EN},
                     note="新的指纹盐值 / new fingerprint salt")


def has_fingerprints(db) -> bool:
    """True when any table holds a fingerprint (made under the book's current keying)."""
    from .core.normalize import is_blank

    for tf in db.tables.values():
        for col in FP_COLUMNS:
            if col in tf.df.columns and not tf.df[col].map(is_blank).all():
                return True
    return False
