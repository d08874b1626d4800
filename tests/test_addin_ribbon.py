"""``xltools.ribbon.run``: what a ribbon button does, with a fake workbook and a fake backend."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from xltools import catalog, registry, ribbon
from xltools.addin import customui
from xltools.changes import CellUpdate, Changeset, Result
from xltools.errors import BadWorkbookError
from xltools.testing import make_db


class FakeApp:
    def __init__(self, broken: bool = False):
        self.alerts: list[dict] = []
        self.broken = broken

    def alert(self, prompt, title=None, buttons="ok", mode=None):
        if self.broken:
            raise RuntimeError("no UI")
        self.alerts.append({"prompt": prompt, "title": title, "mode": mode})


class FakeBook:
    def __init__(self, broken_ui: bool = False):
        self.app = FakeApp(broken_ui)


class FakeBackend:
    def __init__(self, db=None, fail_with: Exception | None = None):
        self.db = db if db is not None else make_db()
        self.fail_with = fail_with
        self.applied: list[Changeset] = []

    def load(self):
        if self.fail_with:
            raise self.fail_with
        return self.db

    def apply(self, changes, db):
        self.applied.append(changes)


@pytest.fixture
def temp_ops():
    catalog.operations()
    added: list[str] = []

    def add(op_id, func, **kwargs):
        registry.register(registry.Operation(
            id=op_id, label_zh=f"{op_id} 中", label_en=f"{op_id} en", help_zh="", help_en="",
            example=f"xltools {op_id} book.xlsx", func=func, **kwargs))
        added.append(op_id)

    yield add
    for op_id in added:
        registry.REGISTRY.pop(op_id, None)


def changing(db, **params):
    changes = Changeset("t-write", updates=[CellUpdate("Customers", 2, "CustomerName", "a", "b")])
    return Result(changes=changes, summary_zh="改了 1 个单元格", summary_en="1 cell changed")


def test_a_writing_operation_applies_its_changes_and_shows_the_summary(temp_ops):
    temp_ops("t-write", changing)
    book, backend = FakeBook(), FakeBackend()
    assert ribbon.run("t-write", book, backend_factory=lambda b: backend) is True
    assert len(backend.applied) == 1 and backend.applied[0].updates[0].new == "b"
    [alert] = book.app.alerts
    assert alert["prompt"] == "改了 1 个单元格" and alert["mode"] == "info"
    assert "t-write 中" in alert["title"]


def test_read_only_operation_never_applies_and_speaks_the_books_language(temp_ops):
    temp_ops("t-read", changing, writes=False)
    book, backend = FakeBook(), FakeBackend(make_db(lang="en"))
    ribbon.run("t-read", book, backend_factory=lambda b: backend)
    assert backend.applied == []
    assert book.app.alerts[0]["prompt"] == "1 cell changed"


def test_real_info_operation_runs_through_the_dispatch():
    book, backend = FakeBook(), FakeBackend(make_db({"Customers": [{"CustomerName": "甲"}, {"CustomerName": "乙"}]}))
    assert ribbon.run("info", book, backend_factory=lambda b: backend)
    assert "Customers(客户基础信息):2 行" in book.app.alerts[0]["prompt"]


def test_defaults_are_passed_for_optional_parameters(temp_ops):
    seen = {}

    def with_params(db, days=30, names=()):
        seen.update(days=days, names=names)
        return Result(changes=Changeset("t-params"))

    temp_ops("t-params", with_params, params=(
        registry.Param("days", ("--days",), int, 90), registry.Param("names", multiple=True)))
    ribbon.run("t-params", FakeBook(), backend_factory=lambda b: FakeBackend())
    assert seen == {"days": 90, "names": ()}


def assert_readable_error(alert, *fragments):
    assert alert["mode"] == "critical"
    assert "Traceback" not in alert["prompt"] and 'File "' not in alert["prompt"]
    for fragment in fragments:
        assert fragment in alert["prompt"]


def test_unknown_operation_is_a_bilingual_box():
    book = FakeBook()
    assert ribbon.run("no-such-op", book, backend_factory=lambda b: FakeBackend()) is False
    assert_readable_error(book.app.alerts[0], "未知的操作", "unknown operation: no-such-op")


def test_a_crash_inside_an_operation_is_a_bilingual_box(temp_ops):
    def crash(db):
        raise RuntimeError("boom at row 7")

    temp_ops("t-crash", crash)
    book = FakeBook()
    assert ribbon.run("t-crash", book, backend_factory=lambda b: FakeBackend()) is False
    assert_readable_error(book.app.alerts[0], "内部错误", "RuntimeError: boom at row 7")


def test_a_backend_error_shows_its_own_words():
    book = FakeBook()
    failing = FakeBackend(fail_with=BadWorkbookError("找不到客户表", "customer table not found"))
    ribbon.run("info", book, backend_factory=lambda b: failing)
    assert_readable_error(book.app.alerts[0], "找不到客户表", "customer table not found")


def test_an_operation_needing_arguments_points_to_the_command_line(temp_ops):
    temp_ops("t-args", changing, params=(registry.Param("source", required=True),))
    book = FakeBook()
    ribbon.run("t-args", book, backend_factory=lambda b: FakeBackend())
    assert_readable_error(book.app.alerts[0], "命令行", "xltools t-args book.xlsx")


@pytest.mark.skipif(importlib.util.find_spec("xltools.backend.excel") is not None,
                    reason="the live backend exists")
def test_without_the_live_backend_the_box_says_so():
    book = FakeBook()
    assert ribbon.run("info", book) is False
    assert_readable_error(book.app.alerts[0], "Excel", "live Excel backend")


def test_a_box_that_cannot_be_shown_does_not_raise(temp_ops):
    temp_ops("t-quiet", changing)
    assert ribbon.run("t-quiet", FakeBook(broken_ui=True), backend_factory=lambda b: FakeBackend())


class DialogApi:
    """Excel's Application dialogs as COM exposes them; each returns False when cancelled."""

    def __init__(self, answer):
        self.answer = answer
        self.asked: list[tuple] = []

    def InputBox(self, prompt, title):  # noqa: N802 - Excel's own names
        self.asked.append(("InputBox", prompt, title))
        return self.answer

    def GetOpenFilename(self, file_filter, index, title, button, multi):  # noqa: N802
        self.asked.append(("GetOpenFilename", title, multi))
        return self.answer


def book_with_dialogs(answer):
    book = FakeBook()
    book.app.api = DialogApi(answer)
    return book


def test_a_button_asks_for_a_required_argument_and_runs_with_it():
    db = make_db({"Customers": [{"CustomerID": "C20240315001", "CustomerName": "甲", "Region": "华南"},
                                {"CustomerID": "C20240315002", "CustomerName": "乙", "Region": "华北"}]})
    book = book_with_dialogs("Region=华南")
    assert ribbon.run("query", book, backend_factory=lambda b: FakeBackend(db)) is True
    assert book.app.api.asked[0][0] == "InputBox" and "条件" in book.app.api.asked[0][1]
    assert "1" in book.app.alerts[-1]["prompt"]          # 找到 1 位客户


def test_cancelling_the_question_runs_nothing_and_shows_nothing():
    backend = FakeBackend()
    book = book_with_dialogs(False)
    assert ribbon.run("query", book, backend_factory=lambda b: backend) is False
    assert book.app.alerts == [] and backend.applied == []


def test_import_asks_for_files_with_excels_file_picker(temp_ops):
    seen = {}

    def take(db, sources=()):
        seen["sources"] = sources
        return Result(changes=Changeset("t-files"))
    temp_ops("t-files", take, params=(registry.Param("sources", (), multiple=True, required=True,
                                                     ask="files"),))
    book = book_with_dialogs(("a.csv", "b.xlsx"))
    assert ribbon.run("t-files", book, backend_factory=lambda b: FakeBackend()) is True
    assert book.app.api.asked[0][0] == "GetOpenFilename" and seen["sources"] == ("a.csv", "b.xlsx")


def test_every_registered_operation_has_a_ribbon_button():
    assert all(op.ribbon for op in catalog.operations())


def test_every_button_icon_is_a_published_microsoft_control_id():
    from xltools.addin.customui import known_icons
    icons = known_icons()
    assert len(icons) > 5000 and {"FileSave", "RemoveDuplicates", "DataValidation"} <= icons
    assert not {"GroupMoveToFolder", "TagMarkMenu", "CalendarMonthDetails"} & icons
    assert {op.icon for op in catalog.operations() if op.ribbon} <= icons
    source = (Path(customui.__file__).with_name("imagemso.txt")).read_text(encoding="utf-8")
    assert "github.com/OfficeDev/office-fluent-ui-command-identifiers" in source


def test_a_button_with_an_unknown_icon_is_refused():
    from dataclasses import replace

    op = replace(next(o for o in catalog.operations() if o.ribbon), icon="TagMarkMenu")
    with pytest.raises(ValueError, match="TagMarkMenu"):
        customui.ribbon_xml([op])
