"""The mess real books have, planted into a clean team and recorded one entry per problem.

Each planted problem goes to a customer no other plant touched (a duplicate group's original may
also anchor a hard negative), so a test can tell exactly which check should fire where. Kinds:

================  =====================================================================
kind              what was planted (``check``: the validation check that should fire)
================  =====================================================================
duplicate         the same customer entered again (``group`` ties the records together;
                  ``variant`` says how it differs: paren_city, short, homophone, phone_format,
                  fullwidth, spaces, code_lower, same_id; ``original`` marks the first entry)
not_duplicate     hard negatives: same brand in another city, parent group vs company
checksum          统一社会信用代码 / 身份证号 with one character changed (uscc / idcard)
missing_code      a company without a credit code (code_required)
unmasked          a raw phone, e-mail or 身份证号 left in the book (unmasked)
blank_required    a required field left blank (required)
not_in_list       a value outside the dropdown list, e.g. Industry IT服务, Region 华南区 (list)
future_date       CreateTime after today (future_date)
bad_id_format     a CustomerID not shaped C + 11 digits (id_format)
next_before_last  NextFollowUpTime before LastFollowUpTime (date_order)
region_mismatch   Region contradicts the province of the credit code (region)
orphan_reference  a follow-up, tag or opportunity for a CustomerID that does not exist (reference)
dormant           no follow-up for more than 180 days (already back in the pool)
pool_due          a salesperson's customer without follow-up for 25-35 days
formula_text      a customer name that Excel would read as a formula
================  =====================================================================
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from stdnum.cn import ric, uscc

from ..core.privacy import fingerprint
from ..core.regions import REGIONS, province_name
from ..schema import load_schema
from . import codes, words
from .team import DAY, Picker, Team, company_name, next_id

MIN_CUSTOMERS = 40
BASE_SIZE = 300                      # counts below are for a team of this size and scale with it
DUP_VARIANTS_FIRST = ("paren_city", "short", "homophone", "phone_format")
DUP_VARIANTS_OTHER = ("fullwidth", "spaces", "code_lower", "same_id")
FORMULA_NAME = '=HYPERLINK("http://example.com","点击查看")'


class Planter:
    """Plants problems into ``team`` and remembers where.

    Call :meth:`before_ids` (plants that move dates), then give the team its IDs, then
    :meth:`after_ids`, and finally :meth:`resolve` for the ``planted`` list.
    """

    def __init__(self, team: Team, rng: np.random.Generator, today: pd.Timestamp, secret: bytes):
        self.team = team
        self.pick = Picker(rng)
        self.today = today
        self.secret = secret
        self.scale = len(team.customers) / BASE_SIZE
        self.taken: set[int] = set()
        self.notes: list[tuple[str, str, dict, str, str, dict]] = []
        self.group = 0

    # ------------------------------------------------------------------ helpers

    def count(self, base: float) -> int:
        return max(1, round(base * self.scale))

    def take(self, where=lambda c: True) -> dict | None:
        """A random customer no plant has used yet that satisfies ``where``."""
        free = [c for c in self.team.customers if id(c) not in self.taken and where(c)]
        if not free:
            return None
        cust = free[self.pick.int(0, len(free) - 1)]
        self.taken.add(id(cust))
        return cust

    def note(self, kind: str, table: str, rec: dict, column: str, detail: str, **extra) -> None:
        self.notes.append((kind, table, rec, column, detail, extra))

    def owned_by_staff(self, c: dict) -> bool:
        return c["Owner"] != words.POOL_OWNER

    def company(self, c: dict) -> bool:
        return not c["_person"] and self.owned_by_staff(c)

    def records_of(self, cust: dict) -> list[dict]:
        return [r for key in ("FollowUps", "Tags", "Opportunities")
                for r in self.team.records(key) if r.get("_customer") is cust]

    # ------------------------------------------------------------------ before IDs: timelines

    def before_ids(self) -> None:
        for _ in range(self.count(10)):
            cust = self.take()
            if cust is None:
                break
            days = self.pick.int(200, 420)
            self.age(cust, days)
            cust["Owner"] = words.POOL_OWNER
            self.note("dormant", "Customers", cust, "LastFollowUpTime",
                      f"最后跟进在 {days} 天前 / last follow-up {days} days ago")
        for _ in range(self.count(8)):
            cust = self.take(self.owned_by_staff)
            if cust is None:
                break
            days = self.pick.int(25, 35)
            self.age(cust, days)
            self.note("pool_due", "Customers", cust, "LastFollowUpTime",
                      f"最后跟进在 {days} 天前,{cust['Owner']} 名下 / last follow-up {days} days "
                      f"ago, held by {cust['Owner']}")

    def age(self, cust: dict, days: int) -> None:
        """Move the customer's whole history back so its last follow-up is ``days`` old."""
        shift = (days - (self.today - cust["LastFollowUpTime"]).days) * DAY
        for rec in [cust] + self.records_of(cust):
            for key in ("CreateTime", "FirstContactTime", "LastFollowUpTime", "NextFollowUpTime",
                        "DealDate", "LastRepurchaseDate", "FollowUpTime", "ExpectedCloseDate"):
                if rec.get(key) is not None and not pd.isna(rec[key]):
                    rec[key] = rec[key] - shift

    # ------------------------------------------------------------------ after IDs

    def after_ids(self) -> None:
        self.customer_ids = {c["CustomerID"] for c in self.team.customers}
        first = self.duplicates()
        self.not_duplicates(first)
        self.checksums()
        self.unmasked()
        self.blanks()
        self.not_in_list()
        self.single_customer_plants()
        self.orphans()

    def duplicates(self) -> dict:
        """Duplicate groups; the first is the 深圳市华腾科技有限公司 example. Returns its original."""
        groups = max(2, self.count(6))
        first = None
        for g in range(groups):
            base = None
            if g == 0:
                base = self.take(lambda c: self.company(c) and c["_city"] == "深圳")
            base = base or self.take(self.company)
            if base is None:
                break
            if g == 0:
                first = base
                rename(base, brand="华腾", word="科技", legal="有限公司")
                variants = list(DUP_VARIANTS_FIRST)
            else:
                variants = [DUP_VARIANTS_OTHER[(g - 1) % len(DUP_VARIANTS_OTHER)]]
                if g == groups - 1:    # a small team still gets every variant once
                    variants += list(DUP_VARIANTS_OTHER[g:])
                if self.pick.chance(0.5):
                    variants.append(self.pick.one(DUP_VARIANTS_FIRST))
            self.group += 1
            self.note("duplicate", "Customers", base, "CustomerName", "原始记录 / original record",
                      group=self.group, variant="original", check="duplicate")
            for variant in variants:
                self.duplicate(base, variant)
        return first

    def duplicate(self, base: dict, variant: str) -> None:
        dup = copy.copy(base)
        dup["Owner"] = self.pick.one(words.STAFF)
        dup["Remarks"] = None
        if variant == "same_id":
            dup["ContactPerson"] = self.pick.name()
        else:
            span = max((base["LastFollowUpTime"] - base["CreateTime"]).days, 1)
            dup["CreateTime"] = base["CreateTime"] + self.pick.int(1, span) * DAY
            dup["CustomerID"] = next_id("C", dup["CreateTime"], self.customer_ids)
        city, brand = base["_city"], base["_brand"]
        word, legal = base["_word"], base["_legal"]
        column, check = "CustomerName", "duplicate"
        if variant == "paren_city":
            dup["CustomerName"] = f"{brand}{word}（{city}）{legal}"
        elif variant == "short":
            dup["CustomerName"] = f"{city}{brand}{word}公司"
            dup["CreditCode"] = dup["CreditCodeFP"] = None
            self.note("missing_code", "Customers", dup, "CreditCode",
                      "企业客户未填信用代码 / company without a credit code", check="code_required")
        elif variant == "homophone":
            pos = self.pick.int(0, len(brand) - 1)
            typo = brand[:pos] + words.HOMOPHONES[brand[pos]] + brand[pos + 1:]
            dup["CustomerName"] = company_name(city, typo, word, legal)
        elif variant == "phone_format":
            raw = base["_phone"]
            dup["ContactPhone"] = (codes.format_phone_loosely(raw) if raw.startswith("1")
                                   else "(" + raw.replace("-", ") ", 1))
            dup["PhoneFP"] = None
            column = "ContactPhone"
            self.note("unmasked", "Customers", dup, "ContactPhone",
                      "未脱敏的电话 / raw phone number", check="unmasked")
        elif variant == "fullwidth":
            dup["CreditCode"] = codes.fullwidth(base["_code"])
            column = "CreditCode"
        elif variant == "spaces":
            dup["CustomerName"] = f" {city}市 {brand}{word}\u3000{legal} "
        elif variant == "code_lower":
            dup["CreditCode"] = base["_code"].lower()
            column = "CreditCode"
        elif variant == "same_id":
            column, check = "CustomerID", "unique"
        self.team.customers.append(dup)
        self.taken.add(id(dup))
        self.note("duplicate", "Customers", dup, column,
                  f"{variant}: 与 {base['CustomerID']} {base['CustomerName']} 是同一客户 / "
                  f"same customer as {base['CustomerID']}",
                  group=self.group, variant=variant, check=check)

    def not_duplicates(self, first: dict | None) -> None:
        """Look-alikes that are different customers, with their own valid codes."""
        for k in range(self.count(2)):
            for kind in ("other_city", "parent"):
                anchor = first if (k == 0 and first is not None) else self.take(self.company)
                if anchor is None:
                    return
                other = self.take(lambda c, a=anchor: self.company(c) and c["_city"] != a["_city"])
                if other is None:
                    return
                if kind == "other_city":
                    rename(other, brand=anchor["_brand"], word=anchor["_word"])
                    detail = "同品牌、不同城市、不同信用代码 / same brand, another city, another code"
                else:
                    other["CustomerName"] = f"{anchor['_brand']}集团有限公司"
                    detail = "集团与子公司,信用代码不同 / parent group vs company, different codes"
                self.group += 1
                for rec in (anchor, other):
                    self.note("not_duplicate", "Customers", rec, "CustomerName", detail,
                              group=self.group, variant=kind)

    def checksums(self) -> None:
        for _ in range(self.count(2)):
            cust = self.take(self.company)
            if cust is None:
                break
            bad = cust["_code"]
            while uscc.is_valid(bad):
                bad = codes.mistype(self.pick.rng, cust["_code"], codes.USCC_ALPHABET, range(8, 17))
            cust["CreditCode"] = bad
            cust["CreditCodeFP"] = fingerprint("idcard", bad, self.secret)
            self.note("checksum", "Customers", cust, "CreditCode",
                      "统一社会信用代码校验位不符(改了一位) / USCC check digit fails (one character "
                      "changed)", check="uscc")
        person = self.take(lambda c: c["_person"])
        if person is not None:
            bad = person["_code"]
            while _ric_valid(bad):
                bad = codes.mistype(self.pick.rng, person["_code"], "0123456789", range(14, 17))
            person["CreditCode"] = bad
            person["CreditCodeFP"] = None
            self.note("checksum", "Customers", person, "CreditCode",
                      "身份证号校验位不符(改了一位) / ID number check digit fails", check="idcard")
            self.note("unmasked", "Customers", person, "CreditCode",
                      "未脱敏的身份证号 / raw ID number", check="unmasked")
        cust = self.take(self.company)
        if cust is not None:
            cust["CreditCode"] = cust["CreditCodeFP"] = None
            self.note("missing_code", "Customers", cust, "CreditCode",
                      "企业客户未填信用代码 / company without a credit code", check="code_required")

    def unmasked(self) -> None:
        for i in range(self.count(3)):
            landline = i == 0
            cust = (self.take(lambda c, want=landline: c["_phone"].startswith("0") == want)
                    or self.take())
            if cust is None:
                break
            cust["ContactPhone"] = cust["_phone"]
            cust["PhoneFP"] = None
            self.note("unmasked", "Customers", cust, "ContactPhone",
                      "未脱敏的电话 / raw phone number", check="unmasked")
        for _ in range(self.count(2)):
            cust = self.take(lambda c: bool(c["_email"]))
            if cust is None:
                break
            cust["Email"] = cust["_email"]
            cust["EmailFP"] = None
            self.note("unmasked", "Customers", cust, "Email", "未脱敏的邮箱 / raw e-mail",
                      check="unmasked")
        cust = self.take(lambda c: c["_person"])
        if cust is not None:
            cust["CreditCode"] = cust["_code"]
            cust["CreditCodeFP"] = None
            self.note("unmasked", "Customers", cust, "CreditCode", "未脱敏的身份证号 / raw ID number",
                      check="unmasked")

    def blanks(self) -> None:
        for column in ("ContactPerson", "Industry", "ContactPhone"):
            cust = self.take()
            if cust is None:
                return
            cust[column] = None
            if column == "ContactPhone":
                cust["PhoneFP"] = None
            self.note("blank_required", "Customers", cust, column,
                      f"必填项 {column} 为空 / required {column} is blank", check="required")
        followup = self.free_followup()
        if followup is not None:
            followup["Staff"] = None
            self.note("blank_required", "FollowUps", followup, "Staff",
                      "必填项 跟进人 为空 / required Staff is blank", check="required")

    def free_followup(self) -> dict | None:
        """A follow-up of a customer no plant touched, itself untouched; its customer is taken."""
        cust = self.take()
        if cust is None:
            return None
        return next(r for r in self.team.followups if r.get("_customer") is cust)

    def not_in_list(self) -> None:
        cust = self.take(lambda c: c["Industry"] == "IT服务业") or self.take()
        if cust is not None:
            self.set_outside_list(cust, "Industry", "IT服务")
        cust = self.take(lambda c: c["Region"] == "华南") or self.take()
        if cust is not None:
            self.set_outside_list(cust, "Region", f"{cust['Region']}区")
        cust = self.take()
        if cust is not None:
            self.set_outside_list(cust, "Source", "朋友介绍")
        followup = self.free_followup()
        if followup is not None:
            followup["Method"] = "面谈"
            self.note("not_in_list", "FollowUps", followup, "Method",
                      "跟进方式 面谈 不在下拉列表中 / Method 面谈 is not a dropdown value", check="list")

    def set_outside_list(self, cust: dict, column: str, value: str) -> None:
        cust[column] = value
        self.note("not_in_list", "Customers", cust, column,
                  f"{column} {value} 不在下拉列表中 / {column} {value} is not a dropdown value",
                  check="list")

    def single_customer_plants(self) -> None:
        cust = self.take()
        if cust is not None:
            days = self.pick.int(10, 60)
            cust["CreateTime"] = self.today + days * DAY
            self.note("future_date", "Customers", cust, "CreateTime",
                      f"创建时间晚于今天 {days} 天 / CreateTime {days} days after today",
                      check="future_date")
        cust = self.take()
        if cust is not None:
            old = cust["CustomerID"]
            new = self.pick.one([old[:-3] + old[-2:], "c" + old[1:], f"{old[0]}-{old[1:9]}-{old[9:]}"])
            cust["CustomerID"] = new
            for rec in self.records_of(cust):   # the typist used the same ID on its follow-ups
                rec["CustomerID"] = new
            self.note("bad_id_format", "Customers", cust, "CustomerID",
                      f"客户ID {new} 格式不对(应为 C+11位数字) / CustomerID {new} is not C + 11 digits",
                      check="id_format")
        for _ in range(self.count(2)):
            cust = self.take()
            if cust is None:
                break
            cust["NextFollowUpTime"] = cust["LastFollowUpTime"] - self.pick.int(3, 20) * DAY
            self.note("next_before_last", "Customers", cust, "NextFollowUpTime",
                      "下次跟进时间早于最后跟进时间 / NextFollowUpTime before LastFollowUpTime",
                      check="date_order")
        for _ in range(self.count(2)):
            cust = self.take(self.company)
            if cust is None:
                break
            wrong = self.pick.one([r for r in REGIONS if r != cust["Region"]])
            province = province_name(cust["_division"])
            self.note("region_mismatch", "Customers", cust, "Region",
                      f"区域 {wrong} 与信用代码所在省份 {province}({cust['Region']})不符 / Region "
                      f"{wrong}, but the code was issued in {province} ({cust['Region']})",
                      check="region")
            cust["Region"] = wrong
        cust = self.take(self.company)
        if cust is not None:
            cust["CustomerName"] = FORMULA_NAME
            self.note("formula_text", "Customers", cust, "CustomerName",
                      "客户名称以 = 开头,Excel 会当作公式 / the name starts with = and Excel would "
                      "run it as a formula")

    def orphans(self) -> None:
        """Rows for a customer that is not in Customers (deleted, or its ID mistyped)."""
        schema = load_schema()
        for key in ("FollowUps", "Tags", "Opportunities"):
            records = self.team.records(key)
            if not records:
                continue
            id_column, prefix = schema.table(key).id_column, schema.table(key).id_prefix
            used = {r[id_column] for r in records}
            date_column = "FollowUpTime" if key == "FollowUps" else "CreateTime"
            for _ in range(self.count(1)):
                source = records[self.pick.int(0, len(records) - 1)]
                ghost = next_id("C", source[date_column] - self.pick.int(0, 30) * DAY,
                                self.customer_ids)
                orphan = {k: v for k, v in source.items() if not k.startswith("_")}
                orphan["CustomerID"] = ghost
                orphan[id_column] = next_id(prefix, source[date_column], used)
                records.append(orphan)
                self.note("orphan_reference", key, orphan, "CustomerID",
                          f"客户ID {ghost} 在客户表中不存在 / CustomerID {ghost} is not in Customers",
                          check="reference")

    # ------------------------------------------------------------------ the record

    def resolve(self) -> list[dict]:
        """The planted list, with each record's final ID and Excel row."""
        schema = load_schema()
        rows = {key: {id(r): i + 2 for i, r in enumerate(self.team.records(key))}
                for key in ("Customers", "FollowUps", "Tags", "Opportunities")}
        out = []
        for kind, table, rec, column, detail, extra in self.notes:
            id_column = schema.table(table).id_column
            out.append({"kind": kind, "table": table, "id": rec[id_column],
                        "row": rows[table][id(rec)], "column": column, "detail": detail, **extra})
        return out


def rename(cust: dict, brand: str | None = None, word: str | None = None,
           legal: str | None = None) -> None:
    """Give a company another registered name in its own city (its code stays)."""
    cust["_brand"] = brand or cust["_brand"]
    cust["_word"] = word or cust["_word"]
    cust["_legal"] = legal or cust["_legal"]
    cust["CustomerName"] = company_name(cust["_city"], cust["_brand"], cust["_word"], cust["_legal"])


def _ric_valid(code: str) -> bool:
    try:
        return ric.is_valid(code)
    except KeyError:  # stdnum raises for a known province with an unknown county
        return False

