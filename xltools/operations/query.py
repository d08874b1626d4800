"""``xltools query BOOK EXPR``: customers matching a condition, to the Query sheet or a file.

The sheet, the file and ``--json`` carry masked values, whatever state the book is in; a file
(never the sheet: raw values do not go back into the book) may carry raw ones with ``--reveal``.
"""

from __future__ import annotations

from pathlib import Path

from ..boundary import disclosed, reveal_param
from ..changes import Changeset, Result
from ..core import query as q
from ..core.condition import reference
from ..errors import BadInputError
from ..exports import write_csv, write_xlsx
from ..outputs import FORCE_PARAM, check_output
from ..registry import Param, operation


@operation(
    "query",
    label_zh="组合查询", label_en="Query",
    help_zh="按条件筛选客户,结果写入“查询结果”表,或用 -o 写到 .xlsx/.csv 文件。条件语法与规则表相同,"
            "见下方说明。",
    help_en="Find customers with a condition; the rows go to the Query sheet, or with -o to an "
            ".xlsx/.csv file. The condition language is the Rules sheet's, described below.",
    help_more=("Conditions / 条件写法:\n" + reference.help_text("en") + "\n\n\b\n"
               + reference.help_text("zh")),
    example='xltools query customers.xlsx "Region=华南 and tag:价值=高价值 and Industry=IT服务业 '
            'and followup_within(30)"',
    group="reports", icon="FilterAdvancedByForm",
    params=(Param("expr", required=True, help_zh="查询条件", help_en="The condition"),
            Param("output", ("-o", "--output"), default=None,
                  help_zh="写到 .xlsx 或 .csv 文件(不改动工作簿)",
                  help_en="Write the rows to an .xlsx or .csv file (the book is not changed)"),
            reveal_param(), FORCE_PARAM),
)
def query(db, ctx, expr: str, output: str | None = None, force: bool = False,
          reveal: bool = False) -> Result:
    if reveal and not output:
        raise BadInputError("--reveal 只能与 -o 一起使用:原值不会写入工作簿的“查询结果”表",
                            "--reveal needs -o: raw values are never written to the book's "
                            "Query sheet")
    if output:  # before the query runs: a refused output should not wait for it
        check_output(output, inputs=[db.path], force=force)
    rows = disclosed(db, q.query(db, expr, today=ctx.today), reveal=reveal, command="query")
    changes = Changeset("query")
    if output:
        path = Path(output)
        suffix = path.suffix.lower()
        if suffix == ".csv":
            write_csv(db, rows, path)
        elif suffix in (".xlsx", ".xlsm"):
            write_xlsx(db, rows, path)
        else:
            raise BadInputError(f"不支持的输出格式 {suffix or '(无扩展名)'}:请用 .xlsx 或 .csv",
                                f"cannot write {suffix or '(no extension)'}: use .xlsx or .csv")
    else:
        changes.rebuilds.append(q.to_sheet(db, expr, rows))
    where_zh = f",已写入 {output}" if output else ",见“查询结果”表"
    where_en = f", written to {output}" if output else ", see the Query sheet"
    return Result(changes, data={"count": len(rows), "rows": q.records(rows),
                                 "output": output},
                  summary_zh=f"找到 {len(rows)} 位客户{where_zh}",
                  summary_en=f"{len(rows)} customers found{where_en}", problems=False)
