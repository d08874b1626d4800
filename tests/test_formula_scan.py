"""The privacy pass skips re-reading a table sheet that the load already read whole and found
without formulas; a formula a person typed beside a table must still be found and counted."""

import re
import zipfile

from xltools import Book
from xltools.demo import synthetic_frames
from xltools.schema import load_schema
from xltools.template import build_template
from xltools.xlsx.package import Package


def _book_with_formula(tmp_path, formula: bool):
    path = tmp_path / "book.xlsx"
    build_template(path, data=synthetic_frames(60, 1, seed=2))
    with Package(path) as pkg:
        part = pkg.table(load_schema().table("Customers").table_name).sheet.part
    out = tmp_path / ("formula.xlsx" if formula else "plain.xlsx")
    cell = b'<c r="AD3" t="str"><f>1&amp;"3900770000"</f><v>13900770000</v></c>'
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == part and formula:
                data = re.sub(rb'(<row r="3"[^>]*>.*?)(</row>)', lambda m: m.group(1) + cell
                              + m.group(2), data, count=1, flags=re.S)
            dst.writestr(item, data)
    return out


def _formulas(path) -> int:
    result = Book.open(path).validate(no_mark=True)
    return result.data.get("raw_outside_tables", {}).get("formulas", 0)


def test_a_formula_beside_a_table_is_counted_and_a_plain_sheet_is_not_read_again(tmp_path):
    assert _formulas(_book_with_formula(tmp_path, formula=True)) == 1
    assert _formulas(_book_with_formula(tmp_path, formula=False)) == 0
