"""Due follow-ups as iCalendar files (RFC 5545), one per owner, built with ``icalendar``.

Each due follow-up is one event at :data:`AT` on its date, floating local time (a phone shows it
at 9:00 wherever it is), 30 minutes long, with a display alarm :data:`ALARM` before. An overdue
follow-up is put on today, titled as overdue, with its original date in the description: an event
in the past would never remind anyone. The UID is made of the customer ID, so importing
tomorrow's file again updates the same event instead of adding a copy; SEQUENCE grows with the
date it is put on.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

PRODID = "-//xltools//customer follow-ups//ZH"
AT = dt.time(9, 0)
LENGTH = dt.timedelta(minutes=30)
ALARM = dt.timedelta(minutes=15)
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
             *(f"lpt{i}" for i in range(1, 10))}


def _clean(text) -> str:
    """Text a calendar can carry: no control characters or lone surrogates (a pasted bell or a
    broken emoji in a customer name must not stop everyone's reminders)."""
    return _NOT_TEXT.sub("", str(text or ""))


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def owner_calendar(owner: str, items: pd.DataFrame, today: dt.date, lang: str,
                   book_name: str = "") -> bytes:
    """The .ics of one owner's due follow-ups (rows of :func:`xltools.core.todo.due_followups`)."""
    from icalendar import Alarm, Calendar, Event

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    owner = _clean(owner)
    cal.add("x-wr-calname", _t(lang, f"客户跟进 · {owner}", f"Customer follow-ups · {owner}"))
    stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    seen: set[str] = set()
    for r in items.assign(**{k: items[k].map(_clean) for k in
                             ("id", "name", "contact", "phone", "next_step", "last_content")}
                          ).itertuples():
        uid = f"{r.id or 'row' + str(r.row)}-followup@xltools"
        if uid in seen:                 # a customer ID typed twice: still two events
            uid = f"{r.id}-{r.row}-followup@xltools"
        seen.add(uid)
        due = r.due.date()
        day = max(due, today)
        start = dt.datetime.combine(day, AT)
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", stamp)
        event.add("sequence", (day - dt.date(2000, 1, 1)).days)
        event.add("dtstart", start)
        event.add("dtend", start + LENGTH)
        title = _t(lang, f"跟进:{r.name}", f"Follow up: {r.name}")
        if r.overdue:
            title = _t(lang, f"【逾期】{title}", f"[overdue] {title}")
        event.add("summary", title)
        lines = [_t(lang, f"客户ID:{r.id}", f"Customer ID: {r.id}")]
        if r.contact or r.phone:
            lines.append(_t(lang, "联系人:", "Contact: ") + " ".join(v for v in (r.contact, r.phone) if v))
        if r.next_step:
            lines.append(_t(lang, f"下一步计划:{r.next_step}", f"Next step: {r.next_step}"))
        if r.overdue:
            lines.append(_t(lang, f"原定跟进日期:{due}(已逾期 {(today - due).days} 天)",
                            f"Was due on {due} ({(today - due).days} days overdue)"))
        if not pd.isna(r.last_time):
            lines.append(_t(lang, f"上次跟进 {r.last_time.date()}:{r.last_content}",
                            f"Last follow-up {r.last_time.date()}: {r.last_content}"))
        if book_name:
            lines.append(_t(lang, f"工作簿:{book_name}", f"Workbook: {book_name}"))
        event.add("description", "\n".join(lines))
        event.add("categories", [_t(lang, "客户跟进", "Follow-up")])
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", title)
        alarm.add("trigger", -ALARM)
        event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()


def file_name(owner: str) -> str:
    """A file name for ``owner``'s calendar that every file system accepts."""
    name = _UNSAFE.sub("_", _clean(owner)).strip(" .") or "owner"
    if name.lower() in _RESERVED:           # a file Windows cannot create
        name = "_" + name
    return f"{name}.ics"


def is_ours(path: Path) -> bool:
    """An .ics this module wrote (so a later run may replace it without --force)."""
    try:
        with open(path, "rb") as fh:
            return PRODID.encode() in fh.read(400)
    except OSError:
        return False
