"""Install the add-in: copy it to Excel's personal startup folder (XLSTART).

Excel opens every file in that folder when it starts, and the folder is a trusted location by
default, so the add-in's macros may run. Where the folder is:

* Windows: ``%APPDATA%\\Microsoft\\Excel\\XLSTART``
* macOS:   ``~/Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel``
  (older builds spell it without the ``.localized`` parts)
* Linux:   there is no Excel; :func:`xlstart_dir` returns None.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import XlToolsError

_MAC_OFFICE = Path("Library/Group Containers/UBF8T346G9.Office")
_MAC_STARTUP = [_MAC_OFFICE / "User Content.localized/Startup.localized/Excel",
                _MAC_OFFICE / "User Content/Startup/Excel"]


def xlstart_dir(platform: str | None = None, env: dict | None = None,
                home: Path | None = None) -> Path | None:
    """Excel's personal startup folder on this platform, or None where there is no Excel."""
    platform = platform or sys.platform
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    if platform.startswith("win"):
        appdata = env.get("APPDATA") or str(home / "AppData" / "Roaming")
        return Path(appdata) / "Microsoft" / "Excel" / "XLSTART"
    if platform == "darwin":
        candidates = [home / p for p in _MAC_STARTUP]
        return next((p for p in candidates if p.is_dir()), candidates[0])
    return None


@dataclass
class Installed:
    """Where the add-in went (``target`` None: nowhere, no Excel here) and what to tell the user."""

    source: Path
    target: Path | None
    notes_zh: list[str] = field(default_factory=list)
    notes_en: list[str] = field(default_factory=list)


def install_addin(xlam: str | Path, target_dir: str | Path | None = None,
                  platform: str | None = None) -> Installed:
    """Copy ``xlam`` into ``target_dir`` (default: :func:`xlstart_dir`).

    On a machine without Excel (Linux) nothing is copied; the notes say where the file is and
    where it goes on Windows and macOS.
    """
    source = Path(xlam)
    if not source.is_file():
        raise XlToolsError(f"找不到加载项文件:{source}(先运行 xltools addin build)",
                           f"add-in not found: {source} (run: xltools addin build)")
    platform = platform or sys.platform
    folder = Path(target_dir) if target_dir else xlstart_dir(platform)
    if folder is None:
        return Installed(source, None, [
            f"这台电脑上没有 Excel(Linux),未安装。加载项文件在:{source.resolve()}",
            r"请把它复制到 Windows 的 %APPDATA%\Microsoft\Excel\XLSTART,"
            "或 macOS 的 ~/Library/Group Containers/UBF8T346G9.Office/User Content/Startup/Excel,"
            "然后在那台电脑上运行 xltools addin install。",
        ], [
            f"There is no Excel on this machine (Linux); nothing installed. The add-in is at: "
            f"{source.resolve()}",
            r"Copy it to %APPDATA%\Microsoft\Excel\XLSTART on Windows or to "
            "~/Library/Group Containers/UBF8T346G9.Office/User Content/Startup/Excel on macOS, "
            "or run xltools addin install there.",
        ])
    target = folder / source.name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    except PermissionError:
        raise XlToolsError(f"无法写入 {target}:Excel 正在使用该加载项?请先关闭 Excel 再安装",
                           f"cannot write {target}: is Excel using the add-in? Close Excel and "
                           "install again", path=str(target)) from None
    except OSError as err:
        raise XlToolsError(f"无法复制到 {target}:{err.strerror}",
                           f"cannot copy to {target}: {err.strerror}", path=str(target)) from None
    zh, en = _macro_security_notes(platform)
    return Installed(source, target, [f"已安装:{target}", "重新启动 Excel 后会出现“客户管理”选项卡。", *zh],
                     [f"Installed: {target}", "Restart Excel; the 客户管理 tab appears.", *en])


def _macro_security_notes(platform: str) -> tuple[list[str], list[str]]:
    zh = ["如果选项卡没有出现或宏被阻止:",
          "  1. 文件 > 选项 > 信任中心 > 信任中心设置 > 受信任位置:确认上面的文件夹在列表中;",
          "  2. 若文件来自网络或邮件,右键文件 > 属性 > 勾选“解除锁定”(Windows);",
          "  3. 开发工具 > Excel 加载项:确认没有被禁用(文件 > 选项 > 加载项 > 禁用的项目)。",
          "运行 Python 需要本机已安装 xltools 和 xlwings;解释器路径可写入 %USERPROFILE%\\.xltools\\xltools.conf"
          '(一行一项,例如 "Interpreter_Win","C:\\...\\pythonw.exe"),或在构建时用 --interpreter-win 指定。']
    en = ["If the tab does not appear or macros are blocked:",
          "  1. File > Options > Trust Center > Trust Center Settings > Trusted Locations: check "
          "the folder above is listed;",
          "  2. if the file came from the internet or e-mail: right-click > Properties > Unblock "
          "(Windows);",
          "  3. File > Options > Add-ins > Disabled Items: make sure it is not disabled.",
          "Python needs xltools and xlwings installed on this computer; set the interpreter in "
          '%USERPROFILE%\\.xltools\\xltools.conf (one line per key, e.g. "Interpreter_Win","C:\\...\\pythonw.exe") or '
          "build with --interpreter-win."]
    if platform == "darwin":
        zh.append("macOS:还需运行一次 xlwings runpython install,让 Excel 可以启动 Python。")
        en.append("macOS: also run `xlwings runpython install` once so Excel may start Python.")
    return zh, en
