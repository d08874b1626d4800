"""The column normalisers of an import give, over a whole column, what each cell gives alone."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from xltools.core.normalize import compact_text, is_blank
from xltools.importer import values as V

PHONES = ["13812345678", "13812345678", "+86 138-1234-5678", "138 1234 5678 / 0755-8888 1234",
          "075588881234", "0755-8888 1234 转 801", "1.38123E+10", "无", "", None, "  ",
          "１３８１２３４５６７８", "13812345678 ", "abc", "138123456789"]


@pytest.mark.parametrize("cells", [PHONES, PHONES + [13812345678.0, 13812345678, float("nan")]],
                         ids=["text", "mixed types"])
def test_a_phone_column_reads_as_cell_by_cell(cells):
    series = pd.Series(cells, index=range(10, 10 + len(cells)), dtype=object)
    first, others, bad = V.phones(series)
    split = [V.split_phones(v) for v in cells]
    assert first.tolist() == [ps[0] if ps else None for ps in split]
    assert others.tolist() == [ps[1:] for ps in split]
    assert list(first.index) == list(series.index) == list(others.index)
    assert bad.tolist() == [(not is_blank(v) and not ps) or (isinstance(v, str) and "E+" in v)
                            for v, ps in zip(cells, split)]
    assert others.tolist()[3] == ["075588881234"]     # the second phone of a cell is kept


@pytest.mark.parametrize("cells", [["深圳 华腾", "深圳 华腾", "—", "N/A", None, "", "ＡＢＣ"],
                                   ["深圳 华腾", 12, 12.0, True, None, float("nan"), "12"]],
                         ids=["text", "mixed types"])
def test_text_columns_read_as_cell_by_cell(cells):
    series = pd.Series(cells, dtype=object)
    one = lambda v: None if is_blank(v) else V.clean_text(V._as_text(v)) or None  # noqa: E731
    assert V.text(series).tolist() == [one(v) for v in cells]
    blank = [is_blank(v) or (isinstance(v, str) and compact_text(v).casefold() in V.BLANK_TOKENS)
             for v in cells]
    assert V.blank_out(series).tolist() == [None if b else v for v, b in zip(cells, blank)]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(sorted({c for t in V.BLANK_TOKENS for c in t}
                                               | set(" \u3000\t\u0301ＮｎＵｕＬ／－—＃") | {"\u00a0"})),
               max_size=12)
       | st.text(max_size=12))
def test_a_blank_token_is_recognised_however_long_the_cell(text):
    """Text too long to compact to a blank token is never compacted (values._may_be_token): the
    answer is what compacting every cell gives."""
    series = pd.Series([text], dtype=object)
    is_token = is_blank(text) or compact_text(text).casefold() in V.BLANK_TOKENS
    assert V.blank_out(series).tolist() == [None if is_token else text]


def test_fingerprints_of_clean_values_are_the_fingerprints_of_each_value():
    from xltools.core.dedupe.keys import CLEAN
    from xltools.core.privacy import fingerprint, fingerprints
    key = b"k" * 32
    for kind, clean, cells in (
            ("phone", CLEAN["phone"], ["13812345678", "075588881234", "0086 0086 13812345678",
                                       "138****5678", "", None, 13812345678.0, "１３８１２３４５６７８"]),
            ("idcard", CLEAN["code"], ["91440300MA5F5X1234", "91440300ma5f5x1234", "", None]),
            ("email", CLEAN["email"], ["a@b.cn", "A@B.CN", " a@b.cn ", "a***@b.cn", ""])):
        expected = [fingerprint(kind, v, key) for v in cells]
        assert fingerprints(kind, cells, key, as_is=clean) == expected == fingerprints(kind, cells, key)
        assert set(expected) - {""}
