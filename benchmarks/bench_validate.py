"""Validate 100,000 customers: xltools' pandera/numpy validation against a plain row-by-row loop.

Both sides do the same checks on the same frame in the same run (required fields, dropdown values,
dates, ID pattern and uniqueness, 统一社会信用代码 / 身份证号 with python-stdnum, phones with
phonenumbers, e-mail format, unmasked data, duplicate codes and phones, region against the code)
and must find the same problem cells; the script prints rows per second and the ratio.

    python benchmarks/bench_validate.py            # 100,000 customers
    python benchmarks/bench_validate.py 20000
"""

from __future__ import annotations

import datetime
import math
import random
import re
import sys
import time

import pandas as pd
import phonenumbers
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from xltools.core import regions
from xltools.core.divisions import division_info
from xltools.core.normalize import credit_code, phone_digits
from xltools.core.privacy import is_masked
from xltools.core.validate import (
    build_rules,
    build_schemas,
    check_names,
    failure_cases,
    validate,
)
from xltools.schema import load_schema
from xltools.testing import make_db

TODAY = datetime.date(2024, 6, 1)
DIVISIONS = ["110105", "310101", "440300", "510104", "330106", "420102", "610102", "210102"]
STAFF = ["公海", "张伟", "王芳", "李娜", "刘洋"]


def synthetic_customers(n: int, seed: int = 1) -> pd.DataFrame:
    """n customers, about 1 in 12 with a planted problem; phones mostly masked, as in a used book."""
    rng = random.Random(seed)
    schema = load_schema()
    lists = {k: schema.list_values(k) for k in ("Industry", "CustomerLevel", "CooperationPhase")}
    rows = []
    for i in range(n):
        company = rng.random() < 0.7
        div = rng.choice(DIVISIONS)
        if company:
            body = "91" + div + "".join(rng.choice("0123456789ABCDEFGH") for _ in range(9))
            code = body + uscc.calc_check_digit(body)
        else:
            first = f"{div}{rng.randint(1960, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
            code = first + ric.calc_check_digit(first + "0")
            code = code if rng.random() < 0.2 else code[:6] + "********" + code[-4:]
        phone = f"1{rng.choice('3589')}{rng.randint(0, 10**9 - 1):09d}"
        created = TODAY - datetime.timedelta(days=rng.randint(1, 900))
        last = created + datetime.timedelta(days=rng.randint(0, 60))
        row = {"CustomerID": f"C{created:%Y%m%d}{i % 1000:03d}", "CustomerName": f"客户{i}",
               "CustomerType": "企业" if company else "个人", "CreditCode": code,
               "ContactPerson": "王经理", "ContactPhone": phone if rng.random() < 0.1 else phone[:3] + "****" + phone[-4:],
               "Email": f"u{i}@example.com" if rng.random() < 0.05 else f"u***@example{i % 50}.com",
               "Industry": rng.choice(lists["Industry"]),
               "Region": regions.region_for_province(div[:2]),
               "CustomerLevel": rng.choice(lists["CustomerLevel"]),
               "CooperationPhase": rng.choice(lists["CooperationPhase"]), "Owner": rng.choice(STAFF),
               "CreateTime": pd.Timestamp(created), "LastFollowUpTime": pd.Timestamp(last),
               "NextFollowUpTime": pd.Timestamp(last + datetime.timedelta(days=rng.randint(1, 30))),
               "AnnualSpend": float(rng.randint(0, 200000)), "DealAmount": 0.0,
               "PhoneFP": f"{i:032x}", "CreditCodeFP": f"{i:032x}"}
        mess = rng.random()
        if mess < 0.01:
            row["CustomerName"] = ""
        elif mess < 0.02:
            row["Industry"] = "制造"
        elif mess < 0.03:
            row["CreditCode"] = row["CreditCode"][:-1] + ("0" if row["CreditCode"][-1] != "0" else "1")
        elif mess < 0.04:
            row["ContactPhone"] = "12345"
        elif mess < 0.05:
            row["CreateTime"] = pd.Timestamp(TODAY + datetime.timedelta(days=5))
        elif mess < 0.06:
            row["NextFollowUpTime"] = row["LastFollowUpTime"] - pd.Timedelta(days=3)
        elif mess < 0.07:
            row["Region"] = "西北" if row["Region"] != "西北" else "华南"
        elif mess < 0.08:
            row["PhoneFP"] = f"{i - 1:032x}"
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- the plain loop


def loop_validate(df: pd.DataFrame, schema, lists, today) -> set:
    """The same checks, one row and one cell at a time (what a first script would do)."""
    found = set()
    table = schema.table("Customers")
    cutoff = datetime.datetime.combine(today, datetime.time()) + datetime.timedelta(days=1)
    ids, codes_seen, phones_seen = {}, {}, {}
    email_re = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
    masked_id = re.compile(r"^\d{6}\*{4,}[0-9X]{4}$")
    masked_phone = re.compile(r"^(1[3-9]\d|0\d{2,3})\*{4}\d{4}$")
    for row, rec in zip(df.index, df.to_dict("records")):
        for col in table.columns:
            v = rec.get(col.key)
            empty = v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())
            if col.required and empty:
                found.add((row, col.key, "required"))
            if empty:
                continue
            if col.type == "list" and str(v).strip() not in lists[col.list]:
                found.add((row, col.key, "list"))
            if col.is_date:
                if not isinstance(v, (datetime.date, pd.Timestamp)):
                    found.add((row, col.key, "type"))
                elif col.key in ("CreateTime", "FirstContactTime", "LastFollowUpTime", "DealDate",
                                 "LastRepurchaseDate") and v >= cutoff:
                    found.add((row, col.key, "future_date"))
            if col.is_numeric and col.min is not None and float(v) < col.min:
                found.add((row, col.key, "min"))
            if col.pattern and not re.match(col.pattern, str(v).strip()):
                found.add((row, col.key, "id_format"))
        nxt, last = rec.get("NextFollowUpTime"), rec.get("LastFollowUpTime")
        if isinstance(nxt, pd.Timestamp) and isinstance(last, pd.Timestamp) and nxt < last:
            found.add((row, "NextFollowUpTime", "date_order"))
        ids.setdefault(str(rec["CustomerID"]).strip(), []).append(row)
        code = credit_code(rec.get("CreditCode"))
        person = rec.get("CustomerType") == "个人"
        readable = False  # a code whose division can be trusted for the region check
        if code and masked_id.match(code):
            readable = person
        elif code:
            if person:
                # stdnum's checksum and birth date; the area code must exist (in any year: an ID is
                # issued where one is registered, often years after birth).
                try:
                    ok = (len(code) == 18 and code[:17].isdigit()
                          and ric.calc_check_digit(code) == code[-1]
                          and ric.get_birth_date(code) <= today
                          and ric.get_birth_date(code).year >= 1900
                          and bool(division_info(code[:6]).get("county")))
                except ValidationError:
                    ok = False
                if not ok:
                    found.add((row, "CreditCode", "idcard"))
                if len(code) == 18 and code[:17].isdigit() and code[17] in "0123456789X":
                    found.add((row, "CreditCode", "unmasked"))
                readable = ok
            elif not uscc.is_valid(code):
                found.add((row, "CreditCode", "uscc"))
            else:
                readable = True
        if readable:
            region = regions.region_for_province(code[:2] if person else code[2:4])
            if rec.get("Region") and region and rec["Region"] != region:
                found.add((row, "Region", "region"))
        phone = rec.get("ContactPhone")
        if phone and not masked_phone.match(str(phone)):
            try:
                number = phonenumbers.parse(phone_digits(phone), "CN")
                ok = phonenumbers.is_valid_number(number)
            except phonenumbers.NumberParseException:
                ok = False
            if not ok:
                found.add((row, "ContactPhone", "phone"))
            if ok or len(phone_digits(phone)) >= 7:
                found.add((row, "ContactPhone", "unmasked"))
        mail = rec.get("Email")
        if mail and not is_masked("email", mail):
            if not email_re.match(mail.strip()):
                found.add((row, "Email", "type"))
            if "@" in mail:
                found.add((row, "Email", "unmasked"))
        fp = rec.get("CreditCodeFP")
        codes_seen.setdefault(fp, []).append(row)
        phones_seen.setdefault(rec.get("PhoneFP"), []).append(row)
    for groups, column, check in ((ids, "CustomerID", "unique"), (codes_seen, "CreditCode", "duplicate"),
                                  (phones_seen, "ContactPhone", "duplicate")):
        for key, rows in groups.items():
            if key and len(rows) > 1:
                found.update((r, column, check) for r in rows)
    return found


def main(n: int) -> None:
    # Every column as object dtype with Timestamps and None, as the backends load a book.
    df = synthetic_customers(n).astype(object)
    df = df.where(df.notna(), None)
    db = make_db({"Customers": df}, lists={"Staff": STAFF})
    schema = db.schema
    lists = {k: set(v) for k, v in db.lists.items()}
    vec_times, check_times, loop_times = [], [], []
    for _ in range(3):
        t = time.perf_counter()
        result = validate(db, today=TODAY)
        vec_times.append(time.perf_counter() - t)
        t = time.perf_counter()  # the checks alone: pandera's failure cases, no messages or sheet
        failure_cases(db, build_schemas(check_names(build_rules(db, TODAY))))
        check_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        baseline = loop_validate(db.customers, schema, lists, TODAY)
        loop_times.append(time.perf_counter() - t)
    ours = {(i.row, i.column, i.check) for i in result.issues if i.table == "Customers"}
    vec, checks, loop = sorted(vec_times)[1], sorted(check_times)[1], sorted(loop_times)[1]
    print(f"customers: {n:,}   problem cells: xltools {len(ours):,}, loop {len(baseline):,}, "
          f"same cells: {ours == baseline}")
    if ours != baseline:
        print("  only xltools:", sorted(ours - baseline)[:5], " only loop:", sorted(baseline - ours)[:5])
    print(f"xltools validate, whole result:     {vec:6.2f} s  {n / vec:10,.0f} rows/s  "
          f"({loop / vec:.1f}x the loop; includes messages, Issues sheet rows and cell marks)")
    print(f"xltools checks only (failure cases): {checks:5.2f} s  {n / checks:10,.0f} rows/s  "
          f"({loop / checks:.1f}x the loop)")
    print(f"row-by-row Python loop:             {loop:6.2f} s  {n / loop:10,.0f} rows/s  "
          "(collects (row, column, check) only)")
    print("median of 3 runs each")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
