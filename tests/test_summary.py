"""The Summary sheet: figures checked against pandas, charts that LibreOffice draws."""

import datetime as dt
import shutil
import subprocess
import zipfile

import pandas as pd
import pytest

from routine_data import TODAY, random_db
from xltools.core.summary import summarize
from xltools.xlsx.refs import split_ref


def clean(series):
    return series.map(lambda v: "" if v is None else str(v).strip())


def cell(rows, r, c):
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else None


def find(rows, title):
    """(row, column) of the cell whose text starts with ``title`` (0-based)."""
    return next((i, j) for i, r in enumerate(rows) for j, v in enumerate(r)
                if isinstance(v, str) and v.startswith(title))


def header_of(rows, title):
    i, j = find(rows, title)
    return [v for v in rows[i + 1][j:j + 7]]


def block(rows, title):
    """The body rows of the table titled ``title`` (up to the first blank cell below it)."""
    i, j = find(rows, title)
    width = len([v for v in rows[i + 1][j:j + 7] if v is not None])
    out = []
    for r in range(i + 2, len(rows)):
        if cell(rows, r, j) is None:
            break
        out.append([cell(rows, r, j + k) for k in range(width)])
    return out


@pytest.fixture(scope="module")
def summary():
    db = random_db(n=600, seed=2)
    return db, summarize(db, today=TODAY)


def test_customer_counts_match_pandas(summary):
    db, result = summary
    rows = result.changes.rebuilds[0].rows
    c = db.customers
    industry = clean(c["Industry"]).replace("", "(空)")
    level = clean(c["CustomerLevel"]).replace("", "(空)")
    expected = pd.crosstab(industry, level)
    got = {r[0]: r[1:] for r in block(rows, "按行业")}
    header = header_of(rows, "按行业 × 客户等级")
    for ind in expected.index:
        for lvl in expected.columns:
            assert got[ind][header.index(lvl) - 1] == expected.at[ind, lvl]
        assert got[ind][-1] == expected.loc[ind].sum()
    assert got["教育"][-1] == (industry == "教育").sum()
    assert got["建筑地产"][-1] == 0                       # list values show even when unused
    region = dict((r[0], r[1]) for r in block(rows, "按区域"))
    assert region["华南"] == (clean(c["Region"]) == "华南").sum()   # "华南 " folded in
    owner = dict((r[0], r[1]) for r in block(rows, "按负责人"))
    assert owner["张三"] == (c["Owner"] == "张三").sum()


def test_funnel_counts_amounts_and_conversion(summary):
    db, result = summary
    o = db.df("Opportunities")
    stages = ["初步接洽", "需求分析", "方案报价", "谈判", "成交"]
    funnel = result.data["funnel"]
    rank = o["Stage"].map({s: i for i, s in enumerate(stages)})
    for i, s in enumerate(stages):
        at = o["Stage"] == s
        assert funnel[s]["count"] == at.sum()
        assert funnel[s]["amount"] == pytest.approx(o.loc[at, "ExpectedAmount"].sum())
        assert funnel[s]["reached"] == (rank >= i).sum()
        if i:
            assert funnel[s]["conversion"] == pytest.approx((rank >= i).sum() / (rank >= i - 1).sum(),
                                                            abs=1e-4)
    assert funnel["输单"]["count"] == (o["Stage"] == "输单").sum()
    rows = result.changes.rebuilds[0].rows
    assert [r[0] for r in block(rows, "销售机会漏斗")] == stages + ["输单"]


def test_deals_by_source_and_recent_activity(summary):
    db, result = summary
    c = db.customers
    won = (c["DealStatus"] == "成交-已签单") | (c["CooperationPhase"] == "成交客户")
    source = clean(c["Source"]).replace("", "(空)")
    for name, stats in result.data["source"].items():
        mine = source == name
        assert stats["customers"] == mine.sum()
        assert stats["deals"] == (mine & won).sum()
        assert stats["amount"] == pytest.approx(c.loc[mine & won, "DealAmount"].sum())
    f = db.df("FollowUps")
    day = f["FollowUpTime"].dt.normalize()
    recent = f[(day <= pd.Timestamp(TODAY)) & (day >= pd.Timestamp(TODAY) - pd.Timedelta(days=30))]
    expected = recent.groupby("Staff").size().to_dict()
    assert {k: v["followups"] for k, v in result.data["activity_30d"].items()} == expected
    months = f["FollowUpTime"].dt.to_period("M").astype(str).value_counts()
    assert result.data["followups_per_month"]["2024-08"] == months["2024-08"]


def test_chart_ranges_point_at_their_tables(summary):
    _, result = summary
    rebuild = result.changes.rebuilds[0]
    kinds = [c["type"] for c in rebuild.charts]
    assert {"column", "bar", "pie", "line"} <= set(kinds)
    funnel = next(c for c in rebuild.charts if c["type"] == "bar")
    (_, r1), (_, r2) = split_ref(funnel["categories"])
    (c1, _), _ = split_ref(funnel["categories"])
    assert [rebuild.rows[r - 1][c1 - 1] for r in range(r1, r2 + 1)] == \
        ["初步接洽", "需求分析", "方案报价", "谈判", "成交"]
    boxes = [(*split_ref(c["anchor"] + ":" + c["to"])[0], *split_ref(c["anchor"] + ":" + c["to"])[1])
             for c in rebuild.charts]
    for a, b in ((a, b) for k, a in enumerate(boxes) for b in boxes[k + 1:]):   # no overlap
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] < b[1] or b[3] < a[1], (a, b)


def test_summary_is_the_only_thing_rebuilt_and_has_no_data_changes(summary):
    _, result = summary
    assert result.changes.data_changes() == 0
    assert [r.sheet for r in result.changes.rebuilds] == ["Summary"]


def _plain_book_with_charts(rebuild, path):
    """The grid via XlsxWriter, then our charts put into the package (as the backend does)."""
    import xlsxwriter
    from xltools.xlsx.charts import put_charts, sheet_part_of

    plain = path.with_suffix(".plain.xlsx")
    book = xlsxwriter.Workbook(str(plain))
    sheet = book.add_worksheet("汇总")
    for i, row in enumerate(rebuild.rows):
        for j, v in enumerate(row):
            if isinstance(v, dt.date):
                sheet.write_string(i, j, v.isoformat())
            elif v is not None:
                sheet.write(i, j, v)
    book.close()
    with zipfile.ZipFile(plain) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    part = sheet_part_of(parts, "汇总")
    put_charts(parts, part, "汇总", rebuild.charts, rebuild.rows)
    put_charts(parts, part, "汇总", rebuild.charts, rebuild.rows)      # again: replaces, no pile-up
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return parts


def soffice_pdf(book, tmp_path):
    profile = tmp_path / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
                   check=True, capture_output=True, timeout=180)
    return tmp_path / (book.stem + ".pdf")


@pytest.mark.libreoffice
@pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdftotext"),
                    reason="needs LibreOffice and pdftotext")
def test_charts_render_in_libreoffice(summary, tmp_path):
    _, result = summary
    rebuild = result.changes.rebuilds[0]
    book = tmp_path / "charts.xlsx"
    parts = _plain_book_with_charts(rebuild, book)
    assert sum(n.startswith("xl/charts/chart") for n in parts) == len(rebuild.charts)
    pdf = soffice_pdf(book, tmp_path)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    for chart in rebuild.charts:                  # every chart title is drawn
        assert chart["title"].replace(" ", "") in text.replace(" ", "")
    assert str(result.data["customers"]) in text


def _series_fills(chart_xml: bytes) -> list[str | None]:
    """The solid fill (or line colour) of each series in a chart part, None where it has none."""
    from lxml import etree
    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
          "a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
    out = []
    for ser in etree.fromstring(chart_xml).iterfind(".//c:ser", ns):
        colour = ser.find("c:spPr/a:solidFill/a:srgbClr", ns)
        if colour is None:
            colour = ser.find("c:spPr/a:ln/a:solidFill/a:srgbClr", ns)
        points = ser.findall("c:dPt/c:spPr/a:solidFill/a:srgbClr", ns)
        if colour is None and points:
            colour = points[0]
        out.append(None if colour is None else colour.get("val"))
    return out


def test_every_series_and_slice_has_its_own_colour(summary, tmp_path):
    _, result = summary
    rebuild = result.changes.rebuilds[0]
    parts = _plain_book_with_charts(rebuild, tmp_path / "c.xlsx")
    charts = sorted(n for n in parts if n.startswith("xl/charts/chart"))
    for name in charts:
        assert None not in _series_fills(parts[name]), name
    pie = next(parts[n] for n in charts if b"<c:pieChart>" in parts[n])
    pie_spec = next(c for c in rebuild.charts if c["type"] == "pie")
    (_, r1), (_, r2) = split_ref(pie_spec["categories"])
    assert pie.count(b"<c:dPt>") == r2 - r1 + 1           # one colour per slice
    assert len(set(_series_fills(next(parts[n] for n in charts if parts[n].count(b"<c:ser>") > 1)))) > 1


@pytest.mark.libreoffice
@pytest.mark.skipif(not shutil.which("soffice"), reason="needs LibreOffice")
def test_series_keep_their_fill_after_libreoffice_saves_the_book(summary, tmp_path):
    """LibreOffice drops the theme when it saves: colours must be the series' own."""
    _, result = summary
    rebuild = result.changes.rebuilds[0]
    book = tmp_path / "charts.xlsx"
    _plain_book_with_charts(rebuild, book)
    out = tmp_path / "lo"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(book)],
                   check=True, capture_output=True, timeout=180)
    with zipfile.ZipFile(out / "charts.xlsx") as z:
        charts = [z.read(n) for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == len(rebuild.charts)
    for xml in charts:
        fills = _series_fills(xml)
        assert fills and None not in fills
