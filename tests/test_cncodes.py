"""统一社会信用代码, 身份证号 and phone helpers: the vectorised checks agree with python-stdnum and
phonenumbers, and every single-character change to a valid code is caught."""

import datetime

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from xltools.core import cncodes

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
TODAY = datetime.date(2024, 6, 1)
# Division codes python-stdnum knows, in different provinces (all assigned since before 1992).
DIVISIONS = ["110105", "310115", "440300", "440305", "510104", "330106", "210102", "650102"]


@st.composite
def valid_usccs(draw):
    head = draw(st.sampled_from("123456789")) + draw(st.sampled_from("123459"))
    body = draw(st.sampled_from(DIVISIONS)) + "".join(
        draw(st.lists(st.sampled_from(USCC_ALPHABET), min_size=9, max_size=9)))
    code = head + body
    return code + uscc.calc_check_digit(code)


@st.composite
def valid_rics(draw):
    born = draw(st.dates(min_value=datetime.date(1992, 1, 1), max_value=datetime.date(2005, 12, 31)))
    seq = draw(st.integers(0, 999))
    first17 = f"{draw(st.sampled_from(DIVISIONS))}{born:%Y%m%d}{seq:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


@given(valid_usccs())
def test_a_uscc_with_a_correct_check_digit_passes(code):
    assert uscc.is_valid(code)  # the generator is right
    assert cncodes.uscc_is_valid(code)
    assert cncodes.uscc_status(pd.Series([code])).iloc[0] == "ok"


@given(valid_usccs(), st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_any_single_character_change_to_a_uscc_fails(code, pos, char):
    assume(code[pos] != char)
    changed = code[:pos] + char + code[pos + 1:]
    status = cncodes.uscc_status(pd.Series([changed])).iloc[0]
    assert status != "ok"
    assert status == ("ok" if uscc.is_valid(changed) else status)  # agrees with stdnum


@given(valid_rics())
def test_a_ric_with_a_correct_check_digit_passes(code):
    assert cncodes.ric_is_valid(code)
    assert cncodes.ric_status(pd.Series([code]), today=TODAY).iloc[0] == "ok"


@given(valid_rics(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_to_a_ric_fails(code, pos, char):
    assume(code[pos] != char)
    changed = code[:pos] + char + code[pos + 1:]
    assert cncodes.ric_status(pd.Series([changed]), today=TODAY).iloc[0] != "ok"
    assert not cncodes.ric_is_valid(changed)


@settings(max_examples=300)
@given(st.text(alphabet="0123456789ABCDXYZ -ｘ０٠", max_size=20))
def test_vectorised_uscc_agrees_with_stdnum_on_any_text(text):
    ok = cncodes.uscc_status(pd.Series([text])).iloc[0] == "ok"
    assert ok == cncodes.uscc_is_valid(text)


@settings(max_examples=300)
@given(st.text(alphabet="0123456789X٠", min_size=17, max_size=19))
def test_vectorised_ric_agrees_with_stdnum_on_any_digits(text):
    ok = cncodes.ric_status(pd.Series([text]), today=datetime.date(2100, 1, 1)).iloc[0] == "ok"
    # stdnum also requires the county to exist in the birth year; we only require it to exist.
    if cncodes.ric_is_valid(text):
        assert ok


def test_ric_is_valid_survives_stdnums_keyerror_on_an_unknown_county():
    first17 = "11990519491231002"  # province 11 exists, county 9905 does not
    code = first17 + ric.calc_check_digit(first17 + "0")
    assert cncodes.ric_is_valid(code) is False
    assert cncodes.ric_status(pd.Series([code]), today=TODAY).iloc[0] == "division"


def test_ric_birth_date_after_today_is_rejected():
    first17 = "11010520300101002"
    code = first17 + ric.calc_check_digit(first17 + "0")
    assert cncodes.ric_status(pd.Series([code]), today=TODAY).iloc[0] == "birthdate"


def test_masked_and_fullwidth_forms():
    s = pd.Series(["110105********002X", "９１１１００００６０００３７３４１Ｌ", " 9111 0000 6000 3734 1L ", None])
    assert list(cncodes.uscc_status(s)) == ["masked", "ok", "ok", "blank"]


def test_division_of_company_and_person_codes():
    assert cncodes.division("91440300MA5F5X1234") == "440300"
    assert cncodes.division("11010519491231002X") == "110105"
    assert cncodes.division("110105********002X") == "110105"
    assert cncodes.division("123") is None


@pytest.mark.parametrize("value, kind", [
    ("13812345678", "mobile"), ("+86 138-1234-5678", "mobile"), ("008613812345678", "mobile"),
    (13812345678.0, "mobile"), ("010-88881234", "landline"), ("(0755) 8888 1234", "landline"),
    ("138****5678", "masked"), ("0755****1234", "masked"), ("010****1234", "masked"),
    ("12345", "invalid"), ("14012345678", "invalid"), ("1381234567", "invalid"),
    ("", "blank"), (None, "blank"),
])
def test_phone_kind(value, kind):
    assert cncodes.phone_kind(value) == kind
    assert cncodes.phone_status(pd.Series([value], dtype=object)).iloc[0] == kind


SPELLINGS = [lambda n: n, lambda n: "+86 " + n, lambda n: f"{n[:3]}-{n[3:7]}-{n[7:]}",
             lambda n: f"{n[:3]} {n[3:7]} {n[7:]}", lambda n: "0086" + n,
             lambda n: n.translate(str.maketrans("0123456789", "０１２３４５６７８９"))]


@given(st.sampled_from("3456789"), st.integers(0, 10 ** 9 - 1), st.sampled_from(SPELLINGS))
def test_phone_normaliser_gives_the_same_answer_whatever_the_spelling(second, rest, spell):
    number = f"1{second}{rest:09d}"
    bare = cncodes.phone_kind(number)
    assert cncodes.phone_kind(spell(number)) == bare
    assert bare in ("mobile", "invalid")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet="0123456789X*Ａ٠ \n-中", max_size=20),
                          st.sampled_from(["110105********002X", "11010519491231002X",
                                           "91440300MA5F5X1234", "110105*******002X\n"])),
                max_size=8))
def test_a_column_reads_as_each_of_its_codes_alone(values):
    """The whole-column forms give every code the answer it gets alone, and read a masked ID
    as the scalar pattern does (a final newline too), whatever else the column holds."""
    column = pd.Series(values, dtype=object)
    person = pd.Series([i % 2 == 0 for i in range(len(values))], dtype=bool)
    for i, value in enumerate(values):
        alone = pd.Series([value], dtype=object)
        assert cncodes.uscc_status(column).iloc[i] == cncodes.uscc_status(alone).iloc[0]
        assert cncodes.ric_status(column, TODAY).iloc[i] == cncodes.ric_status(alone, TODAY).iloc[0]
        assert cncodes.divisions(column, person).iloc[i] == cncodes.divisions(
            alone, pd.Series([person[i]])).iloc[0]
        code = cncodes.credit_code(value)
        assert (cncodes.uscc_status(alone).iloc[0] == "masked") == bool(cncodes.MASKED_ID.match(code))
    upper = pd.Series([v.upper() for v in values if isinstance(v, str)], dtype=object)
    masked = cncodes.uscc_status(upper, normalised=True) == "masked"
    assert masked.tolist() == [bool(cncodes.MASKED_ID.match(v)) for v in upper]
