"""Whatever bytes arrive as a source, import fails only with our own bilingual error."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from xltools.errors import XlToolsError
from xltools.importer import import_sources
from xltools.testing import make_db

DB = make_db()
HEADER = "客户名称,手机,年度消费,创建时间\n".encode("utf-8")


def _run(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    try:
        result = import_sources(DB, [path], today=dt.date(2024, 3, 15))
    except XlToolsError as err:
        assert err.zh and err.en and err.exit_code == 2
        return
    d = result.data
    assert d["read"] == d["imported"] + d["flagged"] + len(d["rejected"])


settings_ = settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings_
@given(st.binary(max_size=2000))
def test_random_bytes_as_csv(tmp_path, data):
    _run(tmp_path, "random.csv", data)


@settings_
@given(st.binary(max_size=2000))
def test_random_rows_under_a_real_header(tmp_path, data):
    _run(tmp_path, "rows.csv", HEADER + data)


@settings_
@given(st.binary(max_size=2000))
def test_random_bytes_as_xlsx(tmp_path, data):
    _run(tmp_path, "random.xlsx", data)


@settings_
@given(st.binary(max_size=1500))
def test_a_zip_with_random_parts_as_xlsx(tmp_path, data):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", data[: len(data) // 2])
        z.writestr("xl/workbook.xml", data[len(data) // 2:])
    _run(tmp_path, "zip.xlsx", buf.getvalue())


@settings_
@given(st.lists(st.lists(st.one_of(st.text(max_size=12), st.integers(), st.floats(allow_nan=True),
                                   st.dates()), max_size=6), max_size=12))
def test_random_cells_in_a_real_workbook(tmp_path, rows):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户名称", "联系电话", "成交金额", "成交日期", "所属区域", "备注"])
    for row in rows:
        try:
            ws.append(row)
        except Exception:  # noqa: BLE001  openpyxl refuses some control characters: not our case
            return
    path = tmp_path / "cells.xlsx"
    wb.save(path)
    _run(tmp_path, "cells.xlsx", path.read_bytes())
