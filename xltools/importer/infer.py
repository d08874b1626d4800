"""What an import can safely work out for columns the source left blank, and says it did.

* **Region** from a city, province or address column (所在城市 深圳 -> 华南): the place is read
  against the division table python-stdnum ships, its province gives the sales region. The place
  itself stays in Remarks as before.
* **CustomerType** from the name when no code decided it: 有限公司, 集团, 厂, 店, 学校 … make a
  企业; a two-to-four character name that starts with a common surname makes a 个人.
* **Required list columns** the source has no column for start from Settings
  (``ImportDefaultLevel`` 潜在, ``ImportDefaultPhase`` 潜在客户), as a new lead would.

>>> region_of_place("深圳"), region_of_place("广东省深圳市南山区科技园"), region_of_place("火星")
('华南', '华南', None)
>>> type_from_name("深圳市华腾科技有限公司"), type_from_name("王小明"), type_from_name("华腾")
('企业', '个人', None)
"""

from __future__ import annotations

import functools
import re

import pandas as pd

from ..core.divisions import leading_place
from ..core.normalize import compact_text, is_blank
from ..core.regions import region_for_province

COMPANY = "企业"
PERSON = "个人"
_COMPANY_WORDS = re.compile(
    r"(公司|集团|厂|店|行|中心|研究院|研究所|学校|学院|大学|医院|诊所|事务所|工作室|合作社|协会|商会|基金会"
    r"|银行|酒店|宾馆|餐厅|超市|商场|门市部|经营部|营业部|分部|站|馆|局|委员会|政府|部队|农场"
    r"|co\.?,?ltd\.?|limited|inc\.?|corp\.?|company|llc|gmbh|group)$", re.IGNORECASE)
# The hundred most common surnames, and the compound ones a name may start with.
_SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
                "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
                "邵万钱严覃武戴莫孔向汤")
_COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文")
_CJK = re.compile(r"^[\u4e00-\u9fff·]+$")


@functools.lru_cache(maxsize=20_000)
def region_of_place(text) -> str | None:
    """The sales region of a city, province or address; None when no place is recognised."""
    if is_blank(text):
        return None
    found = leading_place(compact_text(text), whole=True, known_only=True)
    return region_for_province(found[1][:2]) if found else None


def type_from_name(name) -> str | None:
    """企业 for a company-shaped name, 个人 for a person's, None when the name does not tell."""
    text = compact_text(name)
    if not text:
        return None
    if _COMPANY_WORDS.search(text):
        return COMPANY
    surname_len = 2 if text.startswith(_COMPOUND) else 1
    if (_CJK.match(text) and 2 <= len(text) <= 4 and len(text) > surname_len
            and (surname_len == 2 or text[0] in _SURNAMES)):
        return PERSON
    return None


def infer(db, df: pd.DataFrame, place_values: pd.Series) -> dict[str, int]:
    """Fill blanks of ``df`` (imported rows keyed like Customers) in place; return how many cells
    of each column were inferred. ``place_values`` holds each row's city/province/address text."""
    counts: dict[str, int] = {}

    def fill(column: str, values: pd.Series) -> None:
        if column not in df.columns:
            df[column] = None
        blank = df[column].map(is_blank) & values.notna()
        if blank.any():
            df.loc[blank, column] = values[blank]
            counts[column] = int(blank.sum())

    fill("Region", place_values.map(region_of_place))
    types = pd.Series(None, index=df.index, dtype=object)
    if "CustomerName" in df.columns:   # asked only of the rows without a type (a tenth of them)
        untyped = (df["CustomerType"].map(is_blank) if "CustomerType" in df.columns
                   else pd.Series(True, index=df.index))
        types[untyped] = df.loc[untyped, "CustomerName"].map(type_from_name)
    fill("CustomerType", types)
    for column, setting in (("CustomerLevel", "ImportDefaultLevel"),
                            ("CooperationPhase", "ImportDefaultPhase")):
        default = db.setting(setting, str)
        allowed = db.lists.get(db.schema.table("Customers").column(column).list) or []
        if default and default in allowed:
            fill(column, pd.Series(default, index=df.index, dtype=object))
    return counts
