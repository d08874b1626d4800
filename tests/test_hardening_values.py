"""Hostile values and leaks, on the demo book, through the real commands.

* Text that looks like a formula (``=``, ``+``, ``-``, ``@``, DDE ``=cmd|' /C calc'!A0``) arrives by
  import and is stored as text: openpyxl sees data type 's', and no ``<f>`` element exists in any
  sheet we wrote; CSV exports escape it with a leading apostrophe.
* Hyperlinks we create point inside the book: no external hyperlink relationship, every
  ``<hyperlink>`` element has a ``location`` and no relationship id.
* After ``mask`` and ``monthly``, no raw phone, ID number or e-mail of the demo (its planted
  ``unmasked`` values and everything ``reveal`` gives back) appears in any output: the book's XML
  parts (ChangeLog and Issues included), backups made after masking, the monthly HTML report,
  JSON on stdout, stderr, CSV and .xlsx exports.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xltools.backend import history
from xltools.backend.file import FileBackend
from xltools.cli import main
from xltools.template import build_template

HOSTILE = {
    "CustomerName": ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example/x","点我")'],
    "ContactPerson": ["@SUM(1+1)", "+1+1"],
    "Remarks": ["-2+3", "=1+1"],
}
SECRET = "values-test-secret-CA3jtGvXQ3bw16NRI9lGKfhaBfXnj9a3pmJHOXaXDdbS"


def text_of_zip(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                         if n.endswith((".xml", ".rels", ".vml")))


def digit_runs(text: str) -> set[str]:
    """Whole runs of digits: a phone inside a longer fingerprint is no leak."""
    return set(re.findall(r"\d{7,}", text))


def leaks(text: str, raw_values: list[str]) -> list[str]:
    runs = digit_runs(text)
    found = []
    for raw in raw_values:
        digits = re.sub(r"\D", "", raw)
        if raw in text or (len(digits) >= 11 and digits in runs):
            found.append(raw)
    return found


@pytest.fixture(scope="module")
def run_all(tmp_path_factory):
    """The demo book through import (hostile rows), mask, monthly, export and query; every output
    kept."""
    from xltools.demo import demo_data
    mp = pytest.MonkeyPatch()
    mp.setenv("XLTOOLS_SECRET", SECRET)
    folder = tmp_path_factory.mktemp("values")
    mp.setenv("XDG_CONFIG_HOME", str(folder / "config"))
    data = demo_data(n_customers=80, seed=5)
    book = folder / "team.xlsx"
    build_template(book, lang="zh", data=data)
    source = folder / "hostile.csv"
    with open(source, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["客户名称", "手机", "联系人", "所属行业", "备注"])
        for i in range(2):
            w.writerow([HOSTILE["CustomerName"][i], f"1391234567{i}", HOSTILE["ContactPerson"][i],
                        "制造业", HOSTILE["Remarks"][i]])
    runner = CliRunner()
    outputs: list[str] = []

    def run(*args):
        result = runner.invoke(main, [str(a) for a in args])
        assert result.exit_code in (0, 1), (args, result.exit_code, result.stderr, result.exception)
        outputs.extend([result.stdout, result.stderr])
        return result

    planted = []
    for p in data.planted_of("unmasked"):
        value = data.frames[p["table"]].iloc[p["row"] - 2][p["column"]]
        planted.append((p["id"], str(value).strip()))
    assert planted, "the demo plants raw values"
    raw = [v for _, v in planted] + ["13912345670", "13912345671"]

    run("import", book, source, "--json")
    # the check below can fail: before masking, the book does hold the planted raw values
    assert leaks(text_of_zip(book), [v for _, v in planted])
    run("mask", book, "--json")
    for backup in history.backups(book):     # mask's own backup holds the raw book, by design
        backup.unlink()
    run("monthly", book, "--report", f"{folder / 'reports'}/", "--json")
    run("validate", book, "--json")
    run("export", book, "-o", folder / "all.csv")
    run("export", book, "-o", folder / "all.xlsx")
    run("query", book, "Industry=制造业", "--json")
    db = FileBackend(book).load()
    imported = db.customers[db.customers["CustomerName"].isin(HOSTILE["CustomerName"])]
    for cid in [c for c, _ in planted] + imported["CustomerID"].tolist():
        revealed = json.loads(run("reveal", book, cid, "--json").stdout)
        outputs.pop()                            # reveal prints raw values: it is the way back
        outputs.pop()
        raw += [v for vals in _values(revealed) for v in vals]
    mp.undo()
    return {"book": book, "folder": folder, "outputs": outputs, "raw": sorted(set(raw)),
            "imported": imported}


def _values(doc) -> list[list[str]]:
    """Every list of strings in reveal's JSON (column -> [raw values])."""
    out = []
    if isinstance(doc, dict):
        for v in doc.values():
            out += _values(v)
    elif isinstance(doc, list) and all(isinstance(x, str) for x in doc):
        out.append(doc)
    elif isinstance(doc, list):
        for v in doc:
            out += _values(v)
    return out


def test_formula_like_text_is_stored_as_text(run_all):
    book = run_all["book"]
    assert len(run_all["imported"]) == 2
    wb = openpyxl.load_workbook(book)
    found = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if any(cell.value == v for vals in HOSTILE.values() for v in vals):
                    found.setdefault(cell.value, set()).add(cell.data_type)
    assert set(found) == {v for vals in HOSTILE.values() for v in vals}
    assert all(types == {"s"} for types in found.values()), found
    with zipfile.ZipFile(book) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        assert sheets
        for name in sheets:
            assert not re.search(rb"<(\w+:)?f[ >]", z.read(name)), f"a formula in {name}"


def test_csv_export_escapes_formula_like_text(run_all):
    with open(run_all["folder"] / "all.csv", encoding="utf-8-sig", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    for values in HOSTILE.values():
        for value in values:
            assert "'" + value in cells, value
            assert value not in cells, f"{value!r} exported unescaped"
    assert not [c for c in cells if c[:1] in ("=", "+", "@") or (c[:1] == "-" and not
                                                                   re.fullmatch(r"-[\d.]+", c))]


def test_hyperlinks_we_write_stay_inside_the_book(run_all):
    with zipfile.ZipFile(run_all["book"]) as z:
        for name in z.namelist():
            data = z.read(name)
            if name.endswith(".rels"):
                for rel in re.findall(rb"<Relationship\b[^>]*>", data):
                    assert not (b"/hyperlink" in rel and b"External" in rel), (name, rel)
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                for link in re.findall(rb"<(?:\w+:)?hyperlink\b[^>]*>", data):
                    assert b"location=" in link and b"r:id" not in link, (name, link)


def test_no_raw_value_in_any_output(run_all):
    raw, folder = run_all["raw"], run_all["folder"]
    assert len(raw) >= 5
    places = {"book XML": text_of_zip(run_all["book"]),
              "stdout/stderr": "\n".join(run_all["outputs"])}
    for report in (folder / "reports").glob("*.html"):
        places[report.name] = report.read_text(encoding="utf-8")
    assert any(name.endswith(".html") for name in places), "the monthly report was written"
    places["all.csv"] = (folder / "all.csv").read_text(encoding="utf-8-sig")
    places["all.xlsx"] = text_of_zip(folder / "all.xlsx")
    later = history.backups(run_all["book"])
    assert later, "monthly keeps a backup of the masked book"
    for backup in later:
        places[f"backup {backup.name}"] = text_of_zip(backup)
    found = {where: leaks(text, raw) for where, text in places.items()}
    assert not any(found.values()), {k: v for k, v in found.items() if v}
