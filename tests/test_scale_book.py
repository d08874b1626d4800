"""A used book's problem mix (xltools.demo.problems) through the commands a team runs: every
problem is reported, none stops a command, and a second monthly run adds no formats or notes."""

from __future__ import annotations

import json
import re
import zipfile

from click.testing import CliRunner

from xltools.backend.file import FileBackend
from xltools.cli import main
from xltools.demo import DEMO_SECRET, synthetic_frames
from xltools.demo.problems import plant_problems
from xltools.template import build_template


def _styles_and_notes(path) -> tuple[int, int, int]:
    with zipfile.ZipFile(path) as z:
        styles = z.read("xl/styles.xml").decode()
        notes = sum(z.read(n).decode().count("<comment ") for n in z.namelist()
                    if re.match(r"xl/comments\d*\.xml", n))
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.DOTALL).group(1).count("<xf ")
    return xfs, styles.count("<fill>"), notes


def test_problem_mix_is_reported_and_monthly_twice_leaves_no_residue(tmp_path, monkeypatch):
    monkeypatch.setenv("XLTOOLS_SECRET", DEMO_SECRET.decode())
    data = plant_problems(synthetic_frames(600, 3, seed=2), seed=3)
    bad_dates = {str(v) for v in data.frames["Customers"]["CreateTime"] if isinstance(v, str)}
    path = tmp_path / "team.xlsx"
    build_template(path, data=data)

    res = CliRunner().invoke(main, ["validate", str(path), "--no-mark", "--json"])
    assert res.exit_code == 1, res.output
    issues = json.loads(res.output)
    text = json.dumps(issues, ensure_ascii=False)
    assert all(d in text for d in bad_dates)                  # unreadable dates are named
    regions = FileBackend(path).load().load_issues
    assert {i.value for i in regions if i.column == "CreateTime"} == bad_dates

    for _ in range(2):
        res = CliRunner().invoke(main, ["monthly", str(path), "--json"])
        assert res.exit_code == 1, res.output                  # problems found, nothing broke
    first = _styles_and_notes(path)
    assert first[2] > 300                                     # the region mismatches are marked
    res = CliRunner().invoke(main, ["monthly", str(path), "--json"])
    assert res.exit_code == 1, res.output
    assert _styles_and_notes(path) == first


def test_duplicates_with_an_unreadable_creation_date_are_listed_as_typed():
    from xltools.core.dedupe import find_duplicates
    from xltools.core.dedupe.review import review_rows
    from xltools.testing import make_db
    code = "91440300MA5FXXXX1W"
    db = make_db({"Customers": [
        {"CustomerID": "C20240101001", "CustomerName": "深圳市华博科技有限公司", "CreditCode": code,
         "ContactPhone": "13812345678", "CreateTime": "2024年13月15日"},
        {"CustomerID": "C20240102001", "CustomerName": "深圳华博科技有限公司", "CreditCode": code,
         "ContactPhone": "13812345678", "CreateTime": "2024/1/2"}]})
    rows, _ = review_rows(db, find_duplicates(db))
    created = {r["CustomerID"]: r["CreateTime"] for r in rows}
    assert created["C20240101001"] == "2024年13月15日"
    assert str(created["C20240102001"]) == "2024-01-02"


def test_the_survivor_is_the_earliest_created_as_validation_reads_the_dates():
    """An ambiguous date (03/04/2024: 3 April or 4 March?) is no date to validation, so it does
    not make its record the older one (a date guesser would read it as 4 March)."""
    from xltools.core.dedupe import find_duplicates
    from xltools.testing import make_db
    code = "91440300MA5FXXXX1W"
    rows = [{"CustomerID": f"C2024010{n}001", "CustomerName": "深圳市华博科技有限公司",
             "CreditCode": code, "ContactPhone": "13812345678", "CreateTime": created}
            for n, created in ((1, "03/04/2024"), (2, "2024-06-01"))]
    for order in (rows, rows[::-1]):
        [cluster] = find_duplicates(make_db({"Customers": order}))
        assert cluster.survivor == "C20240102001"
