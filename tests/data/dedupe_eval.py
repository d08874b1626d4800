"""A labeled evaluation set for dedupe: customers typed the way a sales team types them.

Every record carries ``EntityID``: records with the same EntityID are one real customer. The
generator knows nothing of the matcher's word lists; its vocabulary (brand characters, industries
with words the matcher does not list, cities, legal forms) is its own, and the variants are those
seen in real books:

* duplicates: 深圳市X有限公司 / X（深圳）有限公司 / 深圳X公司 / 广东省深圳市X..., full-width letters and
  digits, stray spaces, a homophone typo (华腾 -> 华藤), the credit code in lower case or spaced, the
  phone with +86 and dashes, an e-mail in capitals, a row pasted twice (same CustomerID), a copy
  whose phone/ID/e-mail are masked with only fingerprints left, persons typed twice (same ID or phone);
* hard negatives: the same name in another city (with and without a different code), parent
  (X集团) vs subsidiary, head office vs branch (…广州分公司), one brand character apart (华腾/华胜),
  same brand in another trade (华腾科技/华腾贸易), different people with the same common name.

``python tests/data/dedupe_eval.py 3000`` prints a summary.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import re
import sys
from pathlib import Path

import stdnum

import pandas as pd
from pypinyin import lazy_pinyin
from stdnum.cn import ric, uscc

from xltools.core.privacy import fingerprint, mask_email, mask_idcard, mask_phone

FP_KEY = b"dedupe-eval"

BRAND_CHARS = ("华腾盛达恒信鑫源创新宏远金瑞丰泰安康嘉佳博通联中海天益和美正大明辉晨星光云龙凯隆昌兴德"
               "顺利宇航飞扬智慧汇众合力诚贝尔峰岳振威捷科润永福万祥禾田圣骏豪锦荣亿凌卓越卡普斯朗")
LATIN_BRANDS = ("ABC", "K8", "3D", "IBS", "TK", "5G", "M2", "UNI", "DX", "AI")
# Homophones a typist slips into (by ear, from a phone call).
HOMOPHONES = {"华": "化", "腾": "藤", "盛": "胜", "达": "大", "恒": "横", "信": "鑫", "鑫": "新", "源": "元",
              "宏": "鸿", "远": "园", "瑞": "锐", "丰": "峰", "泰": "太", "安": "岸", "佳": "家", "嘉": "佳",
              "博": "搏", "通": "同", "海": "海", "天": "添", "明": "铭", "辉": "晖", "星": "兴", "云": "芸",
              "龙": "隆", "凯": "楷", "昌": "长", "德": "得", "利": "力", "宇": "雨", "航": "杭", "飞": "菲",
              "智": "志", "慧": "惠", "汇": "会", "诚": "成", "峰": "锋", "振": "震", "威": "伟", "捷": "杰",
              "润": "闰", "永": "勇", "福": "富", "万": "湾", "祥": "翔", "锦": "金", "荣": "容", "卓": "琢"}
INDUSTRIES = ("科技", "电子科技", "信息技术", "网络科技", "贸易", "商贸", "实业", "机械设备", "建筑工程",
              "文化传媒", "餐饮管理", "医疗器械", "光学仪器", "仪器仪表", "水处理设备", "新材料", "供应链管理",
              "物流", "食品", "环保科技", "智能装备", "精密模具", "生物技术", "家居用品", "电梯工程")
CITIES = (("深圳", "广东"), ("广州", "广东"), ("东莞", "广东"), ("佛山", "广东"), ("北京", ""), ("上海", ""),
          ("天津", ""), ("重庆", ""), ("杭州", "浙江"), ("宁波", "浙江"), ("苏州", "江苏"), ("南京", "江苏"),
          ("无锡", "江苏"), ("成都", "四川"), ("武汉", "湖北"), ("西安", "陕西"), ("长沙", "湖南"),
          ("郑州", "河南"), ("青岛", "山东"), ("济南", "山东"), ("厦门", "福建"), ("福州", "福建"),
          ("合肥", "安徽"), ("昆明", "云南"), ("大连", "辽宁"), ("沈阳", "辽宁"), ("南昌", "江西"),
          ("贵阳", "贵州"), ("南宁", "广西"), ("太原", "山西"), ("石家庄", "河北"), ("兰州", "甘肃"))
FORMS = ("有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司")
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英")
# Where companies of a city register (digits 3-8 of the credit code), for the cities that have them.
CITY_DIVISIONS = {"深圳": "440300", "广州": "440100", "北京": "110105", "上海": "310104", "杭州": "330106",
                  "苏州": "320505", "成都": "510107", "武汉": "420106", "南京": "320100", "西安": "610100"}
DIVISIONS = ("110105", "310104", "440305", "440106", "330106", "320505", "510107", "420106")


@functools.lru_cache(maxsize=1)
def _city_codes() -> dict[str, str]:
    """City name -> its 6-digit division code, read from stdnum's table (codes are registered
    where the company is)."""
    out, province = {}, ""
    path = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r'^\s+(\d{4}) county="([^"]*)"', line)
        if line[:1].isdigit():
            province = line.split()[0]
        elif m and m.group(1).endswith("00"):
            name = re.sub(r"\[[^\]]*\]", "", m.group(2)).split(",")[-1]
            out.setdefault(name.removesuffix("市"), province + m.group(1))
    return out


def _division_of(city: str) -> str:
    return _city_codes().get(city, "")


class _Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.names: set[str] = set()
        self.codes: set[str] = set()
        self.phones: set[str] = set()
        self.rows: list[dict] = []
        self.entity = 0
        self.seq = 0

    # ---- building blocks
    def brand(self) -> str:
        if self.r.random() < 0.06:
            return self.r.choice(LATIN_BRANDS) + self.r.choice(BRAND_CHARS)
        n = 2 if self.r.random() < 0.8 else 3
        return "".join(self.r.sample(BRAND_CHARS, n))

    def uscc(self, city=None) -> str:
        while True:
            division = (CITY_DIVISIONS.get(city[0]) or _division_of(city[0])) if city else ""
            division = division or self.r.choice(DIVISIONS)
            body = "91" + division + "".join(
                self.r.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
            code = body + uscc.calc_check_digit(body)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def ric(self) -> str:
        while True:
            birth = dt.date(1960, 1, 1) + dt.timedelta(days=self.r.randrange(15000))
            body = self.r.choice(DIVISIONS) + birth.strftime("%Y%m%d") + f"{self.r.randrange(1000):03d}"
            code = body + ric.calc_check_digit(body + "0")  # stdnum's ric wants the full length
            if code not in self.codes:
                self.codes.add(code)
                return code

    def phone(self) -> str:
        while True:
            if self.r.random() < 0.8:
                p = "1" + self.r.choice("3456789") + "".join(self.r.choice("0123456789") for _ in range(9))
            else:
                p = self.r.choice(("0755", "020", "010", "021", "0571")) + "".join(
                    self.r.choice("0123456789") for _ in range(8))
            if p not in self.phones:
                self.phones.add(p)
                return p

    def email(self, stem: str) -> str:
        return f"{stem}{self.r.randrange(100, 999)}@{self.r.choice(('qq.com', '163.com', 'corp.cn'))}"

    def company_name(self, brand, industry, city, form, style="full") -> str:
        if not city:
            return brand + industry + form
        return {"full": f"{city}市{brand}{industry}{form}",
                "plain": f"{city}{brand}{industry}{form}"}[style]

    def new_entity(self) -> int:
        self.entity += 1
        return self.entity

    def add(self, entity: int, **values) -> dict:
        self.seq += 1
        day = dt.date(2023, 1, 1) + dt.timedelta(days=self.r.randrange(600))
        row = {"CustomerID": f"C{self.seq:011d}", "EntityID": entity,
               "CreateTime": pd.Timestamp(day), "Owner": self.r.choice(("张三", "李四", "王五")),
               "Industry": "其他", "CustomerLevel": "潜在", "CooperationPhase": "潜在",
               "ContactPerson": self.r.choice(("王经理", "李总", "陈工", "刘女士")), **values}
        self.rows.append(row)
        return row

    # ---- companies
    def company(self, brand=None, industry=None, city=None, with_code=None) -> dict:
        r = self.r
        brand = brand or self.brand()
        industry = industry or r.choice(INDUSTRIES)
        city = city if city is not None else (r.choice(CITIES) if r.random() < 0.7 else None)
        form = r.choice(FORMS)
        name = self.company_name(brand, industry, city[0] if city else "", form)
        registered = (brand, industry, city[0] if city else "")  # unique whatever the legal form
        if registered in self.names:
            return {}
        self.names.add(registered)
        code = self.uscc(city) if (with_code if with_code is not None else r.random() < 0.7) else ""
        spec = dict(brand=brand, industry=industry, city=city, form=form, code=code,
                    phone=self.phone() if r.random() < 0.9 else "",
                    email=self.email("info") if r.random() < 0.4 else "")
        entity = self.new_entity()
        self.add(entity, CustomerName=name, CustomerType="企业", CreditCode=code,
                 ContactPhone=spec["phone"], Email=spec["email"])
        spec["entity"] = entity
        return spec

    def company_duplicate(self, spec: dict) -> None:
        r = self.r
        brand, industry, city, form = spec["brand"], spec["industry"], spec["city"], spec["form"]
        variants = ["bracket", "plain", "suffix", "spaces", "homophone", "fullwidth", "province",
                    "no_city", "no_industry", "pasted", "masked"]
        kind = r.choice(variants)
        cname = city[0] if city else ""
        name = self.company_name(brand, industry, cname, form)
        keep_phone = r.random() < 0.6
        if kind == "bracket" and city:
            name = f"{brand}{industry}（{cname}）{form}"
        elif kind == "plain" and city:
            name = f"{cname}{brand}{industry}{r.choice(('公司', form))}"
        elif kind == "suffix":
            name = self.company_name(brand, industry, cname, r.choice(("公司", "有限责任公司", "有限公司")))
        elif kind == "spaces":
            name = " ".join([name[:2], name[2:5], name[5:]]) + " "
        elif kind == "homophone":
            i = r.randrange(len(brand))
            if brand[i] in HOMOPHONES:
                brand = brand[:i] + HOMOPHONES[brand[i]] + brand[i + 1:]
            name = self.company_name(brand, industry, cname, form)
        elif kind == "fullwidth":
            name = name.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}).replace(" ", "\u3000")
        elif kind == "province" and city and city[1]:
            name = f"{city[1]}省{cname}市{brand}{industry}{form}"
        elif kind == "no_city" and city:
            name = f"{brand}{industry}{form}"
        elif kind == "no_industry":
            name = f"{cname}{brand}公司"
            keep_phone = True  # nobody would tie these together without a second clue
        code = spec["code"]
        if code:
            code = r.choice((code, code.lower(), code[:6] + " " + code[6:], "", code))
        phone = spec["phone"]
        if phone:
            if keep_phone:
                phone = r.choice((phone, f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}", f"{phone[:3]} {phone[3:7]} {phone[7:]}"))
            else:
                phone = self.phone() if r.random() < 0.5 else ""
        mail = spec["email"].upper() if spec["email"] and r.random() < 0.5 else ""
        row = self.add(spec["entity"], CustomerName=name, CustomerType="企业", CreditCode=code,
                       ContactPhone=phone, Email=mail)
        if kind == "pasted":  # the same row pasted again, then edited: same CustomerID
            row["CustomerID"] = next(x["CustomerID"] for x in self.rows if x["EntityID"] == spec["entity"])
        if kind == "masked":
            self.mask(row)

    def mask(self, row: dict) -> None:
        for col, fp_col, kind, masker in (("ContactPhone", "PhoneFP", "phone", mask_phone),
                                          ("CreditCode", "CreditCodeFP", "idcard", mask_idcard),
                                          ("Email", "EmailFP", "email", mask_email)):
            value = row.get(col) or ""
            row[fp_col] = fingerprint(kind, value, FP_KEY) if value else ""
            row[col] = masker(value) if value else ""

    def hard_negatives(self, spec: dict) -> None:
        """A different company that looks like ``spec``'s."""
        r = self.r
        brand, industry, city = spec["brand"], spec["industry"], spec["city"]
        kind = r.choice(("other_city_code", "other_city", "parent", "branch", "one_char", "trade"))
        if kind in ("other_city_code", "other_city") and city:
            other = r.choice([c for c in CITIES if c[0] != city[0]])
            self.company(brand, industry, other, with_code=kind == "other_city_code")
        elif kind in ("other_city_code", "other_city"):
            self.company(brand, r.choice([x for x in INDUSTRIES if x != industry]), city)
        elif kind == "parent":
            name = f"{brand}集团有限公司"
            if name not in self.names:
                self.names.add(name)
                self.add(self.new_entity(), CustomerName=name, CustomerType="企业",
                         CreditCode=self.uscc() if r.random() < 0.5 else "", ContactPhone=self.phone())
        elif kind == "branch":
            other = r.choice(CITIES)[0]
            name = f"{brand}{industry}有限公司{other}分公司"
            if name not in self.names:
                self.names.add(name)
                self.add(self.new_entity(), CustomerName=name, CustomerType="企业",
                         CreditCode=self.uscc() if r.random() < 0.5 else "", ContactPhone=self.phone())
        elif kind == "one_char":
            i = r.randrange(len(brand))
            # another character that does not sound the same: a homophone is what a typo looks like
            swap = r.choice([c for c in BRAND_CHARS if lazy_pinyin(c) != lazy_pinyin(brand[i])])
            self.company(brand[:i] + swap + brand[i + 1:], industry, city)
        else:
            self.company(brand, r.choice([x for x in INDUSTRIES if x != industry]), city)

    # ---- persons
    def person(self) -> dict:
        r = self.r
        name = r.choice(SURNAMES) + r.choice(GIVEN)  # few names: many namesakes
        spec = dict(name=name, code=self.ric() if r.random() < 0.6 else "", phone=self.phone(),
                    email=self.email("p") if r.random() < 0.3 else "")
        spec["entity"] = self.new_entity()
        self.add(spec["entity"], CustomerName=name, CustomerType="个人", CreditCode=spec["code"],
                 ContactPhone=spec["phone"], Email=spec["email"])
        return spec

    def person_duplicate(self, spec: dict) -> None:
        r = self.r
        name = spec["name"] if r.random() < 0.7 else spec["name"][0] + " " + spec["name"][1:]
        code, phone = spec["code"], spec["phone"]
        if code and r.random() < 0.5:
            code, phone = code.lower(), (phone if r.random() < 0.5 else self.phone())
        else:
            code = code if r.random() < 0.5 else ""
            phone = r.choice((phone, f"+86-{phone}", f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"))
        self.add(spec["entity"], CustomerName=name, CustomerType="个人", CreditCode=code,
                 ContactPhone=phone, Email="")


def generate(n_records: int = 3000, seed: int = 20240601, dup_rate: float = 0.3,
             negative_rate: float = 0.25) -> pd.DataFrame:
    """About ``n_records`` customers with an ``EntityID`` label column (same id = same customer)."""
    g = _Gen(seed)
    r = g.r
    while len(g.rows) < n_records:
        if r.random() < 0.2:
            spec = g.person()
            if r.random() < dup_rate:
                g.person_duplicate(spec)
            continue
        spec = g.company()
        if not spec:
            continue
        if r.random() < dup_rate:
            for _ in range(1 if r.random() < 0.8 else 2):
                g.company_duplicate(spec)
        if r.random() < negative_rate:
            g.hard_negatives(spec)
    df = pd.DataFrame(g.rows)
    for col in ("PhoneFP", "CreditCodeFP", "EmailFP"):
        if col not in df.columns:
            df[col] = ""
    df = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return df


def true_pairs(df: pd.DataFrame) -> set[tuple[int, int]]:
    """Pairs of positions (i < j) that are the same entity."""
    out = set()
    for _, idx in df.groupby("EntityID").indices.items():
        idx = sorted(idx)
        out.update((a, b) for k, a in enumerate(idx) for b in idx[k + 1:])
    return out


def cluster_pairs(clusters, index: pd.Index) -> set[tuple[int, int]]:
    """Pairs of positions a dedupe run put together."""
    pos = {row: i for i, row in enumerate(index)}
    out = set()
    for c in clusters:
        members = sorted(pos[r] for r in c.rows)
        out.update((a, b) for k, a in enumerate(members) for b in members[k + 1:])
    return out


def precision_recall(found: set, truth: set) -> tuple[float, float, float]:
    tp = len(found & truth)
    p = tp / len(found) if found else 1.0
    rc = tp / len(truth) if truth else 1.0
    f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
    return p, rc, f1


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    frame = generate(n)
    print(frame.head(20).to_string())
    print(len(frame), "records,", frame["EntityID"].nunique(), "entities,", len(true_pairs(frame)), "true pairs")
