"""Build the ``xltools.xlam`` Excel add-in from source, on any OS.

The add-in is an ordinary macro-enabled package with three extras:

* ``xl/vbaProject.bin`` written by :mod:`xltools.vba` from the VBA sources: our ribbon callbacks
  (``macros/*.bas``) and xlwings' custom add-in module (``RunPython``), taken from the installed
  xlwings so the VBA always matches the Python side; plus xlwings' ``Dictionary`` class (macOS).
* an ``xltools.conf`` sheet, where xlwings' custom add-in looks up its settings
  (``Interpreter_Win``, ``PYTHONPATH``, ...). A book of the user's may carry its own
  ``xltools.conf`` sheet, which wins, and so does ``%USERPROFILE%\\.xltools\\xltools.conf``
  for keys the add-in's sheet leaves out.
* ``customUI/customUI.xml`` (the ribbon, see :mod:`.customui`), related from ``_rels/.rels``, and
  the add-in content type on ``xl/workbook.xml``.

XlsxWriter writes the package; a zip post-process adds the ribbon and changes the content type.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import xlsxwriter
from lxml import etree

from ..errors import XlToolsError
from ..catalog import operations
from ..registry import Operation
from ..vba.project import (WORKBOOK_BASE, Module, build_vba_project, document_module,
                           parse_module, read_module)
from . import customui

PROJECT_NAME = "xltools"                 # VBA project name, and xlwings' PROJECT_NAME
CONF_SHEET = f"{PROJECT_NAME}.conf"
ADDIN_CONTENT_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
# macros/ sits at the repository top (the design card); xltools/macros links to it so wheels ship it.
MACROS_DIR = Path(__file__).resolve().parents[1] / "macros"

# The keys xlwings' custom add-in reads from the conf sheet (xlwings docs, "Add-in & Settings").
CONF_KEYS = {
    "Interpreter_Win": "python.exe / pythonw.exe to run, e.g. %LOCALAPPDATA%\\Programs\\Python\\Python311\\pythonw.exe",
    "Interpreter_Mac": "python to run on macOS, e.g. /usr/local/bin/python3",
    "PYTHONPATH": "extra folders for Python's import path, separated by ;",
    "Conda Path": "Anaconda/Miniconda folder, e.g. C:\\Users\\me\\miniconda3",
    "Conda Env": "conda environment name, e.g. base",
    "UDF Modules": "Python modules with user-defined functions (unused by xltools)",
    "Debug UDFs": "True to debug UDFs (unused by xltools)",
    "Use UDF Server": "True to keep one Python process running (Windows)",
    "Show Console": "True to show the Python console window (Windows)",
    "ADD_WORKBOOK_TO_PYTHONPATH": "False to keep the book's folder off the import path",
}

_PROJECT_NAME_LINE = re.compile(r'^(Public Const PROJECT_NAME As String = )"[^"]*"', re.MULTILINE)
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"


@dataclass
class AddinBuild:
    """What :func:`build_addin` wrote."""

    path: Path
    modules: list[str]
    buttons: list[str]          # operation ids, in ribbon order
    settings: dict[str, str]
    xlwings_version: str
    size: int


def xlwings_modules(project_name: str = PROJECT_NAME) -> tuple[list[Module], str]:
    """xlwings' custom add-in VBA (``RunPython``) set to ``project_name``, its ``Dictionary``
    class, and the xlwings version they come from."""
    try:
        import xlwings
        package = resources.files("xlwings")
        main = package.joinpath("xlwings_custom_addin.bas").read_text(encoding="utf-8")
        dictionary = package.joinpath("addin", "Dictionary.cls").read_text(encoding="utf-8")
    except (ImportError, FileNotFoundError) as err:
        raise XlToolsError("找不到 xlwings 的自定义加载项 VBA 模块,请安装 xlwings(pip install xlwings)",
                           f"xlwings' custom add-in VBA module not found; install xlwings ({err})") from None
    main, count = _PROJECT_NAME_LINE.subn(rf'\g<1>"{project_name}"', main, count=1)
    if not count:
        raise XlToolsError("xlwings 的 VBA 模块里没有 PROJECT_NAME 常量,此版本 xlwings 不受支持",
                           f"xlwings {xlwings.__version__}: no PROJECT_NAME constant in its "
                           "custom add-in module; this xlwings version is not supported")
    return ([parse_module(main, "standard", name="xlwings"),
             parse_module(dictionary, "class", name="Dictionary")], xlwings.__version__)


def addin_modules(macros: Path | None = None) -> tuple[list[Module], str]:
    """Every module of the add-in's VBA project, and the xlwings version used."""
    macros = Path(macros) if macros else MACROS_DIR
    sources = sorted([*macros.glob("*.bas"), *macros.glob("*.cls")])
    if not sources:
        raise XlToolsError(f"在 {macros} 中找不到 VBA 源文件(*.bas)",
                           f"no VBA sources (*.bas) in {macros}; pass --macros DIR")
    ours = [read_module(path) for path in sources]
    for path, module in zip(sources, ours):
        if not module.code.isascii():
            raise XlToolsError(f"VBA 源文件只能包含 ASCII 字符:{path.name}",
                               f"VBA sources must be ASCII (put Chinese text in the ribbon): {path.name}")
    theirs, version = xlwings_modules()
    documents = [document_module("ThisWorkbook", WORKBOOK_BASE), document_module("Sheet1")]
    return documents + theirs + ours, version


def conf_settings(settings: Mapping[str, str] | None) -> dict[str, str]:
    """The non-empty settings, keys spelt as in :data:`CONF_KEYS` when they match one.

    Only keys with a value go in the sheet: xlwings stops at the first empty key cell, and an
    empty value in the sheet would hide the user's own ``xltools.conf`` file.
    """
    canonical = {k.upper(): k for k in CONF_KEYS}
    return {canonical.get(k.strip().upper(), k.strip()): str(v)
            for k, v in (settings or {}).items() if k.strip() and str(v).strip()}


def build_addin(output: str | Path, *, settings: Mapping[str, str] | None = None,
                ops: Iterable[Operation] | None = None, macros: Path | None = None) -> AddinBuild:
    """Write the add-in to ``output`` (atomically) and describe what went in.

    ``settings`` fills the ``xltools.conf`` sheet (see :data:`CONF_KEYS`); ``ops`` defaults to
    every registered operation; ``macros`` to the repository's ``macros/`` folder.
    """
    output = Path(output)
    ops = list(operations() if ops is None else ops)
    modules, xlwings_version = addin_modules(macros)
    settings = conf_settings(settings)
    vba = build_vba_project(modules, project_name=PROJECT_NAME)
    ribbon = customui.ribbon_xml(ops)
    package = _with_ribbon(_xlsx_package(vba, settings), ribbon)

    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".xltools-", suffix=".xlam", dir=output.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(package)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return AddinBuild(path=output, modules=[m.name for m in modules],
                      buttons=[op.id for op in ops if op.ribbon], settings=settings,
                      xlwings_version=xlwings_version, size=len(package))


def _xlsx_package(vba: bytes, settings: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_vba_project(io.BytesIO(vba), is_stream=True)
    book.set_vba_name("ThisWorkbook")
    sheet = book.add_worksheet(CONF_SHEET)
    sheet.set_vba_name("Sheet1")
    bold = book.add_format({"bold": True})
    sheet.set_column("A:B", 28)
    sheet.set_column("D:E", 30)
    for row, (key, value) in enumerate(settings.items()):
        sheet.write_string(row, 0, key)
        sheet.write_string(row, 1, value)
    # help beside the settings: xlwings reads only columns A:B, from A1 down to the first blank
    sheet.write_string(0, 3, "可用设置 / Available settings", bold)
    for row, (key, text) in enumerate(CONF_KEYS.items(), start=1):
        sheet.write_string(row, 3, key)
        sheet.write_string(row, 4, text)
    book.close()
    return buffer.getvalue()


def _with_ribbon(package: bytes, ribbon: bytes) -> bytes:
    """Add the ribbon part and its relationship; mark the workbook part as an add-in."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = _addin_content_type(data)
            elif item.filename == "_rels/.rels":
                data = _add_ribbon_relationship(data)
            dst.writestr(item, data)
        dst.writestr("customUI/customUI.xml", ribbon)
    return out.getvalue()


def _addin_content_type(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    found = root.xpath("ct:Override[@PartName='/xl/workbook.xml']", namespaces={"ct": _CONTENT_TYPES})
    if not found:
        raise ValueError("package has no /xl/workbook.xml part")
    found[0].set("ContentType", ADDIN_CONTENT_TYPE)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _add_ribbon_relationship(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    ids = {rel.get("Id") for rel in root}
    rel_id = next(f"rId{i}" for i in range(1, len(ids) + 2) if f"rId{i}" not in ids)
    etree.SubElement(root, f"{{{_PACKAGE_REL}}}Relationship", Id=rel_id,
                     Type=customui.RELATIONSHIP_TYPE, Target="customUI/customUI.xml")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
