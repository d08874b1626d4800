"""Errors people see: one line in Chinese and English, and the exit code a script gets.

Exit codes are the same for every command: 0 ok, 1 the data has problems, 2 the command could not
run (bad file, bad arguments, the book is open in Excel ...).
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


class BookLockedError(XlToolsError):
    """Excel or WPS holds the file (a ``~$name.xlsx`` lock file lies beside it)."""


class BadWorkbookError(XlToolsError):
    """The file is not a workbook we can read, or lacks our tables."""


class BadInputError(XlToolsError):
    """Arguments, an expression or a source file we cannot use."""
