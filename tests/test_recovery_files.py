"""Issue 14, cases 7 and 8 through the CLI: a stray cell at XFD1048576 behind an out-of-date
<dimension> (in the book, unsorted, or in an import source), and a DOCTYPE placed after the first
4 KB of a part."""

import os
import re
import subprocess
import sys
import zipfile

import pytest

from badfiles import part_names, rewrite
from integration_support import demo_book, load, run, sha, working_copy_of

STRAY = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "team.xlsx"
    demo_book(path, customers=40, seed=21)
    return path


@pytest.fixture
def book(pristine, tmp_path, monkeypatch):
    return working_copy_of(pristine, tmp_path, monkeypatch)


def stale_dimension_with_stray(book, out, where="end"):
    """The stray cell; the <dimension> still says only the table's range."""
    def edit(xml):
        assert re.search(rb"<dimension ref=\"A1:[A-Z]+\d{2,3}\"", xml)
        if where == "end":
            return xml.replace(b"</sheetData>", STRAY + b"</sheetData>", 1)
        return xml.replace(b'<row r="3"', STRAY + b'<row r="3"', 1)  # not in row order
    return rewrite(book, out, {part_names(book)["sheet"]: edit})


def peak_run(args, tmp_path):
    """Run the CLI in a child; its exit code, stderr and its own peak memory (VmHWM, MB)."""
    peak = tmp_path / "peak"
    code = ("import sys\nfrom xltools.cli import main\ntry:\n    main(sys.argv[1:-1])\n"
            "except SystemExit as e:\n    code = e.code or 0\n"
            "hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')]\n"
            "open(sys.argv[-1], 'w').write(hwm[0])\nsys.exit(code)\n")
    proc = subprocess.run([sys.executable, "-c", code, *map(str, args), str(peak)],
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
                          capture_output=True, text=True)
    return proc.returncode, proc.stderr, int(peak.read_text()) // 1024 if peak.exists() else None


@pytest.mark.parametrize("where", ["end", "middle"])
def test_a_far_stray_cell_in_the_book_is_read_around_and_kept(book, pristine, tmp_path, where):
    stale_dimension_with_stray(book, book, where)
    customers = len(load(book).customers)
    code, err, peak = peak_run(["tag", book], tmp_path)
    assert code == 0, err
    assert "Traceback" not in err and "memory allocation" not in err
    assert peak < 500, f"peak RSS {peak} MB"
    assert len(load(book).customers) == customers == len(load(pristine).customers)
    with zipfile.ZipFile(book) as z:        # the person's stray cell is still in the book
        assert b'r="XFD1048576"' in z.read(part_names(book)["sheet"])


def test_a_far_stray_cell_in_an_import_source_is_a_message(book, pristine, tmp_path):
    source = stale_dimension_with_stray(pristine, tmp_path / "展会名单.xlsx")
    before = sha(book)
    code, err, peak = peak_run(["import", book, source], tmp_path)
    assert code == 2, err
    assert "XFD1048576" in err and "展会名单.xlsx" in err and " / " in err
    assert "Traceback" not in err and peak < 500
    assert sha(book) == before


def _late_doctype(xml: bytes) -> bytes:
    """A DOCTYPE after a 6 KB comment: past the first 4 KB, still before the root element."""
    decl, _, body = xml.partition(b"?>")
    doctype = b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
    return decl + b"?>\n<!--" + b"x" * 6000 + b"-->\n" + doctype + body


def test_a_doctype_after_the_first_4kb_is_refused_in_the_book(book):
    rewrite(book, book, {part_names(book)["sheet"]: _late_doctype})
    before = sha(book)
    for command in (["info", book], ["tag", book]):
        result = run(*command)
        assert result.exit_code == 2, result.output
        assert "DTD" in result.stderr and "Traceback" not in result.output
    assert sha(book) == before


def test_a_doctype_after_the_first_4kb_is_refused_in_an_import_source(book, pristine, tmp_path):
    source = rewrite(pristine, tmp_path / "leads.xlsx", {part_names(pristine)["sst"]: _late_doctype})
    before = sha(book)
    result = run("import", book, source)
    assert result.exit_code == 2 and "DTD" in result.stderr, result.output
    assert sha(book) == before
