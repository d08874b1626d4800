"""``xltools export BOOK -o OUT [--where EXPR]``: customers to a CSV or .xlsx file.

CSV is UTF-8 with a BOM so Excel shows Chinese right, and any cell starting with = + - @ gets a
leading ' so it cannot run as a formula where the file is opened. The file carries masked values
whatever state the book is in (a book never masked exports masked too), unless ``--reveal`` with
the key (logged, see :mod:`xltools.boundary`); the hidden fingerprint columns are left out.
"""

from __future__ import annotations

from pathlib import Path

from ..boundary import disclosed, reveal_param
from ..changes import Changeset, Result
from ..core import query as q
from ..errors import BadInputError
from ..exports import write_csv, write_xlsx
from ..outputs import FORCE_PARAM, check_output
from ..registry import Param, operation


@operation(
    "export",
    label_zh="导出", label_en="Export",
    help_zh="把客户(可用 --where 条件筛选)导出为 CSV(UTF-8 带 BOM,公式字符已转义)或 .xlsx;"
            "导出文件只含脱敏值(即使工作簿尚未脱敏),加 --reveal 并持有密钥才输出原值(记入日志);"
            "隐藏的指纹列不导出。不修改工作簿。",
    help_en="Export customers (filtered with --where) to CSV (UTF-8 with BOM, formula-looking cells "
            "escaped) or .xlsx. The file carries masked values (even from a book not yet masked) "
            "unless --reveal with the key (logged); fingerprint columns are left out. "
            "Changes nothing in the book.",
    example='xltools export team.xlsx -o south.csv --where "Region=华南"',
    group="reports", icon="ExportExcel", writes=False,
    params=(Param("output", ("-o", "--output"), required=True, ask="save",
                  help_zh="输出文件 .csv 或 .xlsx", help_en="Output file, .csv or .xlsx"),
            Param("where", ("--where",), default=None,
                  help_zh="筛选条件(与 query 相同)", help_en="A condition, as in query"),
            reveal_param(), FORCE_PARAM),
)
def export(db, ctx, output: str, where: str | None = None, force: bool = False,
           reveal: bool = False) -> Result:
    path = check_output(output, inputs=[db.path], force=force)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise BadInputError(f"不支持的导出格式 {suffix or '(无扩展名)'}:请用 .csv 或 .xlsx",
                            f"cannot export to {suffix or '(no extension)'}: use .csv or .xlsx")
    if where:
        rows = q.query(db, where, today=ctx.today)
    else:
        rows = db.df("Customers")[q.visible_columns(db)]
    rows = disclosed(db, rows, reveal=reveal, command="export")
    if suffix == ".csv":
        write_csv(db, rows, path)
    else:
        write_xlsx(db, rows, path)
    return Result(Changeset("export"), data={"count": len(rows), "output": str(path)},
                  summary_zh=f"已导出 {len(rows)} 位客户到 {path}",
                  summary_en=f"{len(rows)} customers exported to {path}", problems=False)
