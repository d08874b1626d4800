"""Names read a column at a time (a whole book's) are read exactly as each name alone."""

from __future__ import annotations

import random
import re
import unicodedata

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.core.dedupe.keys import CLEAN, features
from xltools.core.dedupe.latin import parse_latin
from xltools.core.dedupe.namecolumn import COMMON, name_parts
from xltools.core.dedupe.names import (BRANCH_WORDS, INDUSTRY_WORDS, LEGAL_FORMS, parse_name,
                                       parse_simplified, person_name, simplified_name)
from xltools.core.dedupe.script import simplified, simplified_lines
from xltools.core.divisions import place_table
from xltools.core.normalize import is_blank
from xltools.testing import make_db

ODD = ["深圳市华腾科技有限公司", "广东省深圳市华腾科技有限公司", "广西省南宁华腾贸易有限公司",
       "华腾集团有限公司", "华腾科技集团股份有限公司", "华腾（集团）有限公司", "有限公司", "公司公司",
       "集团有限公司", "深圳市有限公司", "深圳市", "深圳", "深圳市科技有限公司", "深圳华腾", "中国华腾科技有限公司",
       "深圳市中国华腾科技有限公司", "华腾科技有限公司广州分公司", "华腾办事处", "南山区华腾科技", "华腾股份公司",
       "华腾总公司", "北京朝阳科技", "朝阳贸易", "华腾有限责任公司", "長沙華騰科技有限公司", "乾坤贸易有限公司",
       "深圳 华腾", "ＨＵＡＴＥＮＧ科技", "Huateng Technology (Shenzhen) Co., Ltd.", "华\ud800腾", "刘丽",
       "科技有限公司", "华腾科", "市华腾", "省", "深圳市市华腾", "", "华\n腾", "华腾\n", "一", "鿿鿿公司"]


def _random_names(n: int, seed: int) -> list[str]:
    """Names built from the pieces the parse looks for, in any order."""
    r = random.Random(seed)
    places = list(place_table())
    pieces = (r.sample(places, 300) + list(INDUSTRY_WORDS) + list(LEGAL_FORMS) + list(BRANCH_WORDS)
              + ["集团", "省", "市", "中国", "中國", "华腾", "長", "有限", "(", "（深圳）", " ", "Co"])
    return [str().join(r.choice(pieces) for _ in range(r.randint(1, 6))) for _ in range(n)]


def test_common_characters_need_no_folding():
    # the column path takes a name of these characters as already half-width, spaceless, lower
    # case and free of punctuation: true of every one of them
    common = [chr(c) for c in range(ord(COMMON[0]), ord(COMMON[-1]) + 1)]
    assert all(unicodedata.normalize("NFKC", c) == c == c.lower() for c in common)
    assert all(re.fullmatch(r"\w", c) and not c.isspace() for c in common)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_column_of_names_parses_as_each_name_alone(seed):
    names = ODD + _random_names(3000, seed) + [p + "华腾科技有限公司" for p in place_table()]
    latin, chinese, shown, person = name_parts(names)
    assert [repr(p) for p in chinese] == [repr(parse_name(n)) for n in names]
    assert list(chinese) == [parse_simplified(simplified_name(n)) for n in names]
    assert list(person) == [person_name(n) for n in names]
    assert list(latin) == [parse_latin(n) for n in names]
    assert [s.core for s in shown] == [p.core if lat is None else lat.key
                                       for p, lat in zip(chinese, latin)]


def test_traditional_names_are_simplified_in_one_go_as_one_by_one():
    texts = ["長沙華騰科技有限公司", "乾坤", "著作權", "華", "发", "後來", "ABC", "台灣"] * 3
    assert simplified_lines(texts) == [simplified(t) for t in texts]


def test_a_book_reads_each_name_as_it_reads_it_alone():
    rows = [{"CustomerID": f"C{k:03d}", "CustomerName": name, "CustomerType": "企业"}
            for k, name in enumerate(ODD)]
    feat = features(make_db({"Customers": rows}).customers)
    latin = [parse_latin(n) for n in ODD]
    assert feat["core"].tolist() == [lat.key if lat else parse_name(n).core
                                     for n, lat in zip(ODD, latin)]
    assert feat["places"].tolist()[:3] == [("4403",), ("4403",), ("4501",)]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_ids_and_names_read_as_they_are_need_no_per_cell_reading(data):
    """Cells matching keys.CLEAN["id"] / ["name"] skip the per-value reading: it would return
    them unchanged."""
    cid = data.draw(st.from_regex(CLEAN["id"], fullmatch=True))
    assert str(cid).strip().upper() == cid
    name = data.draw(st.from_regex(CLEAN["name"], fullmatch=True))
    assert not is_blank(name)


def test_a_column_of_ids_and_names_reads_as_cell_by_cell():
    ids = ["C20240101001", " c20240101001 ", "c-1", "C1\n", "ＣＡ1", "ß", "  ", "", None,
           float("nan"), 12345, 12345.0]
    names = ["华腾", " 华腾 ", "华腾\n", "\n华腾", "　", "华　", "", "Huateng", " ", None, float("nan"),
             123, 1.5]
    size = max(len(ids), len(names))
    for cut in (9, size):  # text and blanks only (read in Arrow's kernels), then numbers too
        cid, name = (ids * 2)[:cut], (names * 2)[:cut]
        feat = features(pd.DataFrame({"CustomerID": cid, "CustomerName": name}, dtype=object))
        assert feat["cid"].tolist() == ["" if is_blank(v) else str(v).strip().upper() for v in cid]
        assert feat["name_raw"].tolist() == ["" if is_blank(v) else str(v) for v in name]
