"""The demo team: realistic, deterministic, and messy exactly where it says it is.

The checks here read the frames the way a validator would, with python-stdnum, the schema's
lists and the masking helpers, independently of xltools' own validation routines.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import phonenumbers
import pytest
from rapidfuzz import fuzz
from stdnum.cn import ric, uscc

from xltools.core.normalize import compact_text, credit_code, is_blank
from xltools.core.privacy import fingerprint, is_masked
from xltools.core.regions import REGIONS, region_for_code
from xltools.demo import demo_data, synthetic_frames
from xltools.schema import DATA_TABLES, load_schema

TODAY = dt.date(2024, 3, 15)
TODAY_TS = pd.Timestamp(TODAY)
SCHEMA = load_schema()
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
PLANTED_KINDS = {"duplicate", "not_duplicate", "checksum", "missing_code", "unmasked",
                 "blank_required", "not_in_list", "future_date", "bad_id_format",
                 "next_before_last", "region_mismatch", "orphan_reference", "dormant", "pool_due",
                 "formula_text"}


@pytest.fixture(scope="module")
def messy():
    return demo_data(seed=7, today=TODAY)


@pytest.fixture(scope="module", params=[TODAY, dt.date(2031, 11, 2)], ids=["2024", "2031"])
def clean(request):
    return request.param, demo_data(seed=7, today=request.param, mess=False)


# ---------------------------------------------------------------- an independent checker

def uscc_ok(code) -> bool:
    return not is_blank(code) and uscc.is_valid(credit_code(code))


def ric_ok(code) -> bool:
    try:
        return not is_blank(code) and ric.is_valid(credit_code(code))
    except KeyError:  # stdnum: known province, unknown county
        return False


def lists_of(data) -> dict[str, set[str]]:
    lists = {lst.key: set(lst.values) for lst in SCHEMA.lists}
    lists.update({k: set(v) for k, v in data.lists.items()})
    return lists


def customer_problems(data, today) -> dict[int, set[str]]:
    """Excel row -> the problems a validator should report on that Customers row."""
    df = data.frames["Customers"]
    lists = lists_of(data)
    table = SCHEMA.table("Customers")
    today_ts = pd.Timestamp(today)
    ids = df["CustomerID"].astype(str)
    counts = ids.value_counts()
    followups = data.frames["FollowUps"]
    last_logged = followups.groupby("CustomerID")["FollowUpTime"].max().dt.normalize()
    out: dict[int, set[str]] = {}
    for pos, rec in enumerate(df.to_dict("records")):
        found = set()
        for col in table.columns:
            value = rec[col.key]
            if col.required and is_blank(value):
                found.add("required")
            if col.list and not is_blank(value) and value not in lists[col.list]:
                found.add("list")
        if not re.match(table.column("CustomerID").pattern, str(rec["CustomerID"])):
            found.add("id_format")
        if counts[str(rec["CustomerID"])] > 1:
            found.add("unique")
        person = rec["CustomerType"] == "个人"
        code = rec["CreditCode"]
        if person:
            if not is_blank(code) and not is_masked("idcard", code):
                found.add("unmasked")
                if not ric_ok(code):
                    found.add("checksum")
        elif is_blank(code):
            found.add("code_required")
        elif not uscc_ok(code):
            found.add("checksum")
        elif region_for_code(code, person=False) != rec["Region"]:
            found.add("region")
        phone = rec["ContactPhone"]
        if not is_blank(phone) and not is_masked("phone", phone):
            found.add("unmasked")
        if not is_blank(rec["Email"]) and not is_masked("email", rec["Email"]):
            found.add("unmasked")
        if rec["CreateTime"] > today_ts:
            found.add("future_date")
        if rec["NextFollowUpTime"] < rec["LastFollowUpTime"]:
            found.add("date_order")
        if str(rec["CustomerName"]).startswith("="):
            found.add("formula")
        last = last_logged.get(rec["CustomerID"], rec["LastFollowUpTime"])
        idle = (today_ts - last).days
        if idle > 180:
            found.add("dormant")
        if rec["Owner"] != "公海" and idle >= 25:
            found.add("pool")
        if found:
            out[pos + 2] = found
    return out


def shared_chars(a: str, b: str) -> float:
    """Share of the shorter name's characters found in the other (word order ignored)."""
    a, b = set(compact_text(a).replace("(", "").replace(")", "")), set(compact_text(b))
    return len(a & b) / min(len(a), len(b))


def reference_problems(data) -> list[tuple[str, int]]:
    known = set(data.frames["Customers"]["CustomerID"])
    out = []
    for key in ("FollowUps", "Tags", "Opportunities"):
        df = data.frames[key]
        for pos in np.flatnonzero(~df["CustomerID"].isin(known)):
            out.append((key, int(pos) + 2))
    return out


def cell(data, entry):
    """The planted cell, after checking the entry's row really holds the record it names."""
    df = data.frames[entry["table"]]
    rec = df.iloc[entry["row"] - 2]
    assert rec[SCHEMA.table(entry["table"]).id_column] == entry["id"], entry
    return rec[entry["column"]], rec


# ---------------------------------------------------------------- shape and determinism

def test_same_seed_gives_identical_data():
    a = demo_data(n_customers=80, seed=3, today=TODAY)
    b = demo_data(n_customers=80, seed=3, today=TODAY)
    for key in DATA_TABLES:
        pd.testing.assert_frame_equal(a.frames[key], b.frames[key])
    assert a.planted == b.planted
    c = demo_data(n_customers=80, seed=4, today=TODAY)
    assert list(c.frames["Customers"]["CustomerName"]) != list(a.frames["Customers"]["CustomerName"])


def test_frames_have_the_schema_columns_and_typed_values(messy):
    for key in DATA_TABLES:
        table = SCHEMA.table(key)
        df = messy.frames[key]
        assert list(df.columns) == table.keys
        for col in table.columns:
            values = [v for v in df[col.key] if not is_blank(v)]
            if col.is_date:
                assert all(isinstance(v, pd.Timestamp) for v in values), col.key
            elif col.is_numeric:
                assert all(isinstance(v, float) for v in values), col.key
            else:
                assert all(isinstance(v, str) for v in values), col.key
    assert len(messy.frames["Customers"]) >= 300


def test_staff_list_has_salespeople_and_the_pool(messy):
    staff = messy.lists["Staff"]
    assert "公海" in staff
    people = [s for s in staff if s != "公海"]
    assert 6 <= len(people) <= 8
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", p) for p in people)


def test_realistic_customers(clean):
    _, data = clean
    df = data.frames["Customers"]
    persons = df["CustomerType"] == "个人"
    assert 0.08 < persons.mean() < 0.25
    companies = df.loc[~persons, "CustomerName"]
    legal = ("有限公司", "有限责任公司", "股份有限公司", "集团")
    assert companies.map(lambda n: n.endswith(legal) and "市" in n).all()
    assert (df["AnnualSpend"] >= 100000).sum() >= 5
    assert (df["AnnualSpend"] < 100000).sum() >= 100
    phones = df["ContactPhone"].str.replace("*", "0", regex=False)
    assert phones.str.match(r"^1[3-9]\d{9}$").mean() > 0.7
    assert phones.str.match(r"^0\d{6,7}\d{4}$").sum() >= 5          # some landlines
    ids = df["CustomerID"]
    assert (ids.str[1:9] == df["CreateTime"].dt.strftime("%Y%m%d")).all()
    counts = data.frames["FollowUps"]["CustomerID"].value_counts()
    assert counts.between(3, 6).all() and set(counts.index) == set(ids)
    times = data.frames["FollowUps"]["FollowUpTime"]
    assert (times.dt.hour > 0).all()
    stages = set(data.frames["Opportunities"]["Stage"])
    assert stages == set(SCHEMA.list_values("Stage"))
    tags = data.frames["Tags"]
    auto = tags[tags["Source"] == "auto"]
    assert len(auto) and auto["Reason"].map(lambda r: isinstance(r, str) and r.startswith("R")).all()
    assert (tags["Source"] == "manual").any()


# ---------------------------------------------------------------- the clean book

def test_clean_book_has_no_problem_of_any_kind(clean):
    today, data = clean
    assert data.planted == []
    assert customer_problems(data, today) == {}
    assert reference_problems(data) == []


def test_clean_book_follow_ups_and_customers_agree(clean):
    today, data = clean
    customers = data.frames["Customers"].set_index("CustomerID")
    followups = data.frames["FollowUps"].sort_values("FollowUpTime")
    latest = followups.groupby("CustomerID").tail(1).set_index("CustomerID")
    assert followups["CustomerID"].isin(customers.index).all()
    pd.testing.assert_series_equal(
        customers["LastFollowUpTime"].sort_index(),
        latest["FollowUpTime"].dt.normalize().reindex(customers.index).sort_index(),
        check_names=False)
    pd.testing.assert_series_equal(
        customers["NextFollowUpTime"].sort_index(),
        latest["NextFollowUpTime"].reindex(customers.index).sort_index(), check_names=False)
    assert (followups["FollowUpTime"] <= pd.Timestamp(today) + pd.Timedelta(days=1)).all()
    for key in DATA_TABLES:
        table = SCHEMA.table(key)
        ids = data.frames[key][table.id_column]
        assert ids.str.match(table.column(table.id_column).pattern).all(), key
        assert ids.is_unique, key


def test_clean_book_codes_masks_and_regions(clean):
    _, data = clean
    df = data.frames["Customers"]
    for rec in df.to_dict("records"):
        code = rec["CreditCode"]
        if rec["CustomerType"] == "企业":
            assert uscc_ok(code), code
            assert region_for_code(code) == rec["Region"]
        else:
            assert is_masked("idcard", code) and code[:6].isdigit()
            assert region_for_code(code, person=True) == rec["Region"]
        assert is_masked("phone", rec["ContactPhone"]) and rec["PhoneFP"]
        assert rec["CreditCodeFP"]
        if not is_blank(rec["Email"]):
            assert is_masked("email", rec["Email"]) and rec["EmailFP"]
    # no accidental look-alikes: codes, phones and names are all distinct
    assert df["CreditCodeFP"].is_unique and df["PhoneFP"].is_unique
    assert df["CustomerName"].map(compact_text).is_unique


def test_messy_and_clean_are_the_same_team():
    messy = demo_data(seed=11, today=TODAY)
    clean = demo_data(seed=11, today=TODAY, mess=False)
    assert messy.lists == clean.lists
    names = set(messy.frames["Customers"]["CustomerName"])
    shared = clean.frames["Customers"]["CustomerName"].isin(names).mean()
    assert shared > 0.8


# ---------------------------------------------------------------- the planted mess

def test_every_planted_kind_is_present_and_points_at_its_record(messy):
    assert messy.planted_kinds() == PLANTED_KINDS
    for entry in messy.planted:
        assert {"kind", "table", "id", "row", "column", "detail"} <= set(entry)
        cell(messy, entry)  # asserts the row holds the record named by id
    # a realistic share, not hundreds of each
    per_kind = pd.Series([p["kind"] for p in messy.planted]).value_counts()
    assert per_kind.max() <= 30


def test_unplanted_rows_are_clean(messy):
    planted_rows = {p["row"] for p in messy.planted if p["table"] == "Customers"}
    problems = customer_problems(messy, TODAY)
    assert set(problems) <= planted_rows
    planted_refs = {(p["table"], p["row"]) for p in messy.planted if p["kind"] == "orphan_reference"}
    assert set(reference_problems(messy)) == planted_refs


CHECK_OF_KIND = {"checksum": "checksum", "missing_code": "code_required", "unmasked": "unmasked",
                 "future_date": "future_date", "bad_id_format": "id_format",
                 "next_before_last": "date_order", "region_mismatch": "region",
                 "formula_text": "formula", "dormant": "dormant", "pool_due": "pool"}


@pytest.mark.parametrize("kind", sorted(CHECK_OF_KIND))
def test_planted_customer_rows_really_show_the_problem(messy, kind):
    problems = customer_problems(messy, TODAY)
    entries = messy.planted_of(kind)
    assert entries
    for entry in entries:
        assert CHECK_OF_KIND[kind] in problems.get(entry["row"], set()), entry


def test_planted_checksums_fail_stdnum_and_keep_their_shape(messy):
    entries = messy.planted_of("checksum")
    kinds = set()
    for entry in entries:
        value, rec = cell(messy, entry)
        code = credit_code(value)
        assert len(code) == 18
        if rec["CustomerType"] == "企业":
            kinds.add("uscc")
            assert not uscc.is_valid(code)
            assert uscc.calc_check_digit(code[:17]) != code[17]
        else:
            kinds.add("ric")
            assert not ric_ok(code)
            assert ric.calc_check_digit(code) != code[17]
    assert kinds == {"uscc", "ric"}


def test_planted_blanks_and_out_of_list_values(messy):
    for entry in messy.planted_of("blank_required"):
        value, _ = cell(messy, entry)
        assert is_blank(value)
        assert SCHEMA.table(entry["table"]).column(entry["column"]).required
    lists = lists_of(messy)
    seen = {}
    for entry in messy.planted_of("not_in_list"):
        value, _ = cell(messy, entry)
        column = SCHEMA.table(entry["table"]).column(entry["column"])
        assert value not in lists[column.list]
        seen[entry["column"]] = value
    assert seen["Industry"] == "IT服务" and seen["Region"] in {f"{r}区" for r in REGIONS}
    assert {e["table"] for e in messy.planted_of("blank_required")} == {"Customers", "FollowUps"}


def test_planted_unmasked_values_are_raw(messy):
    columns = set()
    for entry in messy.planted_of("unmasked"):
        value, _ = cell(messy, entry)
        assert not is_blank(value) and not is_masked("phone", value)
        if entry["column"] == "ContactPhone":   # a real number, just not masked
            assert phonenumbers.is_valid_number(phonenumbers.parse(value, "CN")), value
        columns.add(entry["column"])
    assert columns == {"ContactPhone", "Email", "CreditCode"}


def test_orphans_point_at_missing_customers_in_every_table(messy):
    known = set(messy.frames["Customers"]["CustomerID"])
    entries = messy.planted_of("orphan_reference")
    assert {e["table"] for e in entries} == {"FollowUps", "Tags", "Opportunities"}
    for entry in entries:
        value, _ = cell(messy, entry)
        assert value not in known
        assert re.match(r"^C\d{11}$", value)   # well-formed, just not there


def test_dormant_and_pool_due_follow_the_log(messy):
    followups = messy.frames["FollowUps"]
    last = followups.groupby("CustomerID")["FollowUpTime"].max().dt.normalize()
    for entry in messy.planted_of("dormant"):
        _, rec = cell(messy, entry)
        assert (TODAY_TS - last[entry["id"]]).days > 180
        assert rec["LastFollowUpTime"] == last[entry["id"]]
    for entry in messy.planted_of("pool_due"):
        _, rec = cell(messy, entry)
        assert 25 <= (TODAY_TS - last[entry["id"]]).days <= 35
        assert rec["Owner"] in messy.lists["Staff"] and rec["Owner"] != "公海"


def test_duplicate_groups_are_the_same_customer(messy):
    entries = messy.planted_of("duplicate")
    groups = {}
    for entry in entries:
        groups.setdefault(entry["group"], []).append(entry)
    assert len(groups) >= 3
    originals = {}
    for group, members in groups.items():
        assert len(members) >= 2
        (orig,) = [m for m in members if m["variant"] == "original"]
        originals[group] = cell(messy, orig)[1]
    assert len({o["CreditCode"] for o in originals.values()}) == len(groups)  # different companies
    variants = set()
    for group, members in groups.items():
        base = originals[group]
        for m in members:
            if m["variant"] == "original":
                continue
            variants.add(m["variant"])
            _, rec = cell(messy, m)
            same_code = (not is_blank(rec["CreditCode"])
                         and credit_code(rec["CreditCode"]) == credit_code(base["CreditCode"]))
            same_phone = (rec["PhoneFP"] == base["PhoneFP"]
                          or fingerprint("phone", rec["ContactPhone"], messy.fingerprint_key) == base["PhoneFP"])
            similar_name = shared_chars(rec["CustomerName"], base["CustomerName"]) >= 0.8
            assert similar_name and (same_code or same_phone), (m, rec["CustomerName"])
            if m["variant"] == "same_id":
                assert rec["CustomerID"] == base["CustomerID"]
            else:
                assert rec["CustomerID"] != base["CustomerID"]
    assert variants == {"paren_city", "short", "homophone", "phone_format", "fullwidth", "spaces",
                        "code_lower", "same_id"}


def test_the_huateng_example_and_its_forms(messy):
    names = {cell(messy, e)[0] for e in messy.planted_of("duplicate") if e["column"] == "CustomerName"}
    assert "华腾科技（深圳）有限公司" in names
    assert "深圳华腾科技公司" in names
    assert any("华藤" in n or "化腾" in n for n in names)
    all_names = set(messy.frames["Customers"]["CustomerName"])
    assert "深圳市华腾科技有限公司" in all_names
    assert "华腾集团有限公司" in all_names


def test_hard_negatives_look_alike_but_are_different_companies(messy):
    pairs = {}
    for entry in messy.planted_of("not_duplicate"):
        pairs.setdefault(entry["group"], []).append(cell(messy, entry)[1])
    dup_ids = {e["id"] for e in messy.planted_of("duplicate") if e["variant"] != "original"}
    assert len(pairs) >= 2
    for a, b in pairs.values():
        assert uscc_ok(a["CreditCode"]) and uscc_ok(b["CreditCode"])
        assert credit_code(a["CreditCode"]) != credit_code(b["CreditCode"])
        assert a["PhoneFP"] != b["PhoneFP"]
        assert fuzz.partial_ratio(a["CustomerName"], b["CustomerName"]) >= 50
        assert a["CustomerID"] not in dup_ids and b["CustomerID"] not in dup_ids
    kinds = {e["variant"] for e in messy.planted_of("not_duplicate")}
    assert kinds == {"other_city", "parent"}


def test_small_messy_team_still_has_every_kind():
    data = demo_data(n_customers=60, seed=5, today=TODAY)
    assert data.planted_kinds() == PLANTED_KINDS
    with pytest.raises(ValueError):
        demo_data(n_customers=10, seed=5, today=TODAY)


def test_generated_phones_are_valid_in_every_city():
    from xltools.demo import codes, words
    rng = np.random.default_rng(0)
    numbers = [codes.make_landline(rng, city[2]) for city in words.CITIES for _ in range(10)]
    numbers += [codes.make_mobile(rng) for _ in range(500)]
    invalid = [n for n in numbers if not phonenumbers.is_valid_number(phonenumbers.parse(n, "CN"))]
    assert invalid == []


# ---------------------------------------------------------------- regions

@pytest.mark.parametrize("code, person, region", [
    ("91440300MA5F5X1234", None, "华南"),      # shape says company
    ("11010519491231002X", None, "华北"),      # valid 身份证
    ("11010519491231002Y", None, None),        # not 18 digits + X: not an ID, no division
    ("110105194912310021", None, "华北"),      # 身份证 with a wrong check digit, still a birth date
    ("510104********1234", None, "西南"),      # masked 身份证
    ("914403********1234", None, "华南"),      # masked company code
    ("91650100MA77XX1234", False, "西北"),
    ("230102198001011234", True, "东北"),
    ("91810000MA5F5X1234", None, None),        # 香港: outside the sales regions
    ("", None, None),
    (None, None, None),
    ("9144030", None, None),
])
def test_region_for_code(code, person, region):
    assert region_for_code(code, person=person) == region


def test_region_for_code_reads_lower_case_and_full_width(messy):
    code = "91440300MA5F5X1234"
    assert region_for_code(code.lower()) == region_for_code("９１４４０３００ＭＡ５Ｆ５Ｘ１２３４") == "华南"


def test_regions_cover_every_province_once():
    provinces = [p for provinces in REGIONS.values() for p in provinces]
    assert len(provinces) == len(set(provinces)) == 31


# ---------------------------------------------------------------- synthetic frames

def test_synthetic_frames_sizes_and_shape():
    data = synthetic_frames(20_000, followups_per_customer=5, seed=2, today=TODAY)
    customers, followups = data.frames["Customers"], data.frames["FollowUps"]
    assert len(customers) == 20_000 and len(followups) == 100_000
    for key in DATA_TABLES:
        table = SCHEMA.table(key)
        assert list(data.frames[key].columns) == table.keys
        ids = data.frames[key][table.id_column]
        assert ids.is_unique and ids.str.match(table.column(table.id_column).pattern).all(), key
    assert followups["CustomerID"].isin(customers["CustomerID"]).all()
    last = followups.groupby("CustomerID")["FollowUpTime"].max().dt.normalize()
    assert (customers.set_index("CustomerID")["LastFollowUpTime"] == last).all()
    assert (customers["CreateTime"] <= TODAY_TS).all()


def test_synthetic_codes_are_valid_and_regions_agree():
    data = synthetic_frames(3_000, seed=9, today=TODAY)
    df = data.frames["Customers"]
    companies = df[df["CustomerType"] == "企业"]
    assert companies["CreditCode"].map(uscc_ok).all()
    persons = df[df["CustomerType"] == "个人"]
    assert persons["CreditCode"].map(lambda c: is_masked("idcard", c)).all()
    regions = [region_for_code(c, person=p) for c, p in
               zip(df["CreditCode"], df["CustomerType"] == "个人")]
    assert regions == list(df["Region"])


def test_synthetic_frames_are_deterministic():
    a = synthetic_frames(2_000, seed=4, today=TODAY)
    b = synthetic_frames(2_000, seed=4, today=TODAY)
    for key in DATA_TABLES:
        pd.testing.assert_frame_equal(a.frames[key], b.frames[key])
    assert a.planted == b.planted


def test_synthetic_raw_id_numbers_are_valid():
    # The frame only shows masked 身份证号; check the numbers the generator masks.
    from xltools.demo.synthetic import _divisions, _rics
    rng = np.random.default_rng(0)
    city = rng.integers(0, 40, 3_000)
    division, since = _divisions(rng, city, np.ones(3_000, dtype=bool))
    numbers = _rics(rng, division, since)
    assert all(ric_ok(n) for n in numbers)


def test_synthetic_mixes_in_duplicates_and_raw_phones():
    data = synthetic_frames(5_000, seed=1, today=TODAY)
    df = data.frames["Customers"]
    raw = data.planted_of("unmasked")
    assert 0.02 * len(df) < len(raw) < 0.1 * len(df)
    for entry in raw:
        value = df.iloc[entry["row"] - 2]["ContactPhone"]
        assert MOBILE.match(value) and df.iloc[entry["row"] - 2]["CustomerID"] == entry["id"]
    masked = df["ContactPhone"].map(lambda v: is_masked("phone", v))
    assert masked.sum() == len(df) - len(raw)
    dups = data.planted_of("duplicate")
    assert len(dups) >= 2 * 40
    by_group = {}
    for entry in dups:
        by_group.setdefault(entry["group"], []).append(df.iloc[entry["row"] - 2])
    for a, b in by_group.values():
        same_code = credit_code(a["CreditCode"]) == credit_code(b["CreditCode"])
        same_phone = a["PhoneFP"] == b["PhoneFP"] or a["ContactPhone"] == b["ContactPhone"] or \
            fingerprint("phone", b["ContactPhone"], data.fingerprint_key) == a["PhoneFP"] or \
            fingerprint("phone", a["ContactPhone"], data.fingerprint_key) == b["PhoneFP"]
        assert same_code or same_phone
