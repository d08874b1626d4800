"""A clean synthetic sales team: customers, their follow-ups, tags and opportunities.

Records are plain dicts keyed by schema column keys; keys starting with ``_`` carry what the
generator knows and the book does not show (raw phone, raw ID number, city, brand). IDs are given
last, from the dates (``C`` + yyyymmdd of CreateTime + a 3-digit sequence), so anything that moves a
customer's timeline (the planted dormant customers) happens before :func:`assign_ids`.

Everything a validation or sync run looks at is consistent in a clean team: valid codes with real
division codes, Region from the code's province, masked phones / e-mails / 身份证号 with their
fingerprints, LastFollowUpTime and NextFollowUpTime equal to the latest follow-up, levels and auto
tags that follow the default rules, no customer idle long enough to be dormant or due for the pool
unless it already sits in the pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pypinyin import lazy_pinyin

from ..core.privacy import fingerprint, mask_value
from ..core.regions import region_for_code
from ..schema import load_schema
from . import codes, words

DAY = pd.Timedelta(days=1)
POOL_SHARE = 0.08          # customers already back in the public pool
PERSON_SHARE = 0.15        # 个人 customers
EMAIL_SHARE = 0.7
LANDLINE_SHARE = 0.15
LATEST_BIRTH_YEAR = 2002
RECENT_DAYS = 20           # held customers were followed up within this many days
STAGE_WEIGHTS = {"初步接洽": 15, "需求分析": 15, "方案报价": 15, "谈判": 10, "成交": 30, "输单": 15}
OPEN_STAGES = ("初步接洽", "需求分析", "方案报价", "谈判")


@dataclass
class Team:
    customers: list[dict] = field(default_factory=list)
    followups: list[dict] = field(default_factory=list)
    tags: list[dict] = field(default_factory=list)
    opportunities: list[dict] = field(default_factory=list)

    def records(self, table: str) -> list[dict]:
        return {"Customers": self.customers, "FollowUps": self.followups, "Tags": self.tags,
                "Opportunities": self.opportunities}[table]


class Picker:
    """Seeded choices with the small helpers the generators need."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def one(self, items, weights=None):
        items = list(items)
        p = None
        if weights is not None:
            w = np.asarray(weights, dtype=float)
            p = w / w.sum()
        return items[int(self.rng.choice(len(items), p=p))]

    def weighted(self, table: dict):
        return self.one(table.keys(), list(table.values()))

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def int(self, low: int, high: int) -> int:
        """An integer in [low, high] (both included)."""
        return int(self.rng.integers(low, high + 1))

    def name(self) -> str:
        given = "".join(self.one(words.GIVEN_CHARS) for _ in range(self.int(1, 2)))
        return self.one(words.SURNAMES) + given


def staff_list() -> list[str]:
    """The team's salespeople and the public-pool owner: the Staff dropdown."""
    return list(words.STAFF) + [words.POOL_OWNER]


def brand_pool(pick: Picker, reserved=("华腾",)) -> list[str]:
    """Every two-character brand, shuffled; three-character ones after them for big teams."""
    chars = words.BRAND_CHARS
    two = [a + b for a in chars for b in chars if a != b and a + b not in reserved]
    order = pick.rng.permutation(len(two))
    three = (a + b + c for a in chars for b in chars for c in chars if len({a, b, c}) == 3)
    return [two[i] for i in order] + list(three)


def build_team(rng: np.random.Generator, n_customers: int, today: pd.Timestamp,
               secret: bytes) -> Team:
    """The clean team, with dates but without IDs (see :func:`assign_ids`)."""
    pick = Picker(rng)
    settings = load_schema().setting_defaults()
    brands = iter(brand_pool(pick))
    used_phones: set[str] = set()
    used_names: set[str] = set()
    team = Team()
    city_weights = [c[3] for c in words.CITIES]
    for _ in range(n_customers):
        city, prefix, area, _w = pick.one(words.CITIES, city_weights)
        person = pick.chance(PERSON_SHARE)
        cust = _identity(pick, person, city, prefix, area, brands, used_names)
        cust.update(_contact(pick, cust, area, used_phones))
        owner = words.POOL_OWNER if pick.chance(POOL_SHARE) else pick.one(words.STAFF)
        cust["Owner"] = owner
        # The salesperson who worked the customer (for a pool customer: before it went back).
        cust["_staff"] = owner if owner != words.POOL_OWNER else pick.one(words.STAFF)
        last_days = (pick.int(0, RECENT_DAYS) if owner != words.POOL_OWNER
                     else pick.int(36, 170))
        created = today - (last_days + pick.int(20, 700)) * DAY
        cust["CreateTime"] = created
        cust["Source"] = pick.one(words_list("Source"), [4, 4, 3, 3, 2, 3, 1])
        cust["NeedType"] = pick.one(words_list("NeedType"), [5, 3, 2])
        cust["Remarks"] = pick.one(words.REMARKS) or None
        followups = _followups(pick, cust, today - last_days * DAY, today)
        opportunities = _opportunities(pick, cust, today)
        cust.update(_deal_fields(pick, cust, opportunities, settings))
        cust["FirstContactTime"] = followups[0]["FollowUpTime"].normalize()
        cust["LastFollowUpTime"] = followups[-1]["FollowUpTime"].normalize()
        cust["NextFollowUpTime"] = followups[-1]["NextFollowUpTime"]
        mask_customer(cust, secret)
        team.customers.append(cust)
        team.followups.extend(followups)
        team.opportunities.extend(opportunities)
        team.tags.extend(_tags(pick, cust, settings, today))
    return team


def words_list(key: str) -> list[str]:
    return load_schema().list_values(key)


def _identity(pick: Picker, person: bool, city: str, prefix: str, area: str, brands,
              used_names: set[str]) -> dict:
    choices = codes.counties(prefix)
    if person:  # a county old enough for an adult born there
        choices = [c for c in choices if c[1] <= LATEST_BIRTH_YEAR] or choices
    county, since = choices[pick.int(0, len(choices) - 1)]
    base = {"_city": city, "_area": area, "_person": person, "_division": county}
    if person:
        name = pick.name()
        while name in used_names:
            name = pick.name()
        used_names.add(name)
        birth_year = pick.int(min(max(1960, since), LATEST_BIRTH_YEAR), LATEST_BIRTH_YEAR)
        raw = codes.make_ric(pick.rng, county, birth_year)
        return {**base, "CustomerName": name, "CustomerType": "个人", "ContactPerson": name,
                "_code": raw, "Industry": pick.one(["其他", "零售业", "教育"], [6, 2, 1]),
                "Region": region_for_code(raw, person=True)}
    industry = pick.weighted(words.INDUSTRY_WEIGHTS)
    word = pick.one(words.INDUSTRY_WORDS[industry])
    legal = pick.one([f for f, _ in words.LEGAL_FORMS], [w for _, w in words.LEGAL_FORMS])
    brand = next(brands)
    raw = codes.make_uscc(pick.rng, county)
    contact = pick.one(words.SURNAMES) + pick.one(words.TITLES) if pick.chance(0.6) else pick.name()
    return {**base, "CustomerName": company_name(city, brand, word, legal), "CustomerType": "企业",
            "ContactPerson": contact, "Industry": industry, "_brand": brand, "_word": word,
            "_legal": legal, "_code": raw, "Region": region_for_code(raw, person=False)}


def company_name(city: str, brand: str, word: str, legal: str) -> str:
    """The registered form: 深圳市 + 华腾 + 科技 + 有限公司."""
    return f"{city}市{brand}{word}{legal}"


def _contact(pick: Picker, cust: dict, area: str, used_phones: set[str]) -> dict:
    while True:
        if not cust["_person"] and pick.chance(LANDLINE_SHARE):
            phone = codes.make_landline(pick.rng, area)
        else:
            phone = codes.make_mobile(pick.rng)
        if phone not in used_phones:
            used_phones.add(phone)
            break
    email = None
    if pick.chance(EMAIL_SHARE):
        if cust["_person"]:
            local = "".join(lazy_pinyin(cust["CustomerName"])) + str(pick.int(1, 999))
            email = f"{local}@{pick.one(words.MAIL_DOMAINS)}"
        else:
            local = "".join(lazy_pinyin(cust["ContactPerson"][:1])) + pick.one(["", ".sales", "01"])
            email = f"{local}@{''.join(lazy_pinyin(cust['_brand']))}{pick.int(1, 99)}.com.cn"
    return {"_phone": phone, "_email": email}


def mask_customer(cust: dict, secret: bytes) -> None:
    """Show masked phone, e-mail and 身份证号 with their fingerprints, as ``xltools mask`` leaves them.

    A company's credit code is public and stays readable; its fingerprint is kept all the same, so
    dedupe can compare codes the same way for both kinds of customer.
    """
    cust["ContactPhone"] = mask_value("phone", cust["_phone"])
    cust["PhoneFP"] = fingerprint("phone", cust["_phone"], secret)
    cust["Email"] = mask_value("email", cust["_email"]) if cust["_email"] else None
    cust["EmailFP"] = fingerprint("email", cust["_email"], secret) if cust["_email"] else None
    code = cust["_code"]
    cust["CreditCode"] = mask_value("idcard", code) if cust["_person"] else code
    cust["CreditCodeFP"] = fingerprint("idcard", code, secret)


def _followups(pick: Picker, cust: dict, last: pd.Timestamp, today: pd.Timestamp) -> list[dict]:
    """3-6 contacts from shortly after CreateTime up to ``last`` (a date), in time order."""
    first = min(cust["CreateTime"] + pick.int(0, 5) * DAY, last)
    count = pick.int(3, 6)
    span = max((last - first).days, 0)
    offsets = sorted(pick.rng.integers(0, span + 1, count - 2).tolist()) if count > 2 else []
    days = [first] + [first + int(o) * DAY for o in offsets] + [last]
    records = []
    for day in days:
        method = pick.weighted(words.METHOD_WEIGHTS)
        content, step = pick.one(words.FOLLOWUP_NOTES[method])
        when = day + pd.Timedelta(hours=pick.int(9, 17), minutes=5 * pick.int(0, 11))
        staff = cust["_staff"] if pick.chance(0.85) else pick.one(words.STAFF)
        records.append({"_customer": cust, "FollowUpTime": when, "Method": method,
                        "Content": content.format(product=pick.one(words.PRODUCTS)),
                        "Staff": staff, "Feedback": pick.one(words_list("Feedback"), [3, 4, 3, 2, 1]),
                        "NextStep": step, "NextFollowUpTime": day + pick.int(3, 30) * DAY})
    records.sort(key=lambda r: r["FollowUpTime"])
    return records


def _opportunities(pick: Picker, cust: dict, today: pd.Timestamp) -> list[dict]:
    # South China IT service firms are the demo team's home market: more deals, more often won
    # (so the seed's example query, 华南 + 高价值 + IT服务业, finds someone).
    home = cust.get("Industry") == "IT服务业" and cust.get("Region") == "华南"
    count = pick.one([1, 2], [60, 40]) if home else pick.one([0, 1, 2], [35, 50, 15])
    out = []
    for n in range(count):
        stage = "成交" if home and n == 0 and pick.chance(0.7) else pick.weighted(STAGE_WEIGHTS)
        span = max((today - cust["CreateTime"]).days - 10, 1)
        created = cust["CreateTime"] + pick.int(0, span) * DAY
        if stage in OPEN_STAGES:
            close = today + pick.int(7, 120) * DAY
        else:
            close = min(created + pick.int(10, 90) * DAY, today - DAY)
        out.append({"_customer": cust, "Product": pick.one(words.PRODUCTS), "Stage": stage,
                    "ExpectedAmount": float(round(pick.rng.lognormal(np.log(60000), 0.9), -2)),
                    "ExpectedCloseDate": close, "Owner": cust["_staff"], "CreateTime": created})
    return out


def _deal_fields(pick: Picker, cust: dict, opps: list[dict], settings: dict) -> dict:
    """DealStatus, amounts, phase, level and priority, following the customer's opportunities."""
    won = sorted((o for o in opps if o["Stage"] == "成交"), key=lambda o: o["ExpectedCloseDate"])
    stages = {o["Stage"] for o in opps}
    if won:
        status, phase = "成交-已签单", "成交客户"
    elif stages & {"需求分析", "方案报价", "谈判"}:
        status, phase = "意向-报价中", "意向客户"
    elif stages == {"输单"}:
        status, phase = "流失", "流失客户"
    else:
        status, phase = "潜在-已接触", "潜在客户"
    # IT service contracts run larger than a typical deal: the seed's example query (华南 高价值
    # IT服务业 customers) should find someone in a demo team.
    median = 160000 if cust.get("Industry") == "IT服务业" else 45000
    spend = float(round(pick.rng.lognormal(np.log(median), 1.0), -2)) if won else 0.0
    level = customer_level(spend, settings)
    if level == "VIP" or "谈判" in stages:
        priority = "高-重点跟进"
    elif phase == "流失客户":
        priority = "低-暂缓跟进"
    else:
        priority = "中-常规跟进"
    return {"DealStatus": status, "CooperationPhase": phase, "AnnualSpend": spend,
            "DealAmount": float(sum(o["ExpectedAmount"] for o in won)),
            "DealDate": won[0]["ExpectedCloseDate"] if won else None,
            "LastRepurchaseDate": won[-1]["ExpectedCloseDate"] if len(won) > 1 else None,
            "CustomerLevel": level, "Priority": priority}


def customer_level(spend: float, settings: dict) -> str:
    """The level the Settings thresholds give an annual spend (VIP / 重要 / 普通 / 潜在)."""
    if spend >= float(settings["LevelVIP"]):
        return "VIP"
    if spend >= float(settings["LevelImportant"]):
        return "重要"
    if spend >= float(settings["LevelNormal"]):
        return "普通"
    return "潜在"


def _tags(pick: Picker, cust: dict, settings: dict, today: pd.Timestamp) -> list[dict]:
    """The auto tags the default rules give (R01 高价值, R03 IT服务) and some tags set by hand."""
    out = []
    since = max((today - cust["CreateTime"]).days, 0)

    def day():
        return today - pick.int(0, since) * DAY

    threshold = float(settings["HighValueSpend"])
    if cust["AnnualSpend"] >= threshold:
        out.append({"TagType": "价值", "TagName": "高价值", "Source": "auto",
                    "Reason": f"R01: AnnualSpend {cust['AnnualSpend']:g} >= {threshold:g}"})
    if cust["Industry"] == "IT服务业":
        out.append({"TagType": "行业", "TagName": "IT服务", "Source": "auto",
                    "Reason": "R03: Industry IT服务业 = IT服务业"})
    if pick.chance(0.3):
        tag_type, tag_name = pick.one(words.MANUAL_TAGS)
        out.append({"TagType": tag_type, "TagName": tag_name, "Source": "manual", "Reason": None})
    for tag in out:
        tag["_customer"] = cust
        tag["CreateTime"] = day()
    return out


def assign_ids(team: Team, schema=None) -> None:
    """Sort each table by date and number it: prefix + yyyymmdd + a 3-digit daily sequence."""
    schema = schema or load_schema()
    date_column = {"Customers": "CreateTime", "FollowUps": "FollowUpTime", "Tags": "CreateTime",
                   "Opportunities": "CreateTime"}
    for key, column in date_column.items():
        table = schema.table(key)
        records = team.records(key)
        records.sort(key=lambda r, c=column: r[c])
        used: set[str] = set()
        for rec in records:
            rec[table.id_column] = next_id(table.id_prefix, rec[column], used)
    for key in ("FollowUps", "Tags", "Opportunities"):
        for rec in team.records(key):
            rec["CustomerID"] = rec["_customer"]["CustomerID"]


def next_id(prefix: str, day: pd.Timestamp, used: set[str]) -> str:
    """The first free ``prefix + yyyymmdd + NNN`` for ``day``; the ID is added to ``used``."""
    stem = f"{prefix}{day:%Y%m%d}"
    seq = 1
    while f"{stem}{seq:03d}" in used:
        seq += 1
    new = f"{stem}{seq:03d}"
    used.add(new)
    return new
