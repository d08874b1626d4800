"""``xltools export BOOK -o OUT [--where EXPR]``: customers to a CSV or .xlsx file.

CSV is UTF-8 with a BOM so Excel shows Chinese right, and any cell starting with = + - @ gets a
leading ' so it cannot run as a formula where the file is opened. Masked values stay masked: the
export reads the book as it is, and the hidden fingerprint columns are left out.
"""

from __future__ import annotations

from pathlib import Path

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
            "脱敏值保持脱敏,隐藏的指纹列不导出。不修改工作簿。",
    help_en="Export customers (filtered with --where) to CSV (UTF-8 with BOM, formula-looking cells "
            "escaped) or .xlsx. Masked values stay masked; fingerprint columns are left out. "
            "Changes nothing in the book.",
    example='xltools export team.xlsx -o south.csv --where "Region=华南"',
    group="reports", icon="ExportExcel", writes=False,
    params=(Param("output", ("-o", "--output"), required=True, ask="save",
                  help_zh="输出文件 .csv 或 .xlsx", help_en="Output file, .csv or .xlsx"),
            Param("where", ("--where",), default=None,
                  help_zh="筛选条件(与 query 相同)", help_en="A condition, as in query"),
            FORCE_PARAM),
)
def export(db, ctx, output: str, where: str | None = None, force: bool = False) -> Result:
    path = check_output(output, inputs=[db.path], force=force)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise BadInputError(f"不支持的导出格式 {suffix or '(无扩展名)'}:请用 .csv 或 .xlsx",
                            f"cannot export to {suffix or '(no extension)'}: use .csv or .xlsx")
    if where:
        rows = q.query(db, where, today=ctx.today)
    else:
        rows = db.df("Customers")[q.visible_columns(db)]
    if suffix == ".csv":
        write_csv(db, rows, path)
    else:
        write_xlsx(db, rows, path)
    return Result(Changeset("export"), data={"count": len(rows), "output": str(path)},
                  summary_zh=f"已导出 {len(rows)} 位客户到 {path}",
                  summary_en=f"{len(rows)} customers exported to {path}", problems=False)
