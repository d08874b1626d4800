"""Excel's 32,767-character limit on a cell's text.

Excel counts UTF-16 code units and "repairs" a file with a longer cell. The writer never writes
one: it keeps the first 32,767 units (never half a surrogate pair), notes the cut in the result and
the ChangeLog, and keeps the full text in the book, on a sheet named :data:`SHEET_TITLES`, cut in
pieces of :data:`PIECE` characters (``=CONCAT(F2:F4)`` puts it back together).

>>> cap("ab" * 5)
('ababababab', None)
>>> text, full = cap("😀" * 20000)
>>> full, excel_len(text), text[-1] == "😀"
(40000, 32766, True)
>>> [len(p) for p in pieces("x" * 70000)]
[32000, 32000, 6000]
"""

from __future__ import annotations

EXCEL_MAX = 32767
PIECE = 32000
SHEET_TITLES = {"zh": "长文本", "en": "Long text"}
HEADERS = {"zh": ["时间", "工作表", "单元格", "总长度", "段", "内容"],
           "en": ["Time", "Sheet", "Cell", "Length", "Piece", "Text"]}


def excel_len(text: str) -> int:
    """Length as Excel counts it (UTF-16 code units)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def cap(text: str) -> tuple[str, int | None]:
    """(text cut to Excel's limit, its full Excel length) or (text, None) when it fits."""
    if len(text) <= EXCEL_MAX // 2 or excel_len(text) <= EXCEL_MAX:
        return text, None
    units, end = 0, 0
    for end, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > EXCEL_MAX:
            break
    return text[:end], excel_len(text)


def pieces(text: str) -> list[str]:
    """The full text in pieces that each fit a cell."""
    return [text[i:i + PIECE] for i in range(0, len(text), PIECE)] or [""]


def messages(length: int, sheet: str, rows: tuple[int, int]) -> tuple[str, str]:
    """(zh, en) note for one cut text."""
    where = f"{rows[0]}-{rows[1]}" if rows[0] != rows[1] else str(rows[0])
    return (f"文本共 {length} 字符,超过 Excel 单元格上限 {EXCEL_MAX},已截断;全文见“{sheet}”表第 {where} 行",
            f"text of {length} characters exceeds Excel's {EXCEL_MAX}-character cell limit and "
            f"was cut; the full text is on sheet '{sheet}', rows {where}")


def note(length: int, sheet: str, rows: tuple[int, int]) -> str:
    """The ChangeLog note for one cut text."""
    return " / ".join(messages(length, sheet, rows))


def issues(truncated: list[dict]) -> list:
    """Warnings for a command's result, one per cut text (from the writer's report)."""
    from ..changes import Issue

    out = []
    for t in truncated:
        zh, en = messages(t["length"], t["kept_on"], tuple(t["rows"]))
        out.append(Issue(t["sheet"], None, t["cell"], t["length"], "text_too_long", "warning",
                         f"{t['cell']}:{zh}", f"{t['cell']}: {en}"))
    return out
