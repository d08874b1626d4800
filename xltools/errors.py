"""Errors people see: one line in Chinese and English, and the exit code a script gets.

Exit codes are the same for every command: 0 ok, 1 the data has problems, 2 the command could not
run (bad file, bad arguments, the book is open in Excel ...).

Each error is also the built-in exception that fits, so Python callers can catch either::

    >>> issubclass(BadInputError, ValueError), issubclass(BookLockedError, OSError)
    (True, True)
    >>> try:
    ...     raise BadInputError("日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD")
    ... except ValueError as err:
    ...     print(err.message("en"))
    date must be YYYY-MM-DD
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_CANNOT_RUN = 2


class XlToolsError(Exception):
    """A failure we can explain. ``str()`` gives ``中文 / English``."""

    exit_code = EXIT_CANNOT_RUN

    def __init__(self, zh: str, en: str, *, path: str | None = None, detail: str = ""):
        self.zh = zh
        self.en = en
        self.path = path
        self.detail = detail  # shown once under the message, in any language (a caret line)
        super().__init__(f"{zh} / {en}" + (f"\n{detail}" if detail else ""))

    def message(self, lang: str | None = None) -> str:
        if lang == "zh":
            return self.zh
        if lang == "en":
            return self.en
        return f"{self.zh} / {self.en}"


class BookLockedError(XlToolsError, OSError):
    """Excel or WPS holds the file (a ``~$name.xlsx`` lock file lies beside it), or another
    program changed it while we worked. An :class:`OSError`: the file cannot be used right now."""


class BadWorkbookError(XlToolsError, ValueError):
    """The file is not a workbook we can read, or lacks our tables."""


class BadInputError(XlToolsError, ValueError):
    """Arguments, an expression or a source file we cannot use."""


class UnknownOperationError(BadInputError, LookupError):
    """``Book.run("no-such-op")``: no operation has that id."""


class Terminated(XlToolsError):
    """SIGTERM (a scheduler stopping us) or Ctrl-C, raised where the program is so every
    ``finally`` removes its temp files and the lock. Nothing may carry on after it."""
