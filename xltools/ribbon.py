"""What a ribbon button runs: ``RunPython "import xltools.ribbon as r; r.run('<id>')"``.

:func:`run` takes the user's open workbook (``xw.Book.caller()``), runs the operation on it through
:class:`xltools.Book` and the live backend (loads the book into a CustomerDB, applies the returned
changes in place) and shows
the summary in a message box. Every failure becomes a readable bilingual message box, never a
Python traceback dialog; the traceback goes to the ``xltools.ribbon`` logger.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from .book import Book
from .errors import UnknownOperationError, XlToolsError
from .catalog import get
from .registry import Operation

log = logging.getLogger(__name__)
TITLE = "xltools"


def live_backend(book: Any):
    """The backend that reads and writes an open workbook through xlwings (``Book.live``)."""
    try:
        from .backend.excel import ExcelBackend
    except ImportError:
        raise XlToolsError("此版本的 xltools 尚未包含 Excel 实时后端,请在命令行中运行该操作",
                           "this xltools has no live Excel backend yet; run the operation "
                           "from the command line") from None
    return ExcelBackend(book)


def run(op_id: str, book: Any = None,
        backend_factory: Callable[[Any], Any] = live_backend) -> bool:
    """Run operation ``op_id`` on ``book`` (default: the workbook that called) and report in a
    message box. Returns True when the operation ran, False when it failed (already reported)."""
    try:
        if book is None:
            import xlwings as xw
            book = xw.Book.caller()
    except Exception as err:  # noqa: BLE001 - no book, no Excel: nothing to show a box in
        log.exception("xltools ribbon: no calling workbook")
        raise SystemExit(f"xltools: 找不到调用的工作簿 / no calling workbook: {err}") from None
    try:
        op = _operation(op_id)
        target = Book(backend_factory(book))
        result = target.run(op.id, **_asked_params(op, book))
    except Cancelled:
        return False
    except Exception as err:  # noqa: BLE001 - every failure becomes one readable box
        log.exception("xltools ribbon: %s failed", op_id)
        _alert(book, error_message(err), f"{TITLE}: {op_id}", mode="critical")
        return False
    lang = target.lang or "zh"
    summary = result.summary_zh if lang == "zh" else result.summary_en
    done = "完成" if lang == "zh" else "done"
    _alert(book, summary or done, f"{TITLE}: {op.label(lang)}", mode="info")
    return True


def _operation(op_id: str) -> Operation:
    try:
        return get(op_id)
    except KeyError:
        raise UnknownOperationError(f"未知的操作:{op_id}(加载项与 xltools 版本不一致?请重新生成加载项)",
                           f"unknown operation: {op_id} (add-in and xltools versions differ? "
                           "rebuild the add-in)") from None


class Cancelled(Exception):
    """The person closed the dialog that asked for an argument: nothing to do, nothing to say."""


FILE_FILTER = "Excel/CSV (*.xlsx;*.xlsm;*.xls;*.csv),*.xlsx;*.xlsm;*.xls;*.csv"


def _asked_params(op: Operation, book: Any) -> dict:
    """The arguments a button asks for in Excel: the required ones (the others keep their
    defaults, filled in by :meth:`xltools.Book.run`)."""
    return {p.name: _ask(book, op, p) for p in op.params if p.required}


def _ask(book: Any, op: Operation, param) -> Any:
    """Ask through Excel's own dialogs (Application.InputBox / GetOpenFilename /
    GetSaveAsFilename); they return False when cancelled."""
    title = f"{TITLE}: {op.label_zh} / {op.label_en}"
    prompt = f"{param.help_zh or param.name}\n{param.help_en or param.name}"
    try:
        api = book.app.api
        if param.ask == "files":
            answer = api.GetOpenFilename(FILE_FILTER, 1, title, None, True)
        elif param.ask == "save":
            answer = api.GetSaveAsFilename(None, FILE_FILTER, 1, title)
        else:
            answer = api.InputBox(prompt, title)
    except Exception:  # noqa: BLE001 - no dialog here (e.g. macOS): say how to run it instead
        log.exception("xltools ribbon: cannot ask for %s", param.name)
        raise XlToolsError(f"操作 {op.id} 需要 {param.help_zh or param.name},请在命令行运行:{op.example}",
                           f"operation {op.id} needs {param.help_en or param.name}; run it from "
                           f"the command line: {op.example}") from None
    if answer is False or answer is None or answer == "":
        raise Cancelled
    if param.multiple:
        return tuple(answer) if isinstance(answer, (list, tuple)) else (str(answer),)
    return str(answer)


def error_message(err: BaseException) -> str:
    """``中文\\n\\nEnglish`` for a message box; never a traceback."""
    if isinstance(err, XlToolsError):
        return f"{err.zh}\n\n{err.en}"
    text = (str(err).splitlines() or [""])[0][:300]
    return (f"内部错误:{type(err).__name__}。详情已写入日志。\n\n"
            f"internal error: {type(err).__name__}: {text}")


def _alert(book: Any, prompt: str, title: str, mode: str) -> None:
    try:
        book.app.alert(prompt, title=title, buttons="ok", mode=mode)
    except Exception:  # noqa: BLE001 - a box we cannot show must not turn into a traceback
        log.exception("xltools ribbon: could not show a message box")
