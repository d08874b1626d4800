"""The built-in operations. Each registers itself; the CLI and the ribbon pick them up.

Keep this module thin: parameters, labels and a call into ``xltools.core``.
"""

from __future__ import annotations

from ..changes import Changeset, Result
from ..registry import operation


@operation(
    "info",
    label_zh="工作簿概况", label_en="Book info",
    help_zh="列出工作簿中的各表及行数,不做任何修改。",
    help_en="List the book's tables and how many rows each holds. Changes nothing.",
    example="xltools info customers.xlsx --json",
    group="reports", icon="FileProperties", writes=False,
)
def info(db, ctx) -> Result:
    tables = {key: {"sheet": t.sheet, "table": t.table_name, "rows": int(len(t.df)),
                    "extra_columns": list(t.extra_columns)}
              for key, t in db.tables.items()}
    lines_zh = [f"{k}({v['sheet']}):{v['rows']} 行" for k, v in tables.items()]
    lines_en = [f"{k} ({v['sheet']}): {v['rows']} rows" for k, v in tables.items()]
    return Result(changes=Changeset("info"),
                  data={"lang": db.lang, "tables": tables,
                        "lists": {k: len(v) for k, v in db.lists.items()}},
                  summary_zh="\n".join(lines_zh), summary_en="\n".join(lines_en), problems=False)
