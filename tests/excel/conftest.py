"""Tests against a real Excel (Windows or macOS), run with ``pytest -m excel tests/excel``.

They confirm what the in-memory stand-in (tests/xlwings_memory) can only imitate. Every test here
is marked ``excel`` and is skipped unless xlwings can start an Excel application: on Linux, on a
machine without Excel, or when Excel refuses to start (no licence, no desktop session).
"""

from __future__ import annotations

import contextlib
import sys

import pytest

_APP = {"checked": False, "app": None, "why": ""}


def pytest_configure(config):
    config.addinivalue_line("markers", "excel: needs a real Excel (Windows/macOS) through xlwings")


def _start_excel():
    if not _APP["checked"]:
        _APP["checked"] = True
        if sys.platform not in ("win32", "darwin"):
            _APP["why"] = f"real Excel runs only on Windows and macOS, not {sys.platform}"
        else:
            try:
                import xlwings as xw
                _APP["app"] = xw.App(visible=False, add_book=False)
            except Exception as err:  # noqa: BLE001 - any failure means: no Excel here
                _APP["why"] = f"could not start Excel through xlwings: {err}"
    return _APP["app"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "excel" in item.keywords and _start_excel() is None:
            item.add_marker(pytest.mark.skip(reason=_APP["why"]))


def pytest_sessionfinish(session, exitstatus):
    app = _APP["app"]
    if app is not None:
        with contextlib.suppress(Exception):
            app.quit()


@pytest.fixture(scope="session")
def excel_app():
    app = _start_excel()
    if app is None:
        pytest.skip(_APP["why"])
    return app


@pytest.fixture
def open_in_excel(excel_app):
    """Open a .xlsx in the real Excel; closed without saving afterwards."""
    opened = []

    def _open(path):
        book = excel_app.books.open(str(path))
        opened.append(book)
        return book

    yield _open
    for book in opened:
        with contextlib.suppress(Exception):
            book.close()   # unsaved: Excel discards the changes, the file stays as built
