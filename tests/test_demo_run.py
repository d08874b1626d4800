"""``xltools demo DIR``: the whole product on the demo team, as a first-time user runs it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from integration_support import load, main_command


@pytest.fixture
def no_key(monkeypatch):
    """No XLTOOLS_SECRET, as on a new machine (the demo brings its own key for the run);
    whatever the demo sets is undone after the test."""
    monkeypatch.setenv("XLTOOLS_SECRET", "placeholder")
    monkeypatch.delenv("XLTOOLS_SECRET")


def test_demo_builds_imports_runs_monthly_queries_and_exports(tmp_path, no_key):
    target = tmp_path / "演示"
    result = CliRunner().invoke(main_command(), ["demo", str(target), "--customers", "120",
                                                 "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    steps = summary["steps"]

    book = Path(summary["book"])
    assert book.exists() and book.parent == target
    report = Path(steps["monthly"]["report"])
    assert report.exists() and report.read_text(encoding="utf-8").startswith("<!doctype html>")
    exported = Path(steps["export"]["output"])
    assert exported.exists()

    # the import brought new customers in and flagged the ones the book already had
    assert steps["import"]["imported"] > 0 and steps["import"]["flagged"] >= 1
    # the monthly batch still lists the planted problems a person must fix
    assert steps["monthly"]["open_problems"]["errors"] > 0
    # the seed's example query finds customers
    assert steps["query"]["count"] >= 1

    db = load(book)
    review = db.df("Review")
    assert review["ClusterID"].nunique() >= 1            # duplicates await a decision
    assert {"批准", "拒绝"} >= set(review["Decision"].dropna()) and review["Keep"].notna().all()
    imported = {r["CustomerID"] for r in steps["import"]["imported_rows"]}
    assert imported <= set(db.customers["CustomerID"])

    raw = exported.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    region = db.schema.table("Customers").column("Region").label(db.lang)
    assert len(rows) == steps["export"]["count"] > 0
    assert {r[region] for r in rows} == {"华南"}
