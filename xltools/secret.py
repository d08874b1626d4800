"""The team's secret key: it makes the fingerprints (PhoneFP ...) and opens the vault of raw values.

The key never lives in the workbook. Looked up in this order:

1. the environment variable ``XLTOOLS_SECRET`` (a scheduler or a CI job sets it);
2. a user config file: ``%APPDATA%\\xltools\\secret`` on Windows, else
   ``$XDG_CONFIG_HOME/xltools/secret`` (default ``~/.config/xltools/secret``).

Everyone who should match duplicates across masked books, or read raw values back with
``xltools reveal``, needs the same key. ``python -m xltools.secret`` writes a new random key to the
config file (and refuses to overwrite one).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from .errors import XlToolsError

ENV_VAR = "XLTOOLS_SECRET"


def config_path() -> Path:
    """Where the user's key file lives on this system."""
    if os.name == "nt" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "xltools" / "secret"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "xltools" / "secret"


def load_secret() -> bytes | None:
    """The key as bytes, or None when neither the environment nor the config file has one."""
    value = os.environ.get(ENV_VAR, "").strip()
    if value:
        return value.encode("utf-8")
    path = config_path()
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return None
    return text.encode("utf-8") if text else None


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


def create_secret(path: Path | None = None) -> Path:
    """Write a new random key to ``path`` (default :func:`config_path`), readable by the user only."""
    path = Path(path or config_path())
    if path.exists():
        raise XlToolsError(f"密钥文件已存在:{path}(不会覆盖)", f"key file exists: {path} (not overwritten)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secrets.token_urlsafe(32) + "\n")
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
