"""Rows an apply refused because someone changed them first, as issues a person reads."""

from __future__ import annotations

from ...changes import Issue


def as_issues(conflicts: list[dict]) -> list[Issue]:
    """One error per refused row: what it is and why nothing was written to it."""
    out = []
    for c in conflicts:
        gone = c["reason"] == "removed"
        zh = ("该行在读取后已被他人删除,本次修改未写入" if gone else
              "该行在读取后已被他人修改,为避免覆盖,本次修改未写入;请重新运行")
        en = ("the row was removed by someone else after it was read; this change was not written"
              if gone else "the row was changed by someone else after it was read; this change "
              "was not written so theirs is not overwritten; run the command again")
        out.append(Issue(c["table"], c["row"], None, c["key"], "conflict", "error",
                         f"{c['key']}:{zh}", f"{c['key']}: {en}"))
    return out
