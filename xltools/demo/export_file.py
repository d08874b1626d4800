"""A messy export to import in the demo: what a trade-show list or an old CRM really sends.

GBK-encoded CSV, a title above the header, column names that are not ours, full-width digits,
phones with +86 and dashes, three ways of writing a date, amounts in 万元, a column we have no
place for, a trailing 合计 row, and a few companies the book already holds (typed differently).
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import numpy as np

from .codes import counties, format_phone_loosely, fullwidth, make_mobile, make_uscc
from .words import BRAND_CHARS, CITIES, SURNAMES

HEADER = ["序号", "公司名称", "联系人", "手机号", "统一社会信用代码", "所属行业", "地区", "登记日期",
          "年消费(万元)", "邮箱", "展位号"]
INDUSTRIES = ["IT服务业", "制造业", "零售业", "互联网"]
REGION_TEXT = {"华南": "华南地区", "华东": "华东", "华北": "华北区域"}


def _date_text(day: datetime.date, style: int) -> str:
    return [f"{day:%Y/%-m/%-d}", f"{day.year}年{day.month}月{day.day}日", day.isoformat()][style % 3]


def messy_rows(existing_companies: list[tuple[str, str]], today: datetime.date, seed: int = 7,
               new: int = 12) -> list[list[str]]:
    """Data rows for :data:`HEADER`: ``new`` unseen companies, then the given existing
    ``(name, credit code)`` pairs written the way another system would."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(new):
        city, prefix, _, _ = CITIES[int(rng.integers(len(CITIES)))]
        division = counties(prefix)[0][0]
        brand = "".join(rng.choice(list(BRAND_CHARS), 2))
        industry = INDUSTRIES[i % len(INDUSTRIES)]
        name = f"{city}{brand}{'科技' if industry == 'IT服务业' else '实业'}有限公司"
        phone = make_mobile(rng)
        day = today - datetime.timedelta(days=int(rng.integers(1, 60)))
        rows.append([str(i + 1), fullwidth(name) if i % 5 == 4 else name,
                     f"{rng.choice(list(SURNAMES))}经理",
                     format_phone_loosely(phone) if i % 2 else phone,
                     make_uscc(rng, division).lower() if i % 4 == 3 else make_uscc(rng, division),
                     industry, REGION_TEXT.get(["华南", "华东", "华北"][i % 3]),
                     _date_text(day, i), f"{rng.integers(1, 30) / 2:g}",
                     f"contact{i}@example.com", f"A-{i + 10}"])
    for j, (name, code) in enumerate(existing_companies, start=new + 1):
        rows.append([str(j), name.replace("有限公司", " 有限公司"), "王经理", "", code.lower(),
                     "", "", _date_text(today, j), "", "", f"B-{j}"])
    rows.append(["合计", "", "", "", "", "", "", "", "", "", ""])
    return rows


def write_messy_export(path: Path, existing_companies: list[tuple[str, str]],
                       today: datetime.date | None = None) -> Path:
    """Write the demo's trade-show list as a GBK CSV with a title line above the header."""
    today = today or datetime.date.today()
    with open(path, "w", encoding="gbk", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([f"{today.year}年 行业展会客户名单(导出)"])
        out.writerow([])
        out.writerow(HEADER)
        out.writerows(messy_rows(existing_companies, today))
    return Path(path)
