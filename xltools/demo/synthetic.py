"""A large synthetic team, generated column by column with numpy, for benchmarks.

``synthetic_frames(100_000)`` gives 100,000 customers and 500,000 follow-ups in a few seconds.
The values have the demo team's shapes (valid 统一社会信用代码 and 身份证号 with real division codes,
masked phones with fingerprints, IDs ``C`` + yyyymmdd + sequence) but less care per row: the point is
size. About 1% of the customers are duplicates of others (same code or phone, the name typed a
little differently) and about 5% have a raw phone; both are listed in ``planted``.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac

import numpy as np
import pandas as pd

from ..core.privacy import FINGERPRINT_HEX
from ..core.regions import PROVINCE_REGION
from ..schema import DATA_TABLES, load_schema
from . import codes, words
from .data import DEMO_SECRET, DemoData, demo_fingerprint_key
from .team import LATEST_BIRTH_YEAR, OPEN_STAGES, staff_list

DUPLICATE_SHARE = 0.01
RAW_PHONE_SHARE = 0.05
PERSON_SHARE = 0.15
EMAIL_SHARE = 0.6
OPPORTUNITIES_PER_CUSTOMER = 0.4
MANUAL_TAG_SHARE = 0.2
PHASE_OF_STATUS = {"潜在-未接触": "潜在客户", "潜在-已接触": "潜在客户", "意向-报价中": "意向客户",
                   "流失": "流失客户", "成交-已签单": "成交客户"}
USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)])
RIC_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)])
MAIL_NAMES = np.array(["wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou",
                       "xu", "sun", "ma", "zhu", "hu", "guo", "he", "gao", "lin", "luo"], dtype=object)


def synthetic_frames(n_customers: int, followups_per_customer: int = 5, seed: int = 0,
                     today: datetime.date | None = None):
    """``n_customers`` customers with ``followups_per_customer`` follow-ups each, plus tags and
    opportunities, as a :class:`xltools.demo.DemoData` (``planted``: duplicates, raw phones)."""
    rng = np.random.default_rng(seed)
    today_ts = pd.Timestamp(today or datetime.date.today()).normalize()
    customers, planted = _customers(rng, n_customers, today_ts, demo_fingerprint_key())
    followups = _followups(rng, customers, followups_per_customer, today_ts)
    _sync_customers(customers, followups)
    tags = _tags(rng, customers, today_ts)
    opportunities = _opportunities(rng, customers, today_ts)
    schema = load_schema()
    frames = {}
    for key, df in zip(DATA_TABLES, (customers, followups, tags, opportunities)):
        columns = schema.table(key).keys
        df = df.reindex(columns=columns).reset_index(drop=True)
        for col in schema.table(key).columns:   # columns this generator leaves blank
            if df[col.key].isna().all():
                df[col.key] = (pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
                               if col.is_date else pd.Series(None, index=df.index, dtype=object))
        frames[key] = df
    return DemoData(frames=frames, lists={"Staff": staff_list()}, planted=planted,
                    secret=DEMO_SECRET)


# ---------------------------------------------------------------------------- customers

def _customers(rng, n: int, today: pd.Timestamp, secret: bytes) -> tuple[pd.DataFrame, list]:
    city_w = np.array([c[3] for c in words.CITIES], dtype=float)
    city = rng.choice(len(words.CITIES), n, p=city_w / city_w.sum())
    person = rng.random(n) < PERSON_SHARE
    division, since = _divisions(rng, city, person)

    code = np.where(person, _rics(rng, division, since), _usccs(rng, division))
    city_names = np.array([c[0] for c in words.CITIES], dtype=object)[city]
    name = np.where(person, _people(rng, n), _companies(rng, city_names))
    phone = _mobiles(rng, n)

    # Span wide enough that no day gets more than ~500 new customers (3-digit sequence).
    span = max(1800, -(-n // 500))
    created = (today - pd.to_timedelta(rng.integers(30, span, n), unit="D")).to_numpy()
    order = np.argsort(created, kind="stable")
    created, person, code, name, phone, division = (a[order] for a in (
        created, person, code, name, phone, division))

    industries = load_schema().list_values("Industry")
    spend = np.where(rng.random(n) < 0.45, 0.0, np.round(rng.lognormal(np.log(40000), 1.0, n), -2))
    has_email = rng.random(n) < EMAIL_SHARE
    email = (MAIL_NAMES[rng.integers(0, len(MAIL_NAMES), n)]
             + pd.Series(rng.integers(1, 10**6, n)).astype(str).to_numpy(dtype=object)
             + "@" + np.array(words.MAIL_DOMAINS, dtype=object)[rng.integers(0, 5, n)])
    staff = np.array(staff_list(), dtype=object)
    df = pd.DataFrame({
        "CustomerID": _daily_ids("C", created),
        "CustomerName": name,
        "CustomerType": np.where(person, "个人", "企业").astype(object),
        "_code": code, "_phone": phone, "_email": np.where(has_email, email, None),
        "ContactPerson": _people(rng, n),
        "Industry": np.array(industries, dtype=object)[rng.integers(0, len(industries), n)],
        "Region": pd.Series(division).str[:2].map(PROVINCE_REGION).to_numpy(dtype=object),
        "Source": _pick(rng, "Source", n), "NeedType": _pick(rng, "NeedType", n),
        "Owner": staff[np.minimum(rng.integers(0, len(staff) + 1, n), len(staff) - 1)],
        "CreateTime": created,
        "AnnualSpend": spend,
        "DealAmount": np.round(spend * rng.uniform(1.0, 3.0, n), -2),
        "Priority": _pick(rng, "Priority", n),
    })
    won = spend > 0
    open_status = np.array(["潜在-未接触", "潜在-已接触", "意向-报价中", "流失"], dtype=object)
    df["DealStatus"] = np.where(won, "成交-已签单", open_status[rng.integers(0, 4, n)]).astype(object)
    df["ContactPerson"] = np.where(person, name, df["ContactPerson"]).astype(object)
    df["CooperationPhase"] = df["DealStatus"].map(PHASE_OF_STATUS)
    df["DealDate"] = np.where(won, created + np.timedelta64(20, "D"), np.datetime64("NaT"))
    settings = load_schema().setting_defaults()
    df["CustomerLevel"] = np.select(
        [spend >= float(settings["LevelVIP"]), spend >= float(settings["LevelImportant"]),
         spend >= float(settings["LevelNormal"])], ["VIP", "重要", "普通"], "潜在").astype(object)

    planted = _plant_duplicates(rng, df)
    raw = rng.random(n) < RAW_PHONE_SHARE
    _mask(df, raw, secret)
    planted += [{"kind": "unmasked", "table": "Customers", "id": cid, "row": int(i) + 2,
                 "column": "ContactPhone", "detail": "未脱敏的电话 / raw phone number",
                 "check": "unmasked"}
                for i, cid in zip(np.flatnonzero(raw), df["CustomerID"].to_numpy()[raw])]
    return df, planted


def _divisions(rng, city: np.ndarray, person: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A current county code for each row's city and the year it began; for a person, a county
    that existed by the latest birth year."""
    division, since = _divisions_from(rng, city, lambda year: True)
    old_division, old_since = _divisions_from(rng, city, lambda year: year <= LATEST_BIRTH_YEAR)
    return np.where(person, old_division, division), np.where(person, old_since, since)


def _divisions_from(rng, city: np.ndarray, keep) -> tuple[np.ndarray, np.ndarray]:
    tables = [[c for c in codes.counties(city_[1]) if keep(c[1])] or codes.counties(city_[1])
              for city_ in words.CITIES]
    sizes = np.array([len(t) for t in tables])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    flat = np.array([code for t in tables for code, _ in t])
    flat_since = np.array([year for t in tables for _, year in t])
    pick = starts[city] + (rng.random(len(city)) * sizes[city]).astype(int)
    return flat[pick], flat_since[pick]


def _as_strings(chars: np.ndarray) -> np.ndarray:
    """Rows of a (n, k) array of code points as n strings of length k."""
    k = chars.shape[1]
    return np.ascontiguousarray(chars, dtype=np.uint32).view(f"<U{k}").ravel().astype(object)


def _digit_matrix(values: np.ndarray) -> np.ndarray:
    """Strings of digits (same length) as an (n, k) array of code points."""
    k = len(values[0])
    return np.asarray(values.astype(f"<U{k}")).view(np.uint32).reshape(len(values), k)


def _usccs(rng, division: np.ndarray) -> np.ndarray:
    """Valid 统一社会信用代码: 91 + division + MA + 6 characters + 组织机构代码 check + USCC check."""
    n = len(division)
    alphabet = np.array([ord(c) for c in codes.USCC_ALPHABET], dtype=np.uint32)
    body = np.empty((n, 17), dtype=np.uint32)
    body[:, 0], body[:, 1] = ord("9"), ord("1")
    body[:, 2:8] = _digit_matrix(division)
    body[:, 8], body[:, 9] = ord("M"), ord("A")
    body[:, 10:16] = alphabet[rng.integers(0, len(alphabet), (n, 6))]
    org_values = _base36(body[:, 8:16])
    org_check = 11 - (org_values * np.array(codes.ORG_WEIGHTS)).sum(axis=1) % 11
    body[:, 16] = np.select([org_check == 10, org_check == 11], [ord("X"), ord("0")],
                            ord("0") + org_check % 10)
    lookup = np.full(128, -1)
    lookup[alphabet] = np.arange(len(alphabet))
    values = lookup[body]
    check = (31 - (values * USCC_WEIGHTS).sum(axis=1) % 31) % 31
    return _as_strings(np.column_stack([body, alphabet[check]]))


def _base36(chars: np.ndarray) -> np.ndarray:
    digits = chars - ord("0")
    return np.where(chars >= ord("A"), chars - ord("A") + 10, digits).astype(np.int64)


def _rics(rng, division: np.ndarray, since: np.ndarray) -> np.ndarray:
    """Valid 身份证号 of people born after their county existed (and 1960-2002)."""
    n = len(division)
    year = np.clip(rng.integers(1960, LATEST_BIRTH_YEAR + 1, n), since, LATEST_BIRTH_YEAR)
    body = (pd.Series(division) + pd.Series(year).astype(str)
            + pd.Series(rng.integers(1, 13, n)).astype(str).str.zfill(2)
            + pd.Series(rng.integers(1, 29, n)).astype(str).str.zfill(2)
            + pd.Series(rng.integers(1, 1000, n)).astype(str).str.zfill(3)).to_numpy(dtype=str)
    digits = _digit_matrix(body).astype(np.int64) - ord("0")
    check = np.array([ord(c) for c in "10X98765432"], dtype=np.uint32)[
        (digits * RIC_WEIGHTS).sum(axis=1) % 11]
    return _as_strings(np.column_stack([_digit_matrix(body), check]))


def _people(rng, n: int) -> np.ndarray:
    surnames = np.array(list(words.SURNAMES), dtype=object)
    given = np.array(list(words.GIVEN_CHARS), dtype=object)
    second = np.where(rng.random(n) < 0.6, given[rng.integers(0, len(given), n)], "")
    return surnames[rng.integers(0, len(surnames), n)] + given[rng.integers(0, len(given), n)] + second


def _companies(rng, city: np.ndarray) -> np.ndarray:
    n = len(city)
    chars = np.array(list(words.BRAND_CHARS), dtype=object)
    all_words = np.array([w for ws in words.INDUSTRY_WORDS.values() for w in ws], dtype=object)
    legal = np.array([f for f, _ in words.LEGAL_FORMS], dtype=object)
    return (city + "市" + chars[rng.integers(0, len(chars), n)] + chars[rng.integers(0, len(chars), n)]
            + all_words[rng.integers(0, len(all_words), n)] + legal[rng.integers(0, len(legal), n)])


def _mobiles(rng, n: int) -> np.ndarray:
    prefixes = np.array([int(p) for p in codes.MOBILE_PREFIXES], dtype=np.int64)
    numbers = prefixes[rng.integers(0, len(prefixes), n)] * 10**8 + rng.integers(0, 10**8, n)
    return numbers.astype(str).astype(object)


def _pick(rng, list_key: str, n: int) -> np.ndarray:
    values = np.array(load_schema().list_values(list_key), dtype=object)
    return values[rng.integers(0, len(values), n)]


def _daily_ids(prefix: str, dates: np.ndarray, width: int = 3) -> np.ndarray:
    """``prefix + yyyymmdd + sequence`` numbered within each day, in the order rows appear."""
    days = pd.DatetimeIndex(dates).normalize().to_numpy()
    if len(days) == 0:
        return np.array([], dtype=object)
    unique_days, day_of = np.unique(days, return_inverse=True)
    seq = pd.Series(day_of).groupby(day_of).cumcount().to_numpy() + 1
    width = max(width, len(str(seq.max())))
    # Format each distinct day and number once: strftime over 500,000 rows takes seconds.
    stems = pd.DatetimeIndex(unique_days).strftime(prefix + "%Y%m%d").to_numpy(dtype=object)
    numbers = np.array([f"{i:0{width}d}" for i in range(seq.max() + 1)], dtype=object)
    return stems[day_of] + numbers[seq]


def _plant_duplicates(rng, df: pd.DataFrame) -> list[dict]:
    """Copy the identity of earlier customers onto ~1% of later rows, typed a little differently."""
    n = len(df)
    k = int(n * DUPLICATE_SHARE)
    if k == 0 or n < 4:
        return []
    dups = np.sort(rng.choice(np.arange(n // 2, n), k, replace=False))
    origs = rng.choice(np.arange(0, n // 2), k, replace=False)
    # 0: code in lower case, own phone; 1: same phone, spaces in the name; 2: same code and phone
    style = rng.integers(0, 3, k)
    names = df["CustomerName"].to_numpy().copy()
    codes_ = df["_code"].to_numpy().copy()
    phones = df["_phone"].to_numpy().copy()
    for column in ("CustomerType", "Region"):
        df.loc[dups, column] = df[column].to_numpy()[origs]
    names[dups] = names[origs]
    spaced = dups[style == 1]
    names[spaced] = pd.Series(names[spaced]).str.replace("市", "市 ", n=1).to_numpy(dtype=object)
    codes_[dups] = codes_[origs]
    codes_[dups[style == 0]] = pd.Series(codes_[dups[style == 0]]).str.lower().to_numpy(dtype=object)
    phones[dups] = np.where(style == 0, phones[dups], phones[origs])
    df["CustomerName"], df["_code"], df["_phone"] = names, codes_, phones
    ids = df["CustomerID"].to_numpy()
    variants = np.array(["code_lower", "spaces", "same_code_and_phone"])[style]
    out = []
    for group, (o, d, v) in enumerate(zip(origs, dups, variants), start=1):
        out.append({"kind": "duplicate", "table": "Customers", "id": ids[o], "row": int(o) + 2,
                    "column": "CustomerName", "detail": "原始记录 / original record",
                    "group": group, "variant": "original", "check": "duplicate"})
        out.append({"kind": "duplicate", "table": "Customers", "id": ids[d], "row": int(d) + 2,
                    "column": "CustomerName", "detail": f"{v}: same customer as {ids[o]}",
                    "group": group, "variant": str(v), "check": "duplicate"})
    return out


def _mask(df: pd.DataFrame, raw: np.ndarray, secret: bytes) -> None:
    """Masked phones, e-mails and 身份证号 with fingerprints; ``raw`` rows keep the typed phone."""
    phone = df.pop("_phone")
    code = df.pop("_code")
    email = df.pop("_email")
    masked_phone = phone.str[:3] + "****" + phone.str[-4:]
    df["ContactPhone"] = np.where(raw, phone, masked_phone).astype(object)
    df["PhoneFP"] = np.where(raw, None, _fingerprints("phone", phone, secret))
    is_person = (df["CustomerType"] == "个人").to_numpy()
    masked_id = code.str[:6] + "********" + code.str[-4:]
    df["CreditCode"] = np.where(is_person, masked_id, code).astype(object)
    df["CreditCodeFP"] = _fingerprints("idcard", code.str.upper(), secret)
    has = email.notna().to_numpy()
    df["Email"] = np.where(has, email.str[:1] + "***@" + email.str.split("@").str[1], None)
    df["EmailFP"] = np.where(has, _fingerprints("email", email.fillna(""), secret), None)


def _fingerprints(kind: str, normal: pd.Series, secret: bytes) -> np.ndarray:
    """``xltools.core.privacy.fingerprint`` for values that are already normalised."""
    keyed = hmac.new(secret, digestmod=hashlib.sha256)   # copying skips re-keying every value

    def one(value: str) -> str:
        h = keyed.copy()
        h.update(f"{kind}:{value}".encode())
        return h.hexdigest()[:FINGERPRINT_HEX]

    return np.array([one(v) for v in normal], dtype=object)


# ---------------------------------------------------------------------------- other tables

def _followups(rng, customers: pd.DataFrame, per: int, today: pd.Timestamp) -> pd.DataFrame:
    n = len(customers)
    cust = np.repeat(np.arange(n), per)
    created = customers["CreateTime"].to_numpy()[cust]
    age = (today.to_datetime64() - created) // np.timedelta64(1, "D")
    day = created + (rng.random(len(cust)) * (age + 1)).astype("timedelta64[D]")
    when = day + (rng.integers(9 * 60, 18 * 60, len(cust)) * 60).astype("timedelta64[s]")
    order = np.argsort(when, kind="stable")
    cust, when, day = cust[order], when[order], day[order]
    methods = list(words.FOLLOWUP_NOTES)
    method = rng.integers(0, len(methods), len(cust))
    notes = [words.FOLLOWUP_NOTES[m][0] for m in methods]
    content = np.array([c.format(product=words.PRODUCTS[0]) for c, _ in notes], dtype=object)
    step = np.array([s for _, s in notes], dtype=object)
    owners = customers["Owner"].to_numpy()[cust]
    staff = np.array(words.STAFF, dtype=object)
    return pd.DataFrame({
        "FollowUpID": _daily_ids("F", when),
        "CustomerID": customers["CustomerID"].to_numpy()[cust],
        "FollowUpTime": when,
        "Method": np.array(methods, dtype=object)[method],
        "Content": content[method],
        "Staff": np.where(owners == words.POOL_OWNER, staff[rng.integers(0, len(staff), len(cust))],
                          owners),
        "Feedback": _pick(rng, "Feedback", len(cust)),
        "NextStep": step[method],
        "NextFollowUpTime": day + rng.integers(3, 31, len(cust)).astype("timedelta64[D]"),
        "_row": cust,
    })


def _sync_customers(customers: pd.DataFrame, followups: pd.DataFrame) -> None:
    """First / last contact and the next planned one, from the follow-up log (which is in time order)."""
    rows = followups.pop("_row").to_numpy()
    days = followups["FollowUpTime"].dt.normalize()
    last = followups.groupby(rows).tail(1)
    first = followups.groupby(rows).head(1)
    n = len(customers)
    for column, source, values in (("FirstContactTime", first, days),
                                   ("LastFollowUpTime", last, days),
                                   ("NextFollowUpTime", last, followups["NextFollowUpTime"])):
        out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        out[rows[source.index]] = values.loc[source.index].to_numpy()
        customers[column] = out


def _tags(rng, customers: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    settings = load_schema().setting_defaults()
    spend = customers["AnnualSpend"].to_numpy()
    high = np.flatnonzero(spend >= float(settings["HighValueSpend"]))
    it = np.flatnonzero((customers["Industry"] == "IT服务业").to_numpy())
    manual = np.flatnonzero(rng.random(len(customers)) < MANUAL_TAG_SHARE)
    kinds = np.array(words.MANUAL_TAGS, dtype=object)[rng.integers(0, len(words.MANUAL_TAGS), len(manual))]
    rows = np.concatenate([high, it, manual])
    n_auto = len(high) + len(it)
    reason = np.concatenate([
        "R01: AnnualSpend " + pd.Series(spend[high]).map("{:g}".format).to_numpy(dtype=object)
        + " >= " + f"{float(settings['HighValueSpend']):g}",
        np.full(len(it), "R03: Industry IT服务业 = IT服务业", dtype=object),
        np.full(len(manual), None, dtype=object)])
    created = customers["CreateTime"].to_numpy()[rows]
    age = (today.to_datetime64() - created) // np.timedelta64(1, "D")
    when = created + (rng.random(len(rows)) * (age + 1)).astype("timedelta64[D]")
    tags = pd.DataFrame({
        "CustomerID": customers["CustomerID"].to_numpy()[rows],
        "TagType": np.concatenate([np.full(len(high), "价值", dtype=object),
                                   np.full(len(it), "行业", dtype=object), kinds[:, 0]]),
        "TagName": np.concatenate([np.full(len(high), "高价值", dtype=object),
                                   np.full(len(it), "IT服务", dtype=object), kinds[:, 1]]),
        "Source": np.where(np.arange(len(rows)) < n_auto, "auto", "manual").astype(object),
        "Reason": reason, "CreateTime": when})
    tags = tags.sort_values("CreateTime", kind="stable").reset_index(drop=True)
    tags.insert(0, "TagID", _daily_ids("T", tags["CreateTime"].to_numpy()))
    return tags


def _opportunities(rng, customers: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    n = len(customers)
    k = int(n * OPPORTUNITIES_PER_CUSTOMER)
    rows = np.sort(rng.integers(0, n, k))
    stages = np.array(load_schema().list_values("Stage"), dtype=object)
    stage = stages[rng.integers(0, len(stages), k)]
    created = customers["CreateTime"].to_numpy()[rows]
    age = (today.to_datetime64() - created) // np.timedelta64(1, "D")
    opened = created + (rng.random(k) * (age + 1)).astype("timedelta64[D]")
    is_open = np.isin(stage, OPEN_STAGES)
    close = np.where(is_open, today.to_datetime64() + rng.integers(7, 121, k).astype("timedelta64[D]"),
                     np.minimum(opened + rng.integers(10, 91, k).astype("timedelta64[D]"),
                                today.to_datetime64()))
    owners = customers["Owner"].to_numpy()[rows]
    opps = pd.DataFrame({
        "CustomerID": customers["CustomerID"].to_numpy()[rows],
        "Product": np.array(words.PRODUCTS, dtype=object)[rng.integers(0, len(words.PRODUCTS), k)],
        "Stage": stage,
        "ExpectedAmount": np.round(rng.lognormal(np.log(60000), 0.9, k), -2),
        "ExpectedCloseDate": close,
        "Owner": np.where(owners == words.POOL_OWNER, words.STAFF[0], owners),
        "CreateTime": opened})
    opps = opps.sort_values("CreateTime", kind="stable").reset_index(drop=True)
    opps.insert(0, "OpportunityID", _daily_ids("O", opps["CreateTime"].to_numpy()))
    return opps
