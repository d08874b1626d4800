"""Sales regions (大区) from the province a 统一社会信用代码 or 身份证号 was issued in.

Both numbers carry a 6-digit administrative division code: a 身份证号 in characters 1-6, a
统一社会信用代码 in characters 3-8. Its first two digits are the province, and the team's seven
regions are groups of provinces.

>>> region_for_code("91440300MA5F5X1234")        # 44 广东
'华南'
>>> region_for_code("11010519491231002X")        # 11 北京
'华北'
>>> region_for_code("510104********1234")        # a masked 身份证号 still shows its division
'西南'
>>> region_for_code("91810000MA5F5X1234") is None  # 香港: no sales region
True
>>> region_for_code("914403********1234")        # a masked company code
'华南'
>>> province_name("320500")
'江苏'
"""

from __future__ import annotations

import re

from stdnum.cn import ric, uscc

from .normalize import credit_code

# Region -> province codes (first two digits of a division code) and short names.
REGIONS: dict[str, dict[str, str]] = {
    "华北": {"11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古"},
    "东北": {"21": "辽宁", "22": "吉林", "23": "黑龙江"},
    "华东": {"31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西",
             "37": "山东"},
    "华中": {"41": "河南", "42": "湖北", "43": "湖南"},
    "华南": {"44": "广东", "45": "广西", "46": "海南"},
    "西南": {"50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏"},
    "西北": {"61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆"},
}
PROVINCE_REGION: dict[str, str] = {code: region for region, provinces in REGIONS.items()
                                   for code in provinces}
PROVINCE_NAMES: dict[str, str] = {code: name for provinces in REGIONS.values()
                                  for code, name in provinces.items()}

_OTHER_PROVINCES = {"71", "81", "82"}  # 台湾, 香港, 澳门: valid areas outside the sales regions
_RIC_SHAPE = re.compile(r"^\d{6}(\d{11}|\*{4,}[\dX*]*)[\dX]$")
_BIRTH = re.compile(r"^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")


def region_for_province(province: str) -> str | None:
    """The region of a 2-digit province code (``"44"`` -> ``"华南"``); None when it has none."""
    return PROVINCE_REGION.get(str(province)[:2])


def province_name(division: str) -> str | None:
    """Short province name of a division code (``"440300"`` -> ``"广东"``)."""
    return PROVINCE_NAMES.get(str(division)[:2])


def division_of(code, person: bool | None = None) -> str | None:
    """The 6-digit division in a 身份证号 (``person=True``) or 统一社会信用代码 (``person=False``).

    ``person=None`` tells them apart by shape: a 身份证号 is 17 digits and a digit or X (or masked
    after its first six digits) with a plausible birth date; a code that passes one check digit and
    not the other is taken to be that kind. None when no digits sit where the division should.
    """
    text = credit_code(code)
    if len(text) != 18:
        return None
    if person is None:
        person = _looks_like_ric(text)
    digits = text[:6] if person else text[2:8]
    return digits if digits.isdigit() else None


def province_of(code, person: bool | None = None) -> str | None:
    """The 2-digit province code in a 身份证号 or 统一社会信用代码 (masked ones too), or None."""
    text = credit_code(code)
    if len(text) != 18:
        return None
    if person is None:
        person = _looks_like_ric(text)
    digits = text[:2] if person else text[2:4]
    return digits if digits.isdigit() else None


def region_for_code(code, person: bool | None = None) -> str | None:
    """The sales region of the province a credit code or ID number was issued in, or None.

    ``person`` as for :func:`division_of` (True for a 身份证号, False for a company code).
    """
    province = province_of(code, person)
    return region_for_province(province) if province else None


def _looks_like_ric(text: str) -> bool:
    if not _RIC_SHAPE.match(text):
        return False
    if "*" in text:
        # A masked code keeps only its first six characters: provinces start 1-8, a company's
        # registration office mostly 9 (工商).
        return text[:2] in PROVINCE_REGION or text[:2] in _OTHER_PROVINCES
    if ric.calc_check_digit(text) == text[-1]:
        return True
    if uscc.is_valid(text):
        return False
    # Neither check digit holds (a typo): a birth date where 身份证 has one decides.
    return bool(_BIRTH.match(text[6:14]))
