"""The built .xlam: package parts, VBA read back by olevba and by LibreOffice, the ribbon XML."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from oletools.olevba import VBA_Parser
from python_calamine import CalamineWorkbook

from xltools import catalog, registry
from xltools.addin import customui
from xltools.addin.build import (ADDIN_CONTENT_TYPE, CONF_SHEET, MACROS_DIR, build_addin)
from xltools.changes import Changeset, Result
from xltools.cli import main
from xltools.errors import XlToolsError

CUI = {"c": customui.NAMESPACE}
SETTINGS = {"interpreter_win": r"C:\Python311\pythonw.exe", "PYTHONPATH": r"C:\work",
            "Show Console": "True", "Conda Env": ""}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_addin(tmp_path_factory.mktemp("addin") / "xltools.xlam", settings=SETTINGS)


def vba_modules(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}


def lf(text: str) -> str:
    return text.replace("\r\n", "\n").rstrip("\n")


def ribbon_of(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read("customUI/customUI.xml"))


def xlwings_source() -> str:
    import xlwings
    return (Path(xlwings.__file__).parent / "xlwings_custom_addin.bas").read_text(encoding="utf-8")


# ---------------------------------------------------------------- package


def test_package_is_a_macro_enabled_addin_with_a_ribbon(built):
    with zipfile.ZipFile(built.path) as z:
        types = etree.fromstring(z.read("[Content_Types].xml"))
        rels = etree.fromstring(z.read("_rels/.rels"))
        workbook = z.read("xl/workbook.xml").decode()
        names = set(z.namelist())
    ns = {"ct": "http://schemas.openxmlformats.org/package/2006/content-types"}
    workbook_type = types.xpath("ct:Override[@PartName='/xl/workbook.xml']/@ContentType", namespaces=ns)
    assert workbook_type == [ADDIN_CONTENT_TYPE]
    ui = [r for r in rels if r.get("Type") == customui.RELATIONSHIP_TYPE]
    assert [r.get("Target") for r in ui] == ["customUI/customUI.xml"]
    assert len({r.get("Id") for r in rels}) == len(rels)
    assert {"customUI/customUI.xml", "xl/vbaProject.bin"} <= names
    assert 'codeName="ThisWorkbook"' in workbook


def test_olevba_lists_every_module_with_our_source(built):
    found = vba_modules(built.path)
    assert set(found) == set(built.modules)
    assert {"ThisWorkbook", "xlwings", "xltools_ribbon"} <= set(found)
    for source in MACROS_DIR.glob("*.bas"):
        name = re.search(r'Attribute VB_Name = "([^"]+)"', source.read_text()).group(1)
        assert lf(found[name]) == lf(source.read_text())
    # xlwings' module, as shipped, with its project name set to ours
    expected = xlwings_source().replace('PROJECT_NAME As String = "myaddin"',
                                        'PROJECT_NAME As String = "xltools"')
    assert lf(found["xlwings"]) == lf(expected)


def test_conf_sheet_holds_the_settings_from_a1_down(built):
    grid = CalamineWorkbook.from_path(str(built.path)).get_sheet_by_name(CONF_SHEET).to_python()
    keys = [row[0] for row in grid] + [""]
    settings = [(row[0], row[1]) for row in grid[:keys.index("")]]
    # xlwings reads A:B from A1 to the first blank key; keys spelt as xlwings documents them;
    # empty values left out (they would hide the user's own config file)
    assert settings == [("Interpreter_Win", r"C:\Python311\pythonw.exe"), ("PYTHONPATH", r"C:\work"),
                        ("Show Console", "True")]
    assert all(not row[0] for row in grid[len(settings):])


# ---------------------------------------------------------------- ribbon


def test_ribbon_xml_is_sound(built):
    ui = ribbon_of(built.path)
    assert ui.xpath("//c:tab/@label", namespaces=CUI) == ["客户管理"]
    ids = ui.xpath("//@id")
    assert len(ids) == len(set(ids))
    buttons = ui.xpath("//c:button", namespaces=CUI)
    assert buttons and all(b.get("label", "").strip() for b in buttons)
    assert all(b.get("size") == "large" and b.get("imageMso") for b in buttons)
    code = "\n".join(vba_modules(built.path).values())
    for callback in {b.get("onAction") for b in buttons}:
        sub = callback.split(".")[-1]
        assert re.search(rf"^\s*(Public\s+)?Sub\s+{sub}\s*\(", code, re.MULTILINE | re.IGNORECASE), \
            f"no Sub {sub} in the add-in's VBA"


def test_one_button_per_ribbon_operation_in_group_order(built):
    ui = ribbon_of(built.path)
    ops = [op for op in catalog.operations() if op.ribbon]
    tags = ui.xpath("//c:button/@tag", namespaces=CUI)
    assert sorted(tags) == sorted(op.id for op in ops)
    for op in ops:
        button = ui.xpath(f"//c:button[@tag='{op.id}']", namespaces=CUI)[0]
        assert button.get("label") == op.label_zh
        assert op.label_en in button.get("screentip")
        assert op.help_zh in button.get("supertip") and op.help_en in button.get("supertip")
        assert button.getparent().get("label") == registry.GROUPS[op.group][0]
    group_labels = ui.xpath("//c:group/@label", namespaces=CUI)
    order = [zh for zh, _ in registry.GROUPS.values()]
    assert group_labels == [g for g in order if g in group_labels]


def _macros_fingerprint() -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(MACROS_DIR.iterdir()))).hexdigest()


def test_a_new_operation_gets_a_button_without_touching_macros(tmp_path):
    catalog.operations()
    before = _macros_fingerprint()
    op = registry.Operation(
        id="throwaway-check", label_zh="临时检查", label_en="Throwaway check",
        help_zh="测试用。", help_en="For the test.", example="xltools throwaway-check book.xlsx",
        func=lambda db: Result(changes=Changeset("throwaway-check")), group="batch",
        icon="FileSave")
    hidden = registry.Operation(
        id="no-button", label_zh="无按钮", label_en="No button", help_zh="", help_en="",
        example="", func=lambda db: Result(changes=Changeset("no-button")), ribbon=False)
    registry.register(op)
    registry.register(hidden)
    try:
        built = build_addin(tmp_path / "x.xlam")
    finally:
        del registry.REGISTRY[op.id], registry.REGISTRY[hidden.id]
    ui = ribbon_of(built.path)
    button = ui.xpath("//c:button[@tag='throwaway-check']", namespaces=CUI)
    assert len(button) == 1 and button[0].get("label") == "临时检查"
    assert button[0].getparent().get("label") == "批处理"
    assert not ui.xpath("//c:button[@tag='no-button']", namespaces=CUI)
    assert _macros_fingerprint() == before


def test_colliding_ribbon_ids_are_refused():
    make = lambda op_id: registry.Operation(  # noqa: E731
        id=op_id, label_zh="x", label_en="x", help_zh="", help_en="", example="",
        func=lambda db: None)
    with pytest.raises(ValueError, match="share the ribbon id"):
        customui.ribbon_xml([make("a-b"), make("a_b")])


def test_non_ascii_vba_source_is_refused(tmp_path):
    (tmp_path / "bad.bas").write_text('Attribute VB_Name = "bad"\r\n\' 客户\r\n', encoding="utf-8")
    with pytest.raises(XlToolsError, match="ASCII"):
        build_addin(tmp_path / "x.xlam", macros=tmp_path)
    assert not (tmp_path / "x.xlam").exists()


def test_cli_build_reports_modules_and_buttons(tmp_path):
    out = tmp_path / "cli.xlam"
    result = CliRunner().invoke(main, ["addin", "build", "-o", str(out), "--interpreter-win",
                                       r"C:\py\pythonw.exe", "--set", "Use UDF Server=True", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["settings"] == {"Interpreter_Win": r"C:\py\pythonw.exe", "Use UDF Server": "True"}
    assert "xltools_ribbon" in payload["modules"] and out.exists()
    bad = CliRunner().invoke(main, ["addin", "build", "-o", str(out), "--set", "novalue"])
    assert bad.exit_code == 2


# ---------------------------------------------------------------- LibreOffice

LO_SCRIPT = r'''
import json, os, subprocess, sys, tempfile, time
import uno
from com.sun.star.beans import PropertyValue

def prop(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p

path = os.path.abspath(sys.argv[1])
profile = tempfile.mkdtemp(prefix="xltools-lo-")
pipe = "xltools_lo_%d" % os.getpid()
office = subprocess.Popen(
    [sys.argv[2], "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
     "-env:UserInstallation=" + uno.systemPathToFileUrl(profile), "--accept=pipe,name=%s;urp;" % pipe],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(240):
        try:
            ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
            break
        except Exception:
            time.sleep(0.25)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0, (
        prop("Hidden", True), prop("FilterName", "Calc MS Excel 2007 VBA XML")))
    out = {"loaded": doc is not None, "modules": {}}
    if doc is not None:
        libs = doc.BasicLibraries
        out["libraries"] = list(libs.ElementNames)
        for name in out["libraries"]:
            if name == "Standard":
                continue
            libs.loadLibrary(name)
            lib = libs.getByName(name)
            out["modules"].update({m: lib.getByName(m) for m in lib.ElementNames})
        out["sheets"] = list(doc.Sheets.ElementNames)
        doc.close(True)
    print(json.dumps(out))
    try:
        desktop.terminate()
    except Exception:
        pass
finally:
    try:
        office.wait(timeout=30)
    except subprocess.TimeoutExpired:
        office.kill()
sys.stdout.flush()
os._exit(0)  # pyuno may segfault tearing down its bridge after the report is out
'''


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found or not Path("/usr/bin/python3").exists():
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) and /usr/bin/python3 with python3-uno are needed in CI")
        pytest.skip("LibreOffice is not installed")
    return found


@pytest.mark.libreoffice
def test_libreoffice_loads_the_addin_and_lists_the_same_modules(built, tmp_path):
    soffice = _soffice()
    script = tmp_path / "lo_modules.py"
    script.write_text(LO_SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    run = subprocess.run(["/usr/bin/python3", str(script), str(built.path), soffice],
                         capture_output=True, text=True, timeout=180, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["loaded"]
    assert CONF_SHEET in seen["sheets"]
    assert set(seen["modules"]) == set(built.modules)
    ours = vba_modules(built.path)
    for name in ("xltools_ribbon", "xlwings"):
        # LibreOffice drops Attribute lines and prepends its own Option lines; the code is ours
        body = [line for line in lf(ours[name]).split("\n") if not line.startswith("Attribute ")]
        assert "\n".join(body) in seen["modules"][name].replace("\r\n", "\n")
