"""``xltools addin build`` and ``xltools addin install``."""

from __future__ import annotations

from pathlib import Path

import click

LANG = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                    help="Message language. 消息语言。")
JSON = click.option("--json", "as_json", is_flag=True,
                    help="Print one JSON document on stdout (English keys). 输出 JSON。")


@click.group("addin")
def addin_group() -> None:
    """Build and install the Excel add-in (ribbon). 生成并安装 Excel 加载项(功能区)。"""


@addin_group.command("build")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("xltools.xlam"), show_default=True,
              help="Where to write the add-in. 加载项的输出路径。")
@click.option("--interpreter-win", default="", help="pythonw.exe for Windows. Windows 的 Python 路径。")
@click.option("--interpreter-mac", default="", help="python for macOS. macOS 的 Python 路径。")
@click.option("--pythonpath", default="", help="Extra import folders, ;-separated. 附加导入路径。")
@click.option("--conda-path", default="", help="Anaconda/Miniconda folder. Conda 目录。")
@click.option("--conda-env", default="", help="Conda environment. Conda 环境名。")
@click.option("--set", "extra", multiple=True, metavar="KEY=VALUE",
              help="Any other xlwings setting for the xltools.conf sheet. 其他 xlwings 设置。")
@click.option("--macros", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="Folder of our .bas sources (default: the repository's macros/). VBA 源文件所在文件夹。")
@LANG
@JSON
def build_cmd(output: Path, interpreter_win: str, interpreter_mac: str, pythonpath: str,
              conda_path: str, conda_env: str, extra: tuple[str, ...], macros: Path | None,
              lang: str, as_json: bool) -> None:
    """Build the .xlam add-in from macros/ and the operations registry. 生成 .xlam 加载项。

    One ribbon button per operation; settings go to the add-in's xltools.conf sheet.
    Works on Linux too: no Excel needed.

    \b
    Example: xltools addin build -o dist/xltools.xlam --interpreter-win "%LOCALAPPDATA%\\Programs\\Python\\Python311\\pythonw.exe"
    """
    from ..cli_common import done as _done, fail as _fail
    from ..errors import BadInputError
    from ..outputs import check_output
    from .build import build_addin

    try:
        settings = {"Interpreter_Win": interpreter_win, "Interpreter_Mac": interpreter_mac,
                    "PYTHONPATH": pythonpath, "Conda Path": conda_path, "Conda Env": conda_env}
        for item in extra:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise BadInputError(f"--set 需要 KEY=VALUE:{item}", f"--set needs KEY=VALUE: {item}")
            settings[key.strip()] = value
        # rebuilding the add-in replaces the old one; a customer workbook is never replaced
        check_output(output, force=True)
        built = build_addin(output, settings=settings, macros=macros)
    except Exception as err:  # noqa: BLE001 - one clear line, exit 2
        _fail(err, as_json)
    payload = {"ok": True, "path": str(built.path), "modules": built.modules,
               "buttons": built.buttons, "settings": built.settings,
               "xlwings_version": built.xlwings_version, "bytes": built.size}
    _done(as_json, payload,
          f"已生成加载项:{built.path}({len(built.buttons)} 个按钮,模块:{', '.join(built.modules)})",
          f"Add-in written: {built.path} ({len(built.buttons)} buttons; modules: "
          f"{', '.join(built.modules)})", lang)


@addin_group.command("install")
@click.argument("xlam", type=click.Path(dir_okay=False, path_type=Path),
                default=Path("xltools.xlam"))
@click.option("--dir", "target_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Copy here instead of Excel's XLSTART folder. 安装到指定文件夹。")
@LANG
@JSON
def install_cmd(xlam: Path, target_dir: Path | None, lang: str, as_json: bool) -> None:
    """Copy the add-in to Excel's startup folder (XLSTART). 安装加载项到 Excel 启动文件夹。

    On Linux there is no Excel: it says where the file is and where it goes.

    \b
    Example: xltools addin install xltools.xlam
    """
    from ..cli_common import emit_json, fail as _fail
    from .install import install_addin

    try:
        done = install_addin(xlam, target_dir)
    except Exception as err:  # noqa: BLE001
        _fail(err, as_json)
    if as_json:
        emit_json({"ok": True, "installed": done.target is not None, "source": str(done.source),
                   "target": str(done.target) if done.target else None,
                   "notes_zh": done.notes_zh, "notes_en": done.notes_en})
    else:
        click.echo("\n".join(done.notes_zh if lang == "zh" else done.notes_en))
