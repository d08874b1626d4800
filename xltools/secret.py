"""The team's secret key: it makes the fingerprints (PhoneFP ...) and opens the vault of raw values.

The key never lives in the workbook. Looked up in this order:

1. the environment variable ``XLTOOLS_SECRET`` (a scheduler or a CI job sets it);
2. a user config file: ``%APPDATA%\\xltools\\secret`` on Windows, else
   ``$XDG_CONFIG_HOME/xltools/secret`` (default ``~/.config/xltools/secret``).

Everyone who should match duplicates across masked books, or read raw values back with
``xltools reveal``, needs the same key. ``python -m xltools.secret`` writes a new random key to the
config file (and refuses to overwrite one).

A key must be a key: a secret worth less than :data:`MIN_BITS` bits of guessing work (as zxcvbn
estimates it: words, dates, keyboard walks and repeats count for little) is refused, since one
known phone and its fingerprint would let anyone test guesses offline. The book's keys are derived
from it with a slow KDF and a per-book salt (:mod:`xltools.keys`).
"""

from __future__ import annotations

import hashlib
import math
import os
import secrets
import sys
from pathlib import Path

from .errors import XlToolsError

ENV_VAR = "XLTOOLS_SECRET"
MIN_BITS = 128
_ZXCVBN_MAX = 72   # zxcvbn refuses longer input; the first 72 characters are a lower bound


class WeakSecretError(XlToolsError):
    """The secret is too easy to guess to protect fingerprints and the vault."""


def strength_bits(secret: bytes | str) -> float:
    """Estimated guessing work for ``secret`` in bits (zxcvbn's guesses, log2).

    >>> strength_bits("a") < 10, strength_bits(secrets.token_urlsafe(48)) > MIN_BITS
    (True, True)
    """
    from zxcvbn import zxcvbn

    text = secret.decode("utf-8", "replace") if isinstance(secret, bytes) else secret
    if not text:
        return 0.0
    return float(zxcvbn(text[:_ZXCVBN_MAX])["guesses_log10"]) * math.log2(10)


# Digests of the secrets found strong in this process: zxcvbn takes ~0.07 s a call, and each
# operation of a batch loads the key (a digest, so the secret itself is not kept here).
_STRONG: set[bytes] = set()


def check_strength(secret: bytes | str) -> None:
    """Refuse (exit 2) a secret under :data:`MIN_BITS` bits, saying how to make a good one."""
    digest = hashlib.sha256(b"b:" + secret if isinstance(secret, bytes)
                            else b"s:" + secret.encode("utf-8", "surrogatepass")).digest()
    if digest in _STRONG:
        return
    bits = strength_bits(secret)
    if bits >= MIN_BITS:
        _STRONG.add(digest)
    else:
        raise WeakSecretError(
            f"密钥太弱(约 {bits:.0f} 位,至少需要 {MIN_BITS} 位):请运行 `python -m xltools.secret` "
            f"生成随机密钥,或用 `python -c \"import secrets; print(secrets.token_urlsafe(48))\"`",
            f"the secret is too weak (about {bits:.0f} bits; at least {MIN_BITS} needed): run "
            f"`python -m xltools.secret` to make a random one, or use "
            f"`python -c \"import secrets; print(secrets.token_urlsafe(48))\"`")


def config_path() -> Path:
    """Where the user's key file lives on this system."""
    if os.name == "nt" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "xltools" / "secret"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "xltools" / "secret"


def load_secret() -> bytes | None:
    """The key as bytes, or None when neither the environment nor the config file has one.
    A weak key raises :class:`WeakSecretError` (exit 2): it is never used."""
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        try:
            value = config_path().read_text(encoding="utf-8").strip()
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return None
        if not value:
            return None
    check_strength(value)
    return value.encode("utf-8")


def missing_key_message() -> tuple[str, str]:
    """The first-run explanation, Chinese and English: what is missing and how to set it."""
    path = config_path()
    zh = (f"未设置密钥:请设置环境变量 {ENV_VAR},或运行 `python -m xltools.secret` 生成密钥文件 {path}"
          "(团队成员需使用同一密钥)")
    en = (f"no secret key: set the environment variable {ENV_VAR}, or run `python -m xltools.secret` "
          f"to create the key file {path} (share the same key within the team)")
    return zh, en


def require_secret() -> bytes:
    """The key, or an :class:`XlToolsError` (exit 2) that says how to set one."""
    key = load_secret()
    if key is None:
        raise XlToolsError(*missing_key_message())
    return key


def new_secret() -> str:
    """A random key: 48 bytes from the OS, URL-safe text (64 characters, 384 bits)."""
    return secrets.token_urlsafe(48)


def create_secret(path: Path | None = None) -> Path:
    """Write a new random key to ``path`` (default :func:`config_path`), readable by the user only."""
    path = Path(path or config_path())
    if path.exists():
        raise XlToolsError(f"密钥文件已存在:{path}(不会覆盖)", f"key file exists: {path} (not overwritten)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(new_secret() + "\n")
    return path


def main() -> int:  # python -m xltools.secret
    try:
        path = create_secret()
    except XlToolsError as err:
        print(err, file=sys.stderr)
        return 2
    print(f"已生成密钥 / key written: {path}")
    print("请妥善备份;丢失后无法从保险库恢复原值 / back it up: without it the vault cannot be opened")
    return 0


if __name__ == "__main__":
    sys.exit(main())
