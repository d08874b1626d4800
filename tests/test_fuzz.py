"""Property tests and a bounded fuzz run: normalisers, masks, the condition language, and real
workbooks with random damage. Nothing may fail except with our own XlToolsError.

Sized for CI (a few hundred examples in all, no per-example deadline: the machine is shared).
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltools.core import normalize, privacy
from xltools.core.condition import Context, evaluate, parse
from xltools.errors import XlToolsError
from xltools.testing import make_db

FAST = settings(max_examples=300, deadline=None)
SLOW = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# What people type: any text, with the characters Chinese exports carry made likely.
typed = st.one_of(
    st.none(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(), st.text(alphabet="0123456789０１２３ +-()（）　\t\n@.*abcXx中国深圳", max_size=30))


# ---------------------------------------------------------------- normalisers


@FAST
@given(typed)
def test_normalisers_always_give_text_and_settle_after_one_pass(value):
    for fn in (normalize.compact_text, normalize.clean_text, normalize.credit_code,
               normalize.email, normalize.phone_digits):
        once = fn(value)
        assert isinstance(once, str)
        assert fn(once) == once, (fn.__name__, value, once)
    assert not re.search(r"\s", normalize.compact_text(value))
    assert normalize.clean_text(value) == normalize.clean_text(value).strip()
    assert normalize.halfwidth(normalize.halfwidth(str(value))) == normalize.halfwidth(str(value))


@FAST
@given(typed)
def test_a_blank_normalises_to_nothing(value):
    if normalize.is_blank(value):
        for fn in (normalize.compact_text, normalize.clean_text, normalize.credit_code,
                   normalize.email, normalize.phone_digits):
            assert fn(value) == ""


# ---------------------------------------------------------------- masks and fingerprints


@FAST
@given(st.sampled_from(["phone", "idcard", "email"]), typed)
def test_masking_is_idempotent_and_never_fails(kind, value):
    once = privacy.mask_value(kind, value)
    assert isinstance(once, str)
    assert privacy.mask_value(kind, once) == once


@FAST
@given(st.text(alphabet="0123456789", min_size=11, max_size=12))
def test_a_masked_phone_keeps_at_most_seven_of_its_digits(digits):
    masked = privacy.mask_phone(digits)
    assert privacy.is_masked("phone", masked)
    assert len(re.sub(r"\D", "", masked)) <= 8 and digits not in masked


@FAST
@given(st.text(alphabet="0123456789X", min_size=15, max_size=18))
def test_a_masked_id_number_hides_its_middle(code):
    masked = privacy.mask_idcard(code)
    assert masked[:6] == code[:6] and masked[-4:] == code[-4:]
    assert set(masked[6:-4]) == {"*"} and privacy.is_masked("idcard", masked)


@FAST
@given(st.from_regex(r"[a-z][a-z0-9._]{1,12}@[a-z]{2,8}\.(com|cn)", fullmatch=True))
def test_a_masked_email_shows_one_letter_of_the_name(address):
    masked = privacy.mask_email(address)
    local = address.split("@")[0]
    assert masked == local[0] + "***@" + address.split("@")[1]


@FAST
@given(st.sampled_from(["phone", "idcard", "email"]), typed, st.binary(min_size=1, max_size=32))
def test_fingerprints_are_keyed_hex_or_blank(kind, value, key):
    fp = privacy.fingerprint(kind, value, key)
    assert fp == "" or re.fullmatch(r"[0-9a-f]{32}", fp)
    if fp:
        assert privacy.fingerprint(kind, value, key + b"!") != fp
        assert privacy.fingerprint(kind, privacy.mask_value(kind, value), key) in ("", fp) or \
            not privacy.is_masked(kind, privacy.mask_value(kind, value))


# ---------------------------------------------------------------- the condition language


DB = make_db({"Customers": [
    {"CustomerID": "C20240315001", "CustomerName": "深圳华腾", "Region": "华南",
     "AnnualSpend": 120000, "CreateTime": dt.datetime(2024, 3, 15)},
    {"CustomerID": "C20240315002", "CustomerName": "北京远景", "Region": "华北",
     "AnnualSpend": None, "CreateTime": None},
]})
WORDS = ["Region", "所属区域", "AnnualSpend", "年度消费", "CreateTime", "tag:价值", "and", "or", "not",
         "且", "或", "非", "=", "!=", ">", ">=", "<", "<=", "~", "(", ")", "华南", "100000", "10万",
         "2024-01-01", "'", '"', "30天", "跟进", "高价值", "空", ",", "in"]


@FAST
@given(st.one_of(st.text(max_size=40),
                 st.lists(st.sampled_from(WORDS), max_size=10).map(" ".join)))
def test_any_condition_parses_and_evaluates_or_fails_with_our_error(text):
    try:
        node = parse(text)
    except XlToolsError as err:
        assert err.zh and err.en
        return
    ctx = Context.from_db(DB, today=dt.date(2024, 6, 1))
    try:
        hits = evaluate(node, ctx)
    except XlToolsError as err:
        assert err.zh and err.en
        return
    assert hits.dtype == bool and len(hits) == len(DB.customers)


# ---------------------------------------------------------------- damaged real workbooks


@pytest.fixture(scope="module")
def real_books(tmp_path_factory) -> dict[str, bytes]:
    """A demo database and an exported customer list, both valid .xlsx files."""
    import openpyxl

    from xltools.demo import demo_data
    from xltools.template import build_template
    folder = tmp_path_factory.mktemp("fuzz")
    book = folder / "book.xlsx"
    build_template(book, lang="zh", data=demo_data(n_customers=40, seed=3))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户名单(导出)"])
    ws.append(["客户名称", "手机", "年度消费", "创建时间", "备注"])
    for i in range(30):
        ws.append([f"深圳第{i}科技有限公司", f"1381234{i:04d}", f"{i}.5万", dt.date(2024, 1, 1 + i % 28),
                   "=1+1" if i % 7 == 0 else "老客户"])
    export = io.BytesIO()
    wb.save(export)
    return {"book": book.read_bytes(), "export": export.getvalue()}


def mutate(data: bytes, seed: int) -> bytes:
    """One kind of damage, chosen by ``seed``: flipped bytes anywhere, a member's XML cut short or
    flipped (the zip stays valid so the damage reaches the parsers), a member dropped, the file
    truncated."""
    rng = random.Random(seed)
    kind = rng.choice(["flip", "flip_member", "cut_member", "drop_member", "truncate"])
    if kind == "flip":
        out = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out)
    if kind == "truncate":
        return data[: rng.randrange(len(data))]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = [(n, z.read(n)) for n in z.namelist()]
    victim = rng.randrange(len(members))
    name, body = members[victim]
    if kind == "drop_member":
        del members[victim]
    elif kind == "cut_member":
        members[victim] = (name, body[: rng.randrange(max(1, len(body)))])
    else:
        flipped = bytearray(body)
        for _ in range(rng.randint(1, 10)):
            if flipped:
                flipped[rng.randrange(len(flipped))] = rng.choice(b"<>&\"'/=\x00\xff x")
        members[victim] = (name, bytes(flipped))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in members:
            z.writestr(n, b)
    return out.getvalue()


@SLOW
@given(st.integers(min_value=0, max_value=2**32))
def test_a_damaged_export_imports_or_fails_with_our_error(real_books, tmp_path, seed):
    from xltools.importer import import_sources
    path = tmp_path / "export.xlsx"
    path.write_bytes(mutate(real_books["export"], seed))
    try:
        result = import_sources(make_db(), [path], today=dt.date(2024, 3, 15))
    except XlToolsError as err:
        assert err.zh and err.en
        return
    d = result.data
    assert d["read"] == d["imported"] + d["flagged"] + len(d["rejected"])


@SLOW
@given(st.integers(min_value=0, max_value=2**32))
def test_a_damaged_book_loads_or_fails_with_our_error(real_books, tmp_path, seed):
    from xltools.backend.file import FileBackend
    path = tmp_path / "book.xlsx"
    data = mutate(real_books["book"], seed)
    path.write_bytes(data)
    try:
        db = FileBackend(path).load()
    except XlToolsError as err:
        assert err.zh and err.en
    else:
        assert "Customers" in db.tables
    assert Path(path).read_bytes() == data          # reading never changes the file
