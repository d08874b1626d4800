"""What ``xltools undo`` prints: the history table (``--list``) and what an undo reverted."""

from __future__ import annotations

from pathlib import Path

from .backend import history


def _row(snap: history.Snapshot, current: int | None) -> dict:
    return {"n": snap.n, "time": snap.time, "command": snap.command, "kind": snap.kind,
            "sha256": snap.sha256, "parent": snap.parent, "current": snap.n == current,
            "path": str(snap.path)}


def list_history(book: Path, lang: str) -> tuple[dict, str]:
    """Newest first: number, time, what made the state, and which one the book is in now."""
    book = Path(book)
    snaps = history.list_backups(book)
    current = history.current(book) if book.exists() else None
    payload = {"ok": True, "book": str(book), "current": current,
               "history": [_row(s, current) for s in reversed(snaps)]}
    zh = lang == "zh"
    if not snaps:
        return payload, (f"{book.name} 还没有历史记录" if zh else f"no history for {book.name} yet")
    lines = [f"{book.name} 的历史(新→旧;xltools undo --to 编号 恢复任一状态):" if zh else
             f"History of {book.name} (newest first; xltools undo --to N restores any of them):"]
    for s in reversed(snaps):
        what = (f"{s.label(lang)} 之后" if zh else f"after {s.label(lang)}") \
            if s.kind == history.WRITE else s.label(lang)
        mark = ("  ← 当前" if zh else "  <- current") if s.n == current else ""
        lines.append(f"  {s.n:>4}  {s.time.replace('T', ' ')}  {what}  {s.sha256[:12]}{mark}")
    if current is None:
        lines.append("  当前工作簿在 xltools 上次写入后被修改过(不在历史中)" if zh else
                     "  the book as it is now was changed outside xltools (not in the history)")
    return payload, "\n".join(lines)


def undo_message(result: history.UndoResult, book: Path, lang: str) -> tuple[dict, str]:
    zh = lang == "zh"
    back, left, saved = result.restored, result.reverted, result.saved
    payload = {"ok": True, "path": str(book), "restored": _row(back, back.n),
               "reverted": _row(left, back.n) if left else None,
               "saved_current": _row(saved, back.n) if saved else None,
               "restored_from": str(back.path)}
    state_zh = f"{back.label('zh')} 之后" if back.kind == history.WRITE else back.label("zh")
    state_en = f"after {back.label('en')}" if back.kind == history.WRITE else back.label("en")
    if left is not None and left.kind == history.WRITE:
        head_zh = f"已撤销 {left.command}({left.time.replace('T', ' ')})"
        head_en = f"Undid {left.command} ({left.time.replace('T', ' ')})"
    elif left is not None:
        head_zh, head_en = f"已撤销:{left.label('zh')}", f"Undid: {left.label('en')}"
    else:
        head_zh, head_en = "已恢复", "Restored"
    text_zh = f"{head_zh}:工作簿恢复为 #{back.n}({state_zh},{back.time.replace('T', ' ')})"
    text_en = f"{head_en}: the book is now #{back.n} ({state_en}, {back.time.replace('T', ' ')})"
    if saved is not None:
        text_zh += (f"\n撤销前在 xltools 之外所做的修改已保存为 #{saved.n},"
                    f"可用 xltools undo {book.name} --to {saved.n} 找回")
        text_en += (f"\nThe edits made outside xltools were kept as #{saved.n}; "
                    f"xltools undo {book.name} --to {saved.n} brings them back")
    return payload, text_zh if zh else text_en
