"""``xltools monthly`` end to end on the messy demo book, through the real file backend.

The story a team lives every month: the batch lists what is wrong (exit 1, a report); a person
fixes the cells (here: the test, through our own API: FileBackend + CellUpdate/RowRemove, and the
dedupe review + ``merge``); the next batch is clean (exit 0); and running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from integration_support import (
    assert_same_tables,
    changelog_rows,
    cli,
    contains_raw,
    demo_book,
    load,
    raw_values,
    tables,
    use_demo_key,
)
from rapidfuzz import process
from stdnum.cn import uscc

from xltools.backend.file import FileBackend
from xltools.backend.history import backups
from xltools.changes import CellUpdate, Changeset, RowRemove
from xltools.core.regions import division_of, region_for_code

# Planted problems that validation must still list after the batch's own fixes (mask, sync ...).
STILL_OPEN = {"blank_required", "not_in_list", "missing_code", "bad_id_format", "region_mismatch",
              "future_date"}


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    use_demo_key(monkeypatch)


def monthly(*books, extra=()) -> tuple[int, dict]:
    code, out, _ = cli("monthly", *books, *extra)
    return code, out


def issue_at(issues: list[dict], table: str, row: int, column: str) -> list[dict]:
    return [i for i in issues if (i["table"], i["row"], i["column"]) == (table, row, column)]


# ---------------------------------------------------------------- fixing the book like a person


def approve_planted_duplicates(book: Path, data) -> int:
    """On the Review table, approve each cluster made only of one planted duplicate group and
    reject any other; returns how many clusters were approved."""
    groups = {}
    for p in data.planted_of("duplicate"):
        groups.setdefault(p["group"], set()).add(p["row"])
    backend = FileBackend(book)
    db = backend.load()
    review = db.df("Review")
    changes = Changeset("test-review")
    approved = 0
    for _, block in review.groupby("ClusterID"):
        rows = set(block["Row"].astype(int))
        verdict = "批准" if any(rows <= g for g in groups.values()) else "拒绝"
        approved += verdict == "批准"
        changes.updates += [CellUpdate("Review", int(r), "Decision", None, verdict)
                            for r in block.index]
    backend.apply(changes, db)
    return approved


def _new_credit_code(db, region: str, salt: int) -> str:
    """A valid 统一社会信用代码 issued in ``region`` (division taken from a customer there)."""
    division = next(division_of(c) for c in db.customers["CreditCode"].dropna().astype(str)
                    if uscc.is_valid(c) and region_for_code(c) == region)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + division + "MA" + "".join(alphabet[(salt * 7 + k * 13) % 31] for k in range(7))
    return body + uscc.calc_check_digit(body)


def fix_open_problems(book: Path, issues: list[dict]) -> int:
    """Correct each listed cell the way a person would; returns how many changes were made."""
    backend = FileBackend(book)
    db = backend.load()
    changes = Changeset("test-fix")
    seen = set()
    for issue in issues:
        table, row, column, check = issue["table"], issue["row"], issue["column"], issue["check"]
        if (table, row, column) in seen:
            continue
        seen.add((table, row, column))
        df = db.df(table)
        old = df.at[row, column]
        if check == "reference":          # a follow-up / opportunity of nobody: drop it
            changes.removals.append(RowRemove(table, row, key=str(df.iat[0, 0])))
            continue
        listed = db.schema.table(table).column(column).list
        if column == "Region":            # the region the credit code was issued in
            new = region_for_code(df.at[row, "CreditCode"])
        elif listed:                      # the dropdown value the typist meant
            options = db.lists[listed]
            new = process.extractOne(str(old), options)[0] if old else options[-1]
        elif check == "uscc":             # a mistyped character: recompute the check digit
            new = old[:-1] + uscc.calc_check_digit(old[:-1])
        elif check == "code_required":
            new = _new_credit_code(db, df.at[row, "Region"], row)
        elif check == "id_format":        # c2024... -> C2024..., and everything pointing at it
            new = old.upper()
            for linked in ("FollowUps", "Tags", "Opportunities"):
                ids = db.df(linked)["CustomerID"]
                changes.updates += [CellUpdate(linked, int(r), "CustomerID", old, new)
                                    for r in ids.index[ids == old]]
        elif check == "future_date":
            new = dt.datetime.combine(dt.date.today(), dt.time())
        elif column == "ContactPerson":
            new = "陈明"
        elif column == "ContactPhone":
            new = "13912345678"
        else:
            raise AssertionError(f"the test does not know how to fix {issue}")
        changes.updates.append(CellUpdate(table, row, column, old, new))
    backend.apply(changes, db)
    return changes.data_changes()


# ---------------------------------------------------------------- the story


def test_monthly_lists_problems_then_clean_after_fixes_then_settles(tmp_path):
    book = tmp_path / "团队.xlsx"
    data = demo_book(book)

    # 1. the batch lists the planted problems and exits 1
    code, out = monthly(book)
    assert code == 1
    run = out["books"][0]
    issues = run["issues"]
    assert run["open_problems"]["errors"] > 0
    assert run["open_problems"] == {"errors": sum(i["severity"] == "error" for i in issues),
                                    "warnings": sum(i["severity"] == "warning" for i in issues)}
    for p in data.planted:
        if p["kind"] in STILL_OPEN:
            found = issue_at(issues, p["table"], p["row"], p["column"])
            assert any(i["check"] == p["check"] for i in found), p
        if p["kind"] == "orphan_reference" and p["table"] != "Tags":  # (tag drops stray auto tags)
            assert issue_at(issues, p["table"], p["row"], "CustomerID"), p
        if p["kind"] == "unmasked":      # the batch masked these itself
            found = issue_at(issues, p["table"], p["row"], p["column"])
            assert not [i for i in found if i["check"] == "unmasked"], p
    for p in data.planted_of("duplicate"):   # every record of a duplicate group is flagged
        flagged = [i for i in issues if i["table"] == "Customers" and i["row"] == p["row"]]
        assert {i["check"] for i in flagged} & {"duplicate", "unique"}, p

    # the dated HTML report lists them, with no raw phone / ID number / e-mail in it
    report = Path(run["report"])
    assert report.exists() and report.parent == book.parent
    html = report.read_text(encoding="utf-8")
    for i in issues:
        assert i["message_zh"] in html
    assert f"遗留问题({len(issues)})" in html
    raws = raw_values(data)
    assert raws, "the demo plants raw phones and IDs"
    assert not [r for r in raws if contains_raw(html, r)]

    # 2. a person fixes what is listed: duplicates through the review sheet and merge ...
    assert approve_planted_duplicates(book, data) == len({p["group"] for p in
                                                          data.planted_of("duplicate")})
    code, merged, _ = cli("merge", book)
    assert code == 0 and merged["pending_clusters"] == 0
    # ... the other cells by hand (row numbers as they are after the merge)
    code, left, _ = cli("validate", book)
    assert code == 1
    assert not [i for i in left["issues"] if i["check"] in ("duplicate", "unique")]
    assert fix_open_problems(book, left["issues"]) >= len(left["issues"]) // 2

    # 3. the next batch finds nothing open
    code, out = monthly(book)
    run = out["books"][0]
    assert (code, run["open_problems"], run["issues"]) == (0, {"errors": 0, "warnings": 0}, [])
    assert "没有遗留问题" in Path(run["report"]).read_text(encoding="utf-8")

    # 4. and running it again changes nothing at all
    before, log_rows = tables(book), changelog_rows(book)
    code, out = monthly(book)
    assert code == 0
    assert [s["changes"] for s in out["books"][0]["steps"]] == [0] * len(out["books"][0]["steps"])
    assert changelog_rows(book) == log_rows
    assert_same_tables(before, tables(book))


def test_several_books_are_reported_one_by_one(tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    sizes = {"a.xlsx": len(demo_book(a, customers=60, seed=1).frames["Customers"]),
             "b.xlsx": len(demo_book(b, customers=80, seed=2).frames["Customers"])}
    code, out = monthly(a, b)
    assert code == 1
    runs = {Path(r["book"]).name: r for r in out["books"]}
    assert set(runs) == {"a.xlsx", "b.xlsx"}
    for name, run in runs.items():
        assert run["open_problems"]["errors"] > 0
        assert Path(run["report"]).name.startswith(Path(name).stem + "-")
        assert Path(run["report"]).exists()
    counts = {n: len(load(tmp_path / n).customers) for n in runs}
    assert counts == sizes and sizes["a.xlsx"] != sizes["b.xlsx"]  # each book kept its own


def test_a_broken_second_book_exits_2_and_the_first_is_still_processed(tmp_path):
    good, broken = tmp_path / "good.xlsx", tmp_path / "broken.xlsx"
    demo_book(good, customers=60)
    broken.write_bytes(b"PK\x03\x04 this is not a workbook")
    log_before = changelog_rows(good)
    code, out, stderr = cli("monthly", good, broken)
    assert code == 2
    first, second = out["books"]
    assert Path(first["book"]) == good and "open_problems" in first
    assert changelog_rows(good) > log_before                 # the first book was processed
    assert Path(second["book"]) == broken and second["ok"] is False
    assert second["error"]["message_zh"] and second["error"]["message_en"]
    assert "broken.xlsx" in stderr
    assert broken.read_bytes() == b"PK\x03\x04 this is not a workbook"


def test_dry_run_leaves_the_book_byte_identical_and_writes_no_vault(tmp_path):
    book = tmp_path / "book.xlsx"
    demo_book(book, customers=60)
    original = book.read_bytes()
    code, out = monthly(book, extra=("--dry-run",))
    assert code == 1 and out["books"][0]["open_problems"]["errors"] > 0
    assert out["books"][0]["changes"] > 0                    # it did find work to do ...
    assert book.read_bytes() == original                     # ... and wrote none of it
    assert not (tmp_path / "book.xlsx.vault").exists()       # not even the masked raw values
    assert not [p for p in tmp_path.iterdir() if "xltools-work" in p.name]
    assert backups(book) == []                               # nothing changed: nothing to undo
    assert not list(tmp_path.glob("*.html"))                 # and no report either


def test_a_real_run_leaves_no_working_files_behind(tmp_path):
    book = tmp_path / "book.xlsx"
    demo_book(book, customers=60)
    monthly(book)
    monthly(book)
    assert not [p.name for p in tmp_path.iterdir() if "xltools-work" in p.name]


@pytest.mark.libreoffice
def test_the_book_after_monthly_opens_in_libreoffice(tmp_path, libreoffice):
    book = tmp_path / "book.xlsx"
    demo_book(book, customers=60)
    monthly(book)
    copy = tmp_path / "copy.xlsx"          # LibreOffice gets a copy: it must not lock ours
    shutil.copyfile(book, copy)
    report = libreoffice.probe(copy)[0]
    db = load(book)
    for tf in db.tables.values():
        rng = report["database_ranges"][tf.table_name]
        assert rng.split("!")[0].strip("'") == tf.sheet
    n = len(db.customers)
    assert report["database_ranges"]["tblCustomers"].endswith(f"{n + 1}")
    assert db.schema.sheet("Summary").title(db.lang) in report["sheets"]


def test_rereading_only_what_a_step_wrote_gives_the_same_book_as_reading_it_all(tmp_path):
    """The batch re-reads only the tables a step touched (FileBackend.reload); a backend without
    that reads the whole book before every step. Both must end with the same book."""
    from xltools.context import RunContext
    from xltools.monthly import run_monthly

    class ReadEverything(FileBackend):
        def reload(self, db, changes):
            return self.load()

    (tmp_path / "partial").mkdir()
    (tmp_path / "full").mkdir()
    partial, full = tmp_path / "partial" / "book.xlsx", tmp_path / "full" / "book.xlsx"
    demo_book(partial)
    shutil.copyfile(partial, full)
    today = dt.date.today()
    runs = [run_monthly(backend(book, command="monthly", backups=False),
                        RunContext(today=today, book=book))
            for book, backend in ((partial, FileBackend), (full, ReadEverything))]
    assert [s.changes for s in runs[0].steps] == [s.changes for s in runs[1].steps]
    assert runs[0].issues == runs[1].issues
    assert sum(s.changes for s in runs[1].steps) > 0
    a, b = tables(partial), tables(full)
    for t in (a, b):
        t["ChangeLog"] = t["ChangeLog"].drop(columns="Time")
    assert_same_tables(a, b)


def test_an_english_book_gets_an_english_report(tmp_path):
    from xltools.demo import demo_data
    from xltools.template import build_template

    book = tmp_path / "book.xlsx"
    build_template(book, lang="en", data=demo_data(n_customers=60, seed=4))
    monthly(book)
    report = tmp_path / f"book-monthly-{dt.date.today():%Y-%m}.html"
    text = report.read_text(encoding="utf-8")
    assert "Open problems" in text and "遗留问题" not in text
