"""Every form of date a team types is the same date to the loader, the checks, the rules and the
importer (one reader: xltools.core.values). A cell that passes validation is never NaT to a rule.
"""

from __future__ import annotations

import datetime as dt
import types

import openpyxl
import pandas as pd
import pytest

from xltools.backend.file import FileBackend
from xltools.core.condition import Context, evaluate, parse
from xltools.core.validate import validate
from xltools.importer.values import dates as import_dates
from xltools.template import build_template
from xltools.testing import make_db

MARCH_15 = dt.date(2024, 3, 15)

# (what is in the cell, the date it means; None: not surely a date, reported for a person to fix)
TABLE = [
    ("2024/3/15", MARCH_15),
    ("2024-3-15", MARCH_15),
    ("2024-03-15", MARCH_15),
    ("2024年3月15日", MARCH_15),
    ("2024年03月15号", MARCH_15),
    ("2024.3.15", MARCH_15),
    ("20240315", MARCH_15),
    (20240315, MARCH_15),
    (45366, MARCH_15),                      # Excel serial (a date cell that lost its format)
    (45366.75, MARCH_15),                   # serial with a time of day
    ("45366", MARCH_15),                    # a serial as CSV exports carry it
    ("２０２４／３／１５", MARCH_15),          # full-width digits and slash
    ("２０２４年３月１５日", MARCH_15),
    (" 2024-03-15 10:30 ", MARCH_15),       # a time is kept by the loader, rules use the day
    ("2024-03-15T10:30:00Z", MARCH_15),
    ("15/03/2024", MARCH_15),               # day first: 15 cannot be a month
    ("03/15/2024", MARCH_15),               # month first: 15 cannot be a month
    ("15.03.2024", MARCH_15),
    ("03/03/2024", dt.date(2024, 3, 3)),    # either order gives the same day
    ("03/04/2024", None),                   # 3 April or 4 March? refused, never guessed
    ("2024-02-30", None),
    ("2024-13-01", None),
    ("1024-03-15", None),                   # a typo, not the middle ages
    ("24/3/15", None),                      # two-digit year
    ("3月15日", None),                      # no year
    ("明天", None),
    ("2024", None),
    (True, None),
]
IDS = [repr(typed) for typed, _ in TABLE]


def _day(value) -> dt.date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return pd.Timestamp(value).date()
    if isinstance(value, dt.date):
        return value
    return None     # kept as typed: the loader could not read it


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A real book whose LastFollowUpTime cells hold every form of the table, loaded from disk."""
    path = tmp_path_factory.mktemp("dates") / "dates.xlsx"
    rows = [{"CustomerID": f"C20240301{i:03d}", "CustomerName": f"客户{i}"} for i in range(len(TABLE))]
    build_template(path, data=types.SimpleNamespace(frames={"Customers": pd.DataFrame(rows)}))
    wb = openpyxl.load_workbook(path)
    ws = wb["客户基础信息"]
    column = next(c.column for c in ws[1] if c.value == "最后跟进时间")
    for i, (typed, _) in enumerate(TABLE):
        ws.cell(row=2 + i, column=column, value=typed)
    wb.save(path)
    return FileBackend(path).load().df("Customers")["LastFollowUpTime"]


@pytest.fixture(scope="module")
def raw_db():
    """The same values straight in a CustomerDB, as typed, so the checks and rules read them
    themselves instead of seeing the loader's answer."""
    return make_db({"Customers": [{"CustomerID": f"C{i}", "LastFollowUpTime": typed}
                                  for i, (typed, _) in enumerate(TABLE)]})


@pytest.mark.parametrize(("i", "expected"), [(i, e) for i, (_, e) in enumerate(TABLE)], ids=IDS)
def test_the_loader_reads_the_date(loaded, i, expected):
    assert _day(loaded.iloc[i]) == expected


@pytest.mark.parametrize(("i", "expected"), [(i, e) for i, (_, e) in enumerate(TABLE)], ids=IDS)
def test_validation_accepts_exactly_the_dates(raw_db, i, expected):
    result = validate(raw_db, today=dt.date(2024, 6, 1), mark=False)
    flagged = {issue.row for issue in result.issues
               if issue.column == "LastFollowUpTime" and issue.check == "type"}
    assert (2 + i in flagged) == (expected is None)


@pytest.mark.parametrize(("i", "expected"), [(i, e) for i, (_, e) in enumerate(TABLE)], ids=IDS)
def test_a_rule_sees_the_same_date(raw_db, i, expected):
    ctx = Context.from_db(raw_db, today=dt.date(2024, 6, 1))
    row = raw_db.df("Customers").index[i]
    same_day = evaluate(parse(f"LastFollowUpTime = {expected or MARCH_15}"), ctx)
    any_date = evaluate(parse("LastFollowUpTime >= 1900-01-01"), ctx)
    assert bool(same_day[row]) == (expected is not None)
    assert bool(any_date[row]) == (expected is not None)


@pytest.mark.parametrize(("i", "expected"), [(i, e) for i, (_, e) in enumerate(TABLE)], ids=IDS)
def test_the_importer_reads_the_same_date(i, expected):
    typed = TABLE[i][0]
    parsed, bad = import_dates(pd.Series([typed]))
    assert bool(bad.iloc[0]) == (expected is None)
    if expected is not None:
        assert parsed.iloc[0] == expected


def test_a_date_literal_in_a_condition_is_read_the_same_way():
    ctx = Context.from_db(make_db({"Customers": [{"CustomerID": "C1", "LastFollowUpTime": MARCH_15}]}))
    for literal in ("2024/3/15", "2024年3月15日", "20240315", "2024.3.15", "15/03/2024"):
        assert evaluate(parse(f"LastFollowUpTime = {literal}"), ctx).tolist() == [True], literal
