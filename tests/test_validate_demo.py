"""The demo book's planted problems are all found where they were planted, nothing else is
reported, and the clean demo book passes."""

import datetime

import pytest

demo = pytest.importorskip("xltools.demo")

from xltools.core.validate import validate
from xltools.testing import make_db

TODAY = datetime.date(2024, 6, 1)
# Planted kinds validation answers for (dedupe finds the name-only duplicates; the pool the idle).
VALIDATION_CHECKS = {"uscc", "idcard", "code_required", "unmasked", "required", "list",
                     "future_date", "id_format", "date_order", "region", "reference", "unique",
                     "duplicate"}
EXACT_COLUMNS = {"CreditCode", "ContactPhone", "CustomerID"}  # where a duplicate is exact


def ours(p: dict) -> bool:
    if p.get("check") not in VALIDATION_CHECKS:
        return False
    return p["kind"] != "duplicate" or p["column"] in EXACT_COLUMNS


@pytest.mark.parametrize("seed, n", [(20240315, 300), (7, 120)])
def test_every_planted_problem_is_found_at_its_cell(seed, n):
    data = demo.demo_data(n_customers=n, seed=seed, today=TODAY, mess=True)
    db = make_db(data.frames, lists=data.lists)
    result = validate(db, today=TODAY, key=data.fingerprint_key)
    found = {(i.table, i.row, i.column, i.check) for i in result.issues}
    planted = [p for p in data.planted if ours(p)]
    assert len(planted) >= 20
    missed = [p for p in planted if (p["table"], p["row"], p["column"], p["check"]) not in found]
    assert missed == []

    # Nothing unexplained: every reported row carries a planted problem or is part of a
    # planted duplicate group (the original shares its code and phone with the copies).
    explained = {(p["table"], p["row"]) for p in data.planted}
    stray = [i for i in result.issues if (i.table, i.row) not in explained]
    assert stray == []
    assert result.has_problems


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_clean_demo_book_passes(lang):
    data = demo.demo_data(n_customers=300, seed=20240315, today=TODAY, mess=False)
    db = make_db(data.frames, lists=data.lists, lang=lang)
    result = validate(db, today=TODAY, key=data.fingerprint_key)
    assert [i for i in result.issues if i.severity == "error"] == []
    assert result.issues == []
