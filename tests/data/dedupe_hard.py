"""The hard half of dedupe: duplicates a sales team makes that share little but one field.

Each duplicate is labelled with its *kind*, each look-alike that is another company with its
*trap*, so quality can be read per kind:

* ``traditional``: the name retyped in traditional script (華騰 for 华腾), often with nothing else;
* ``english``: the company's English or pinyin name ("Jinhong Electronics (Suzhou) Co., Ltd.")
  with the phone as the only other shared field;
* ``missing``: one character of the name left out, only the phone shared;
* ``typos``: two characters mistyped by ear in a longer name, only the phone shared;
* traps (must stay apart): a company in another city with its own code, a 分公司 of the company,
  its 集团 parent, a person with the same common name, and two unrelated companies in one
  building sharing its switchboard (a landline) with different names and codes.

The vocabulary (brands, trades and their English words, cities) is this file's own; the matcher's
word lists are not used. ``python tests/data/dedupe_hard.py 2000`` prints a sample.
"""

from __future__ import annotations

import random
import sys

import pandas as pd
from pypinyin import lazy_pinyin
from stdnum.cn import uscc

# brand characters with their traditional forms (each differs, so a traditional copy is a real test)
TRAD = {"华": "華", "东": "東", "丰": "豐", "达": "達", "龙": "龍", "兴": "興", "汇": "匯", "宝": "寶",
        "荣": "榮", "凤": "鳳", "门": "門", "广": "廣", "长": "長", "乐": "樂", "万": "萬", "丽": "麗",
        "业": "業", "盛": "盛", "锦": "錦", "鸿": "鴻", "铭": "銘", "阳": "陽", "伟": "偉", "纬": "緯",
        "顺": "順", "辉": "輝", "荟": "薈", "骏": "駿", "鹏": "鵬", "泽": "澤"}
PLAIN = "金辰启明晟宇朗峰佳禾恒远博瑞泰和安信睿嘉诺亿"
# trade: Chinese words (with traditional forms) and how an English name says it
TRADES = (("电子", "電子", "Electronics"), ("科技", "科技", "Technology"),
          ("电子科技", "電子科技", "Electronic Technology"), ("贸易", "貿易", "Trading"),
          ("机械设备", "機械設備", "Machinery Equipment"), ("新材料", "新材料", "New Materials"),
          ("物流", "物流", "Logistics"), ("食品", "食品", "Foods"), ("医疗器械", "醫療器械", "Medical Devices"),
          ("网络科技", "網絡科技", "Network Technology"), ("环保科技", "環保科技", "Environmental Technology"),
          ("光学仪器", "光學儀器", "Optical Instruments"), ("家居用品", "家居用品", "Home Furnishings"))
CITIES = (("苏州", "Suzhou", "3205"), ("无锡", "Wuxi", "3202"), ("宁波", "Ningbo", "3302"),
          ("温州", "Wenzhou", "3303"), ("东莞", "Dongguan", "4419"), ("佛山", "Foshan", "4406"),
          ("厦门", "Xiamen", "3502"), ("青岛", "Qingdao", "3702"), ("长沙", "Changsha", "4301"),
          ("合肥", "Hefei", "3401"), ("珠海", "Zhuhai", "4404"), ("常州", "Changzhou", "3204"))
TRAD_CITY = {"苏州": "蘇州", "无锡": "無錫", "宁波": "寧波", "温州": "溫州", "东莞": "東莞", "佛山": "佛山",
             "厦门": "廈門", "青岛": "青島", "长沙": "長沙", "合肥": "合肥", "珠海": "珠海", "常州": "常州"}
SOUND = {"金": "今", "辰": "晨", "启": "起", "明": "名", "宇": "雨", "峰": "丰", "佳": "家", "博": "搏",
         "瑞": "睿", "泰": "太", "和": "合", "安": "岸", "信": "欣", "嘉": "佳", "诺": "喏", "亿": "艺",
         "华": "化", "东": "冬", "达": "答", "龙": "隆", "兴": "星", "汇": "惠", "宝": "保", "荣": "容",
         "鸿": "宏", "铭": "明", "阳": "扬", "伟": "威", "顺": "舜", "辉": "晖", "鹏": "朋", "泽": "择",
         "电": "店", "子": "仔", "科": "可", "技": "记", "贸": "茂", "易": "益", "械": "谢", "设": "社",
         "备": "倍", "材": "才", "料": "廖", "物": "务", "流": "留", "食": "实", "品": "聘", "网": "往"}
# two-character names of cities a brand must not spell
PLACES = frozenset("安阳 嘉兴 泰安 长乐 华阳 兴安 丰宁 东阳 宝丰 龙泉 龙口 金华 乐东 鸿业 信阳 启东 安达 博乐".split())
KINDS = ("traditional", "english", "missing", "typos")
TRAPS = ("other_city", "branch", "parent", "namesake", "switchboard")


class _Hard:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.rows: list[dict] = []
        self.entity = 0
        self.used: set[str] = set()
        self.numbers: set[str] = set()

    def _unique(self, make) -> str:
        while True:
            value = make()
            if value not in self.numbers:
                self.numbers.add(value)
                return value

    def mobile(self) -> str:
        return self._unique(lambda: "1" + self.r.choice("3578") + "".join(
            self.r.choice("0123456789") for _ in range(9)))

    def landline(self, area: str = "0512") -> str:
        return self._unique(lambda: area + self.r.choice("2568") + "".join(
            self.r.choice("0123456789") for _ in range(7)))

    def code(self, division: str) -> str:
        def make() -> str:
            body = "91" + division + "00" + "".join(
                self.r.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
            return body + uscc.calc_check_digit(body)
        return self._unique(make)

    def add(self, entity: int, label: str, **values) -> None:
        self.rows.append({"CustomerID": f"C2025{len(self.rows) + 1:07d}", "EntityID": entity,
                          "Kind": label, "CustomerType": "企业", "CreditCode": "", "ContactPhone": "",
                          "Email": "", "PhoneFP": "", "CreditCodeFP": "", "EmailFP": "", **values})

    def brand(self) -> str:
        """A new brand that sounds like no other (homophone brands are typos by design) and
        reads as no city (安阳, 嘉兴: a place, not a brand)."""
        while True:
            pool = list(TRAD) + list(PLAIN)
            brand = "".join(self.r.sample(pool, self.r.choice((2, 2, 3))))
            sound = " ".join(lazy_pinyin(brand))
            if sound not in self.used and not any(brand[i:i + 2] in PLACES for i in range(len(brand))):
                self.used.add(sound)
                return brand

    def company(self) -> None:
        r = self.r
        self.entity += 1
        entity = self.entity
        brand, trade, city = self.brand(), r.choice(TRADES), r.choice(CITIES)
        name = f"{city[0]}{brand}{trade[0]}有限公司"
        phone = self.mobile() if r.random() < 0.6 else self.landline()
        code = self.code(city[2] + "00") if r.random() < 0.5 else ""
        self.add(entity, "original", CustomerName=name, ContactPhone=phone, CreditCode=code)
        if r.random() < 0.55:
            kind = r.choice(KINDS)
            getattr(self, "dup_" + kind)(entity, brand, trade, city, phone)
        if r.random() < 0.35:
            trap = r.choice(TRAPS)
            getattr(self, "trap_" + trap)(brand, trade, city, phone, code)

    # ---- duplicates: the other record shares the phone (or nothing) and no code
    def dup_traditional(self, entity, brand, trade, city, phone) -> None:
        trad = "".join(TRAD.get(c, c) for c in brand)
        if trad == brand:
            trad = TRAD[self.r.choice(list(TRAD))] + brand[1:]
            brand = None  # the brand has no traditional form: not a test of script
        if brand is None:
            return
        name = f"{TRAD_CITY[city[0]]}{trad}{trade[1]}有限公司" if self.r.random() < 0.5 \
            else f"{trad}{trade[1]}（{TRAD_CITY[city[0]]}）有限公司"
        shared = phone if self.r.random() < 0.3 else ""
        self.add(entity, "traditional", CustomerName=name, ContactPhone=shared)

    def dup_english(self, entity, brand, trade, city, phone) -> None:
        py = "".join(lazy_pinyin(brand)).capitalize()
        form = self.r.choice(("Co., Ltd.", "Co., Limited", "Company Limited", "Co.,Ltd"))
        name = self.r.choice((f"{py} {trade[2]} ({city[1]}) {form}",
                              f"{city[1]} {py} {trade[2]} {form}",
                              f"{py.upper()} {trade[2].upper()} {form.upper()}"))
        shown = self.r.choice((phone, f"+86 {phone}" if phone[0] == "1" else f"+86-{phone[1:4]}-{phone[4:]}"))
        self.add(entity, "english", CustomerName=name, ContactPhone=shown)

    def dup_missing(self, entity, brand, trade, city, phone) -> None:
        core = brand + trade[0]
        i = self.r.randrange(len(core))
        if len(core) - 1 < 3:
            return
        name = f"{city[0]}{core[:i]}{core[i + 1:]}有限公司"
        self.add(entity, "missing", CustomerName=name, ContactPhone=phone)

    def dup_typos(self, entity, brand, trade, city, phone) -> None:
        core = list(brand + trade[0])
        spots = [i for i, c in enumerate(core) if c in SOUND]
        if len(core) < 5 or len(spots) < 2:
            return
        for i in self.r.sample(spots, 2):
            core[i] = SOUND[core[i]]
        self.add(entity, "typos", CustomerName=f"{city[0]}{''.join(core)}有限公司", ContactPhone=phone)

    # ---- traps: other companies
    def _other(self, label, **values) -> None:
        self.entity += 1
        self.add(self.entity, label, **values)

    def trap_other_city(self, brand, trade, city, phone, code) -> None:
        other = self.r.choice([c for c in CITIES if c != city])
        self._other("other_city", CustomerName=f"{other[0]}{brand}{trade[0]}有限公司",
                    CreditCode=self.code(other[2] + "00"), ContactPhone=self.landline())

    def trap_branch(self, brand, trade, city, phone, code) -> None:
        other = self.r.choice([c for c in CITIES if c != city])
        self._other("branch", CustomerName=f"{city[0]}{brand}{trade[0]}有限公司{other[0]}分公司",
                    ContactPhone=self.r.choice((phone, self.landline())))

    def trap_parent(self, brand, trade, city, phone, code) -> None:
        self._other("parent", CustomerName=f"{brand}集团有限公司",
                    ContactPhone=self.r.choice((phone, self.landline())))

    def trap_namesake(self, brand, trade, city, phone, code) -> None:
        name = self.r.choice("王李张刘陈") + self.r.choice(("芳", "伟", "静", "磊"))
        for _ in range(2):
            self._other("namesake", CustomerName=name, CustomerType="个人", ContactPhone=self.mobile())

    def trap_switchboard(self, brand, trade, city, phone, code) -> None:
        board = self.landline()
        for _ in range(2):
            other = self.brand()
            self._other("switchboard", CustomerName=f"{city[0]}{other}{self.r.choice(TRADES)[0]}有限公司",
                        ContactPhone=board, CreditCode=self.code(city[2] + "00"))
        other_trade = self.r.choice([t for t in TRADES if t != trade and t[0] not in trade[0]
                                     and trade[0] not in t[0]])
        self._other("switchboard", CustomerName=f"{city[0]}{brand}{other_trade[0]}有限公司",
                    ContactPhone=board)


def generate(n_companies: int = 600, seed: int = 7) -> pd.DataFrame:
    g = _Hard(seed)
    for _ in range(n_companies):
        g.company()
    return pd.DataFrame(g.rows).sample(frac=1.0, random_state=seed).reset_index(drop=True)


def pairs_by_kind(df: pd.DataFrame) -> dict[str, set[tuple[int, int]]]:
    """True pairs (positions i < j) per duplicate kind."""
    out: dict[str, set[tuple[int, int]]] = {k: set() for k in KINDS}
    for _, idx in df.groupby("EntityID").indices.items():
        idx = sorted(idx)
        for a in idx:
            for b in idx:
                if a < b:
                    kind = df["Kind"].iat[b] if df["Kind"].iat[a] == "original" else df["Kind"].iat[a]
                    out.setdefault(kind, set()).add((a, b))
    return out


if __name__ == "__main__":
    frame = generate(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
    print(frame[["CustomerName", "ContactPhone", "Kind", "EntityID"]].head(40).to_string())
    print(frame["Kind"].value_counts().to_string())
