"""``xltools import``: bring customers from the exports teams really have into the book.

* :mod:`.sources` reads workbooks (calamine) and CSV in UTF-8 or GBK into grids;
* :mod:`.headers` finds the header row(s) and maps columns through ``schemas/synonyms.yaml``;
* :mod:`.frame` turns a grid into keyed rows (blank and total rows dropped, extras kept);
* :mod:`.values` normalises phones, codes, dates, amounts and list values;
* :mod:`.plan` masks and lays out the review sheet and summary;
* :mod:`.run` checks for duplicates, assigns IDs and returns the Result, a chunk of rows at a time.

>>> from xltools.testing import make_db
>>> import tempfile, pathlib, datetime
>>> src = pathlib.Path(tempfile.mkdtemp()) / "leads.csv"
>>> _ = src.write_text("客户名称,手机,年度消费\\n深圳华腾科技有限公司,+86 138-1234-5678,12.5万\\n", "utf-8")
>>> result = import_sources(make_db(), [src], today=datetime.date(2024, 3, 15))
>>> result.data["read"], result.data["imported"]
(1, 1)
>>> v = next(result.changes.all_appends()).values
>>> v["CustomerID"], v["ContactPhone"], v["AnnualSpend"], v["Owner"]
('C20240315001', '138****5678', 125000.0, '公海')
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..changes import Result
from ..errors import BadInputError
from .frame import Extracted, extract
from .headers import Synonyms, detect_header, load_mapping
from .run import build_import, plan_import
from .sources import read_source

__all__ = ["import_sources", "read_parts", "plan_import", "build_import", "Synonyms"]


def read_parts(db, sources, *, sheets=(), mapping: str | Path | None = None,
               synonyms: Synonyms | None = None) -> list[Extracted]:
    """Read every source and keep each sheet that has a recognisable customer header.

    A source in which no sheet has one is an error naming the file (it is not a customer list, or
    its headers need a ``--mapping`` file).
    """
    synonyms = synonyms or Synonyms.load(db.schema)
    mapping_table = load_mapping(mapping, synonyms) if mapping else {}
    parts: list[Extracted] = []
    for path in sources:
        path = Path(path)
        if not path.is_file():
            raise BadInputError(f"找不到源文件:{path}", f"source file not found: {path}", path=str(path))
        found = False
        for sheet in read_source(path, sheets):
            header = detect_header(sheet.grid, synonyms, mapping_table)
            if header is None:
                continue
            parts.append(extract(sheet, header))
            found = True
        if not found:
            raise BadInputError(
                f"{path.name} 中找不到可识别的表头(需要客户名称、电话或信用代码等列;可用 --mapping 指定列对应关系)",
                f"no recognisable header in {path.name} (it needs columns such as customer name, phone "
                f"or credit code; a --mapping file can name them)", path=str(path))
    return parts


def import_sources(db, sources, *, sheets=(), mapping=None, owner: str | None = None,
                   key: bytes | None = None, today: dt.date | None = None) -> Result:
    """Read ``sources`` and plan their import into ``db`` (see :func:`.plan.plan_import`)."""
    return import_with_raw(db, sources, sheets=sheets, mapping=mapping, owner=owner, key=key,
                           today=today)[0]


def import_with_raw(db, sources, *, sheets=(), mapping=None, owner=None, key=None, today=None):
    """:func:`import_sources` plus the raw values behind the masks, {CustomerID: {column: raw}}."""
    synonyms = Synonyms.load(db.schema)
    parts = read_parts(db, sources, sheets=sheets, mapping=mapping, synonyms=synonyms)
    return build_import(db, parts, key=key, owner=owner, today=today, synonyms=synonyms)
