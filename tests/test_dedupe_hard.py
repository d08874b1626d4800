"""Dedupe, the hard half: traditional script, English/pinyin names, mobile vs landline, a missing
character and typos — each kind found, with the look-alike that is another company kept apart
beside it. Data is built here and in ``tests/data/dedupe_hard.py`` with its own vocabulary."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from stdnum.cn import uscc

from xltools.core.dedupe import find_duplicates
from xltools.core.normalize import phone_digits
from xltools.testing import make_db

sys.path.insert(0, str(Path(__file__).parent / "data"))
import dedupe_eval  # noqa: E402
import dedupe_hard  # noqa: E402


def company(cid, name, **kw):
    return {"CustomerID": cid, "CustomerName": name, "CustomerType": "企业", **kw}


def code(division="320500", body="MA1X2Y3N"):
    head = "91" + division + body + "4"
    return head + uscc.calc_check_digit(head)


def same(a: dict, b: dict) -> bool:
    """True when dedupe puts the two records in one cluster."""
    clusters = find_duplicates(make_db({"Customers": [a, b]}))
    return any({a["CustomerID"], b["CustomerID"]} <= set(c.ids) for c in clusters)


def reasons(a: dict, b: dict) -> str:
    clusters = find_duplicates(make_db({"Customers": [a, b]}))
    return " ".join(str(c.reasons) for c in clusters)


ORIGINAL = company("C1", "苏州市金辰光学仪器有限公司", ContactPhone="13912345678")


# ---------------------------------------------------------------- traditional script


def test_traditional_script_matches_on_the_name_alone():
    assert same(company("C1", "东莞鸿锦电子有限公司"), company("C2", "鴻錦電子（東莞）有限公司"))


def test_traditional_script_of_another_brand_stays_apart():
    assert not same(company("C1", "东莞鸿锦电子有限公司"), company("C2", "鴻順電子（東莞）有限公司"))
    assert not same(company("C1", "东莞鸿锦电子有限公司"), company("C2", "鴻錦貿易（東莞）有限公司"))


# ---------------------------------------------------------------- English and pinyin names


@pytest.mark.parametrize("english", [
    "Jinchen Optical Instruments (Suzhou) Co., Ltd.",
    "SUZHOU JINCHEN OPTICAL INSTRUMENTS COMPANY LIMITED",
    "Jin Chen Optical Instrument Co.,Ltd",
    "Suzhou Jinchen Guangxue Yiqi Youxian Gongsi",
])
def test_english_or_pinyin_name_with_the_same_phone_is_found(english):
    other = company("C2", english, ContactPhone="+86 139-1234-5678")
    assert same(ORIGINAL, other)
    assert "English/pinyin" in reasons(ORIGINAL, other)


@pytest.mark.parametrize("english, phone", [
    ("Jinchen Optical Instruments (Suzhou) Co., Ltd.", "13800001111"),   # nothing shared
    ("Jinchen Trading (Suzhou) Co., Ltd.", "13912345678"),               # another trade
    ("Jinchen Optical Instruments (Ningbo) Co., Ltd.", "13912345678"),  # another city
    ("Jinsheng Optical Instruments (Suzhou) Co., Ltd.", "13912345678"),  # another brand
    ("Jinchen Group Co., Ltd.", "13912345678"),                          # the group
])
def test_english_names_of_other_companies_stay_apart(english, phone):
    assert not same(ORIGINAL, company("C2", english, ContactPhone=phone))


def test_a_heteronym_reads_either_way_and_the_city_by_its_phrase():
    # 长 is chang or zhang, 厦门 is Xiamen (not "shamen")
    chinese = company("C1", "厦门长盛网络科技有限公司", ContactPhone="0592 5551 2345")
    for english in ("Changsheng Network Technology (Xiamen) Co., Ltd.",
                    "Xiamen Zhangsheng Network Technology Co., Ltd."):
        assert same(chinese, company("C2", english, ContactPhone="86-592-55512345"))
    assert not same(chinese, company("C2", "Changsheng Network Technology (Shenzhen) Co., Ltd.",
                                     ContactPhone="0592-55512345"))


# ---------------------------------------------------------------- phones: mobile vs landline


@pytest.mark.parametrize("written", ["0755 8123 4567", "(0755)81234567", "86-755-8123-4567",
                                     "+86 755 8123 4567", "0755-81234567 转 801"])
def test_every_way_of_writing_a_landline_is_one_number(written):
    assert phone_digits(written) == "075581234567"


def test_a_shared_switchboard_does_not_merge_different_companies():
    board = "0512-6888 0000"
    a = company("C1", "苏州金辰光学仪器有限公司", ContactPhone=board, CreditCode=code())
    b = company("C2", "苏州瑞禾食品有限公司", ContactPhone=board, CreditCode=code(body="MA9Q8W7R"))
    c = company("C3", "苏州博诺贸易有限公司", ContactPhone=board)
    assert find_duplicates(make_db({"Customers": [a, b, c]})) == []


def test_a_shared_mobile_weighs_more_than_a_shared_landline():
    # the trade left out of the name (an abbreviation) is one company with either phone; a
    # brand one character apart is another company, whatever phone they share
    short = company("C2", "金辰公司", ContactPhone="13912345678")
    assert same(ORIGINAL, short)
    landline = dict(ORIGINAL, ContactPhone="0512-68880000")
    assert same(landline, dict(short, ContactPhone="0512 6888 0000"))  # the short name of one place
    assert "座机" in reasons(landline, dict(short, ContactPhone="0512 6888 0000"))
    assert not same(dict(landline, CustomerName="苏州金辰光学仪器有限公司"),
                    company("C2", "苏州金盛光学仪器有限公司", ContactPhone="0512 6888 0000"))


def test_a_shared_mobile_alone_does_not_merge_two_names():
    assert not same(ORIGINAL, company("C2", "苏州瑞禾食品有限公司", ContactPhone="13912345678"))


# ---------------------------------------------------------------- a missing character, typos


@pytest.mark.parametrize("variant", ["苏州市金光学仪器有限公司",     # a brand character dropped
                                     "苏州市金辰光学仪有限公司",     # a trade character dropped
                                     "苏州市金辰光仪器有限公司"])
def test_a_missing_character_with_a_shared_phone_is_found(variant):
    assert same(ORIGINAL, company("C2", variant, ContactPhone="139 1234 5678"))
    assert not same(ORIGINAL, company("C2", variant))  # the name alone is not enough


def test_two_typos_in_a_long_name_with_a_shared_phone_are_found():
    assert same(company("C1", "无锡鹏业长电子科技有限公司", ContactPhone="13512340000"),
                company("C2", "无锡朋业长电子科记有限公司", ContactPhone="13512340000"))


def test_one_character_apart_in_a_short_brand_is_another_company_even_with_a_phone():
    assert not same(company("C1", "苏州金辰电子有限公司", ContactPhone="13512340000"),
                    company("C2", "苏州金盛电子有限公司", ContactPhone="13512340000"))


@pytest.mark.parametrize("other", ["苏州市金辰光学仪器有限公司无锡分公司", "金辰集团有限公司"])
def test_branch_and_group_stay_apart_even_with_the_same_phone(other):
    assert not same(ORIGINAL, company("C2", other, ContactPhone="13912345678"))


# ---------------------------------------------------------------- the generated hard set


@pytest.mark.parametrize("seed", [11, 12])
def test_hard_set_reaches_the_targets_for_every_kind(seed):
    df = dedupe_hard.generate(500, seed=seed)
    db = make_db({"Customers": df.drop(columns=["EntityID", "Kind"])})
    found = dedupe_eval.cluster_pairs(find_duplicates(db), db.customers.index)
    kinds = dedupe_hard.pairs_by_kind(df)
    truth = set().union(*kinds.values())
    precision = len(found & truth) / len(found)
    assert precision >= 0.98, sorted(found - truth)[:5]
    for kind, pairs in kinds.items():
        assert pairs, kind
        recall = len(found & pairs) / len(pairs)
        assert recall >= 0.9, (kind, recall)
    traps = {i for i, k in enumerate(df["Kind"]) if k in dedupe_hard.TRAPS}
    wrongly_merged = {p for p in found - truth if p[0] in traps or p[1] in traps}
    assert len(wrongly_merged) <= 0.02 * len(found)


def test_review_reasons_are_in_both_languages():
    text = reasons(ORIGINAL, company("C2", "Jinchen Optical Instruments (Suzhou) Co., Ltd.",
                                     ContactPhone="13912345678"))
    assert "英文/拼音名" in text and "English/pinyin" in text and "手机相同" in text
