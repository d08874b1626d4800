"""Find and mask personal data in the parts of a package that no managed table models.

``xltools mask`` masks the managed tables cell by cell (logged, raw values to the vault). What is
left is found here, in the package itself:

* shared strings (any sheet's text, and strings no cell uses any more);
* sheets without a managed table (the Query sheet, ImportReview, Summary, a person's own sheets):
  inline text, and numbers that read as a phone or ID number (13900770000 typed as a number);
* cached results of formulas: cleared when the result holds personal data or the formula reads
  a masked column (``=客户基础信息!F2``, ``tblCustomers[联系电话]``), and the workbook then asks
  for a full recalculation when it is opened (``calcPr fullCalcOnLoad``);
* notes (comments) on any sheet.

:func:`scrub_package` does it on a :class:`~xltools.xlsx.parts.PartStore`; ``apply=False`` only
counts (``validate`` reports raw values wherever they are). What counts as personal data, and
its masked form, comes from the caller (:class:`Masker`: ``xltools.core.privacy``'s scrub), so this
file-format module stays below the core.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Callable

from lxml import etree

from .extent import formula_free
from .package import MAIN_NS, q
from .sharedstrings import CELL_INDEX, SharedStrings

_REF = re.compile(r"(?:(?:'(?P<q>(?:[^']|'')+)'|(?P<s>[^\W\d][\w.]*))!)?\$?(?P<c1>[A-Z]{1,3})"
                  r"(?P<r1>\$?\d+)?(?::\$?(?P<c2>[A-Z]{1,3})(?:\$?\d+)?)?(?![\w(])")
_V = re.compile(rb"<v>([^<]*)</v>")
_F = re.compile(rb"<f\b([^>]*?)(?:/>|>([^<]*)</f>)")
_SI = re.compile(rb'\bsi="(\d+)"')


@dataclass(frozen=True)
class Masker:
    """``text(str) -> str`` masks personal data inside text; ``value(cell value)`` also turns a
    phone typed as a number into its masked text; both return the input when nothing is found."""

    text: Callable[[str], str]
    value: Callable[[object], object]
    may_hold: str = r"."          # a regular expression every text it may change matches
    may_hold_re2: str = r"."      # the same in RE2 (Arrow), for a million shared strings


@dataclass
class Target:
    """A managed table holding masked columns: where formulas must not read through."""

    sheet: str
    table: str
    letters: set[str]
    headers: set[str]


@dataclass
class Report:
    strings: int = 0          # shared strings masked
    cells: int = 0            # cells (inline text, numbers) masked on unmanaged sheets
    formulas: int = 0         # cached formula results cleared
    notes: int = 0            # comments masked
    where: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.strings + self.cells + self.formulas + self.notes


def _dirty(text: str, masker: Masker) -> bool:
    return bool(text) and bool(re.search(masker.may_hold, text)) and masker.text(text) != text


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def reads_masked(formula: str, sheet: str, targets: list[Target]) -> bool:
    """True when ``formula`` (on ``sheet``) refers to a masked column of a target table."""
    for t in targets:
        if "[" in formula and (t.table in formula or sheet == t.sheet) and \
                any(f"[{h}]" in formula or f"[@{h}]" in formula for h in t.headers):
            return True
    for m in _REF.finditer(formula):
        if not m.group("r1") and not m.group("c2"):
            continue            # a name or function, not a reference
        ref_sheet = (m.group("q") or "").replace("''", "'") or m.group("s") or sheet
        c1 = _col_number(m.group("c1"))
        c2 = _col_number(m.group("c2")) if m.group("c2") else c1
        for t in targets:
            if ref_sheet == t.sheet and any(c1 <= _col_number(x) <= c2 for x in t.letters):
                return True
    return False


def _formula_cells(data: bytes, sheet: str, targets: list[Target], report: Report,
                   apply: bool, masker: Masker) -> bytes:
    """Clear the cached value of formula cells that hold or read personal data."""
    if _F.search(data) is None:     # (one scan; most table sheets hold no formula)
        return data
    shared: dict[bytes, str] = {}
    for m in _F.finditer(data):
        si = _SI.search(m.group(1) or b"")
        if si and m.group(2):
            shared.setdefault(si.group(1), html.unescape(m.group(2).decode("utf-8")))
    out, pos = [], 0
    for m in _F.finditer(data):
        start = data.rfind(b"<c", 0, m.start())
        end = data.find(b"</c>", m.end())
        if start < pos or end < 0:
            continue
        cell = data[start:end]
        v = _V.search(cell)
        if v is None:
            continue
        text = html.unescape(m.group(2).decode("utf-8")) if m.group(2) else ""
        si = _SI.search(m.group(1) or b"")
        if not text and si:
            text = shared.get(si.group(1), "")
        cached = html.unescape(v.group(1).decode("utf-8"))
        value = cached if b't="str"' in cell[:cell.find(b">")] else _number(cached)
        if masker.value(value) == value and not reads_masked(text, sheet, targets):
            continue
        report.formulas += 1
        if apply:
            out += [data[pos:start], cell[:v.start()], cell[v.end():]]
            pos = end
    if not apply or not out:
        return data
    out.append(data[pos:])
    return b"".join(out)


def _number(text: str):
    try:
        return float(text)
    except ValueError:
        return text


def _unmanaged_cells(root, report: Report, masker: Masker, dirty: set[int]) -> bool:
    """Mask inline text and phone-like numbers of a sheet without managed tables (its shared
    strings are masked in the string table; here they are only counted)."""
    changed = False
    for c in root.iter(q("c")):
        if c.find(q("f")) is not None:
            continue
        t = c.get("t")
        if t == "s":
            v = c.find(q("v"))
            if v is not None and (v.text or "").isdigit() and int(v.text) in dirty:
                report.cells += 1
        elif t == "inlineStr":
            for el in c.iter(q("t")):
                if el.text and _dirty(el.text, masker):
                    el.text = masker.text(el.text)
                    report.cells += 1
                    changed = True
        elif t in (None, "n"):
            v = c.find(q("v"))
            if v is None or not v.text:
                continue
            value = _number(v.text)
            masked = masker.value(value)
            if masked != value:
                c.remove(v)
                c.set("t", "inlineStr")
                etree.SubElement(etree.SubElement(c, q("is")), q("t")).text = str(masked)
                report.cells += 1
                changed = True
    return changed


def _dirty_strings(sst: SharedStrings, masker: Masker) -> list[int]:
    """The shared strings holding personal data (only the few that may are parsed: a big book
    has a million and almost none needs a change)."""
    return [i for i in sst.candidates(masker.may_hold_re2) if _dirty(sst.text(i), masker)]


def _replace_text(item, text: str) -> None:
    """Make a note's text one plain run holding ``text``."""
    for el in list(item):
        item.remove(el)
    el = etree.SubElement(item, q("t"))
    el.text = text
    el.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def _notes(root, report: Report, masker: Masker) -> bool:
    """Mask the text of notes (comments)."""
    changed = False
    for item in list(root.iter(q("text"))):
        text = "".join(el.text or "" for el in item.iter(q("t")))
        if _dirty(text, masker):
            _replace_text(item, masker.text(text))
            report.notes += 1
            changed = True
    return changed


def scrub_package(pkg, parts, targets: list[Target], managed_sheets: set[str], masker: Masker, *,
                  apply: bool = True) -> Report:
    """Mask (or with ``apply=False`` count) personal data outside the managed tables."""
    report = Report()
    dirty: list[int] = []
    if pkg.sst_part and pkg.sst_part in parts:
        sst = SharedStrings(parts[pkg.sst_part])
        dirty = _dirty_strings(sst, masker)
        report.strings += len(dirty)
        if dirty and apply:
            parts[pkg.sst_part] = sst.replaced({i: masker.text(sst.text(i)) for i in dirty})
    dirty_set = set(dirty)
    before = report.formulas
    for info in pkg.worksheets:
        if info.part not in parts:
            continue
        # A table sheet the load read whole and found without formulas: nothing to do here,
        # also after this write's cell edits (the writer puts values in cells, never a formula).
        if not (info.name in managed_sheets and formula_free(pkg, info.part)):
            _sheet_cells(pkg, parts, info, targets, report, apply, masker,
                         managed_sheets, dirty_set)
        comments = pkg.comments_part(info.part)
        if comments and comments in parts:
            root = parts.xml(comments)
            if _notes(root, report, masker) and apply:
                parts.put_xml(comments, root)
    if apply and report.formulas > before:
        _full_calc_on_load(pkg, parts)
    return report


def _sheet_cells(pkg, parts, info, targets, report, apply, masker, managed_sheets,
                 dirty: set[int]) -> None:
    """One sheet's cached formula results, and on a sheet without tables its cells."""
    data = parts[info.part]
    new = _formula_cells(data, info.name, targets, report, apply, masker)
    if info.name not in managed_sheets and _worth_parsing(new, masker, dirty):
        root = etree.fromstring(new, etree.XMLParser(resolve_entities=False, huge_tree=True))
        if _unmanaged_cells(root, report, masker, dirty):
            new = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    if apply and new is not data:
        parts[info.part] = new


_BIG_NUMBER = re.compile(rb"<v>\s*-?(?:\d{7,}|\d(?:\.\d+)?[eE]\+?\d+)")


def _worth_parsing(data: bytes, masker: Masker, dirty: set[int]) -> bool:
    """Whether a sheet without tables may hold a cell :func:`_unmanaged_cells` would count or
    mask: a shared string found dirty, a number as big as a phone, or text that passes the quick
    test (a character reference may hide digits). Most such sheets (a reminders list of 60,000
    rows) have none, and are not parsed into a tree at all."""
    if dirty and dirty.intersection(int(i) for i in CELL_INDEX.findall(data)):
        return True
    if _BIG_NUMBER.search(data) or b"&#" in data:
        return True
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        text = pa.array([data.decode("utf-8")], type=pa.large_string())
        return bool(pc.match_substring_regex(text, masker.may_hold_re2)[0].as_py())
    except Exception:  # noqa: BLE001 - not UTF-8, no pyarrow: parse it
        return True


_AFTER_CALC = ("oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes",
               "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst")


def _full_calc_on_load(pkg, parts) -> None:
    """Ask Excel and LibreOffice to recalculate every formula when the book is opened."""
    root = parts.xml(pkg.workbook_part)
    calc = root.find(q("calcPr"))
    if calc is None:
        calc = etree.Element(q("calcPr"))
        later = next((el for el in root if etree.QName(el).localname in _AFTER_CALC), None)
        if later is not None:
            later.addprevious(calc)
        else:
            root.append(calc)
    calc.set("fullCalcOnLoad", "1")
    parts.put_xml(pkg.workbook_part, root)


__all__ = ["MAIN_NS", "Masker", "Report", "Target", "reads_masked", "scrub_package"]
