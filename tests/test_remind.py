"""Reminders: the To-do sheet and one calendar file per owner, read back by a second iCalendar
library (vobject) that knows nothing of the one that wrote them (icalendar)."""

import datetime as dt

import pandas as pd
import pytest

from integration_support import cli, demo_book, load
from xltools.core.todo import due_followups, todo_sheet

vobject = pytest.importorskip("vobject")


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("remind") / "客户数据库.xlsx"
    demo_book(path, customers=120)
    return path


def expected_due(db, today, days):
    """Due follow-ups counted straight from the sheet: owner -> customer IDs."""
    c = db.customers
    nxt = pd.to_datetime(c["NextFollowUpTime"], errors="coerce")
    owner = c["Owner"].fillna("").astype(str).str.strip()
    keep = nxt.notna() & (nxt <= pd.Timestamp(today) + pd.Timedelta(days=days)) & \
        ~owner.isin(["", "公海"])
    out = {}
    for o, cid in zip(owner[keep], c["CustomerID"][keep]):
        out.setdefault(o, []).append(str(cid).strip())
    return out


def test_one_calendar_per_owner_one_event_per_due_followup(book, tmp_path):
    folder = tmp_path / "提醒"
    code, out, err = cli("remind", book, "-o", folder, "--days", "10")
    assert code == 0, err
    db = load(book)
    today = dt.date.today()
    expected = expected_due(db, today, 10)
    files = sorted(folder.glob("*.ics"))
    assert {f.stem for f in files} == set(expected) and len(expected) >= 3
    for f in files:
        cal = vobject.readOne(f.read_text(encoding="utf-8"))
        events = list(cal.vevent_list)
        assert len(events) == len(expected[f.stem])
        assert sorted(e.uid.value.split("-")[0] for e in events) == sorted(expected[f.stem])
        for e in events:
            start = e.dtstart.value
            assert start.date() >= today and start.time() == dt.time(9, 0)
            alarm = e.valarm_list[0]
            assert alarm.action.value == "DISPLAY" and alarm.trigger.value == -dt.timedelta(minutes=15)
            if e.summary.value.startswith("【逾期】"):
                assert start.date() == today and "原定跟进日期" in e.description.value
    assert out["followups"] == sum(map(len, expected.values()))


def test_todo_sheet_lists_each_owners_items_and_deals(book):
    db = load(book)
    today = dt.date.today()
    rebuild, data = todo_sheet(db, today, days=10, close_days=30)
    items = due_followups(db, today, 10)
    for owner, counts in data["owners"].items():
        mine = items[items["owner"] == owner]
        assert counts["overdue"] == mine["overdue"].sum()
        title = next(r[0] for r in rebuild.rows if r and str(r[0]).startswith(owner + ":"))
        assert f"逾期 {counts['overdue']}" in title
    ids = {r[3] for r in rebuild.rows if len(r) > 3}
    assert set(items["id"]) <= ids
    o = db.df("Opportunities")
    close = pd.to_datetime(o["ExpectedCloseDate"], errors="coerce")
    open_soon = o[close.notna() & (close <= pd.Timestamp(today) + pd.Timedelta(days=30))
                  & ~o["Stage"].isin(["成交", "输单"]) & ~o["Owner"].isin(["公海"]) & o["Owner"].notna()]
    assert set(open_soon["OpportunityID"]) <= ids
    assert rebuild.page["orientation"] == "landscape" and rebuild.page["title_rows"] == (1, 2)


def test_an_owner_with_many_overdue_sees_the_latest_and_how_many_more(book, monkeypatch):
    import xltools.core.todo as todo
    db = load(book)
    today = dt.date.today()
    items = due_followups(db, today, 10)
    late = items[items["overdue"]]
    owner, n_late = late["owner"].value_counts().index[0], late["owner"].value_counts().iloc[0]
    assert n_late >= 3
    monkeypatch.setattr(todo, "LATE_LIMIT", 2)
    rebuild, data = todo_sheet(db, today, days=10, close_days=30)
    rows = [r for r in rebuild.rows if len(r) > 3]
    listed = {r[3] for r in rows}
    mine = items[items["owner"] == owner]
    mine_late = mine[mine["overdue"]]
    # the two most recently due are listed, the earlier ones are not; every not-yet-due one is
    assert set(mine_late["id"].iloc[-2:]) <= listed
    assert not set(mine_late["id"].iloc[:-2]) & (listed - set(mine_late["id"].iloc[-2:]))
    assert set(mine[~mine["overdue"]]["id"]) <= listed
    title = next(i for i, r in enumerate(rebuild.rows) if r and str(r[0]).startswith(owner + ":"))
    assert f"逾期 {n_late}" in rebuild.rows[title][0]                 # the title counts them all
    assert f"另有 {n_late - 2} 项更早的逾期跟进未列出" in rebuild.rows[title + 2][2]
    assert data["owners"][owner]["overdue"] == n_late and data["not_listed"] >= n_late - 2


def test_remind_writes_the_todo_sheet_and_a_second_run_replaces_its_calendars(book, tmp_path):
    folder = tmp_path / "cal"
    assert cli("remind", book, "-o", folder)[0] == 0
    first = {f.name: f.read_bytes() for f in folder.glob("*.ics")}
    assert cli("remind", book, "-o", folder)[0] == 0          # ours: replaced without --force
    assert set(first) == {f.name for f in folder.glob("*.ics")}
    db = load(book)
    from xltools.xlsx.package import Package
    with Package(book) as pkg:
        assert pkg.sheet("待办") is not None
    (folder / "张伟.ics").unlink(missing_ok=True)
    stranger = folder / next(iter(first))
    stranger.write_text("not ours")
    code, _, err = cli("remind", book, "-o", folder)
    assert code == 2 and stranger.read_text() == "not ours"   # someone else's file: refused


def test_dry_run_writes_no_calendar(book, tmp_path):
    before = book.read_bytes()
    code, out, _ = cli("remind", book, "-o", tmp_path / "x", "--dry-run")
    assert code == 0 and out["calendars"] and not (tmp_path / "x").exists()
    assert book.read_bytes() == before


def test_control_characters_and_odd_owner_names_still_give_valid_calendars():
    from xltools.reminders import file_name, owner_calendar
    items = pd.DataFrame([{"id": "C1", "row": 2, "name": "响铃\x07公司\ud800", "contact": "李\x00",
                           "phone": "138****0000", "due": pd.Timestamp("2026-12-01"), "overdue": True,
                           "next_step": "报价\x0b确认", "last_time": pd.NaT, "last_content": ""}])
    data = owner_calendar("张\x07三", items, dt.date(2026, 12, 3), "zh")
    event = vobject.readOne(data.decode("utf-8")).vevent
    assert event.summary.value == "【逾期】跟进:响铃公司"
    assert file_name("../x/y") == "_x_y.ics" and file_name("CON") == "_CON.ics"
    assert file_name("张\x07三") == "张三.ics"
