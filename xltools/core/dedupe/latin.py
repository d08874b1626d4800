"""English and pinyin company names, matched against the Chinese name of the same company.

A Chinese company that trades abroad is typed both ways: 深圳市华腾科技有限公司 and
"Huateng Technology (Shenzhen) Co., Ltd." (or in pinyin, "Shenzhen Huateng Keji Youxian Gongsi").
:func:`parse_latin` reduces such a name to the parts that can be compared with a Chinese one: the
brand as toneless pinyin letters (``huateng``), the trade as a set of industry concepts (English
words, pinyin and Chinese words map to the same concept), the places (pinyin of the division table's
names) and the group / branch markers. :func:`transliteration_match` then says whether a Chinese
name reads as the Latin one.

>>> p = parse_latin("Huateng Technology (Shenzhen) Co., Ltd.")
>>> p.brand, sorted(p.industries), p.places
('huateng', ['tech'], ('4403',))
>>> parse_latin("SHENZHEN HUATENG KEJI YOUXIAN GONGSI").brand
'huateng'
>>> parse_latin("深圳市华腾科技有限公司") is None
True
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .names import ParsedName, most_precise, place_table

# Industry concepts: the Chinese words (longest match first), the English words and the pinyin of
# the Chinese words all map to one concept key.
INDUSTRY_CONCEPTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "tech": (("科技", "技术"), ("technology", "technologies", "tech", "technical", "scitech",
                               "science", "hitech", "hightech")),
    "electronic": (("电子", "电器", "电气"), ("electronic", "electronics", "electron", "electrical",
                                             "electric", "appliance", "appliances")),
    "information": (("信息", "资讯", "数据", "数码"), ("information", "info", "data", "digital", "it")),
    "network": (("网络", "互联网"), ("network", "networks", "internet", "net", "online")),
    "software": (("软件",), ("software", "soft")),
    "communication": (("通信", "通讯"), ("communication", "communications", "telecom")),
    "intelligent": (("智能", "智慧"), ("intelligent", "intelligence", "smart", "ai")),
    "automation": (("自动化",), ("automation", "automatic")),
    "trade": (("贸易", "商贸", "工贸", "进出口", "商行", "商务"), ("trading", "trade", "commerce",
                                                         "commercial", "import", "export",
                                                         "imp", "exp", "business")),
    "industrial": (("实业", "工业", "制造"), ("industrial", "industry", "industries",
                                             "manufacturing", "manufacture")),
    "machinery": (("机械", "机电", "设备", "装备"), ("machinery", "machine", "machines",
                                                    "mechanical", "equipment", "equipments")),
    "precision": (("精密",), ("precision", "precise")),
    "mould": (("模具",), ("mould", "moulds", "mold", "molds", "die", "dies")),
    "hardware": (("五金",), ("hardware", "metalware")),
    "material": (("材料", "新材料"), ("material", "materials")),
    "chemical": (("化工", "化学"), ("chemical", "chemicals", "chemistry")),
    "logistics": (("物流", "快递", "运输", "仓储", "货运"), ("logistics", "logistic", "express",
                                                         "transport", "transportation", "freight",
                                                         "shipping", "warehousing")),
    "supplychain": (("供应链",), ("supply", "chain")),
    "construction": (("建设", "建筑", "工程", "建材", "装饰"), ("construction", "engineering",
                                                              "building", "decoration",
                                                              "architecture", "contracting")),
    "realestate": (("房地产", "地产", "置业", "物业"), ("realestate", "estate", "property",
                                                      "properties", "real")),
    "investment": (("投资", "控股", "资产", "金融"), ("investment", "investments", "holding",
                                                    "holdings", "capital", "finance", "financial",
                                                    "asset", "assets")),
    "consulting": (("咨询", "顾问", "管理"), ("consulting", "consultancy", "consultant",
                                             "advisory", "management")),
    "media": (("文化", "传媒", "广告", "传播", "影视"), ("culture", "cultural", "media",
                                                       "advertising", "communication",
                                                       "film", "entertainment")),
    "education": (("教育", "培训"), ("education", "educational", "training")),
    "catering": (("餐饮",), ("catering", "restaurant", "restaurants", "food service")),
    "food": (("食品",), ("food", "foods", "foodstuff", "foodstuffs")),
    "agriculture": (("农业",), ("agriculture", "agricultural", "agri", "farming")),
    "bio": (("生物",), ("bio", "biotech", "biological", "biotechnology", "biology")),
    "medical": (("医疗", "医药", "药业", "器械", "健康"), ("medical", "medicine", "pharmaceutical",
                                                       "pharma", "health", "healthcare",
                                                       "device", "devices")),
    "environment": (("环保", "环境", "节能", "水处理"), ("environmental", "environment",
                                                    "environmental protection", "eco", "green",
                                                    "water", "treatment")),
    "energy": (("能源", "新能源", "电力", "光伏"), ("energy", "power", "solar", "newenergy")),
    "optical": (("光电", "光学"), ("optical", "optics", "optoelectronic", "photoelectric")),
    "instrument": (("仪器", "仪表"), ("instrument", "instruments", "meter", "meters")),
    "auto": (("汽车", "汽配"), ("auto", "automotive", "automobile", "car", "cars", "motor")),
    "textile": (("纺织", "服装", "服饰"), ("textile", "textiles", "garment", "garments",
                                          "apparel", "clothing", "fashion")),
    "furniture": (("家具", "家居"), ("furniture", "home", "furnishing", "furnishings")),
    "printing": (("印刷", "包装"), ("printing", "packaging", "package")),
    "plastic": (("塑胶", "塑料", "橡塑"), ("plastic", "plastics", "rubber")),
    "metal": (("钢铁", "金属", "矿业"), ("steel", "metal", "metals", "mining", "iron")),
    "hotel": (("酒店", "旅游"), ("hotel", "hotels", "tourism", "travel")),
    "elevator": (("电梯",), ("elevator", "elevators", "lift", "lifts")),
    "service": (("服务",), ("service", "services")),
}
LEGAL_WORDS = frozenset("""co company ltd limited corp corporation inc incorporated llc plc gmbh
pte sdn bhd llp the and of youxian gongsi youxiangongsi zeren gufen youxianzeren
youxianzerengongsi gufenyouxiangongsi share shares stock jointstock joint""".split())
GROUP_WORDS = frozenset({"group", "jituan"})
BRANCH_WORDS = frozenset({"branch", "fengongsi", "office", "banshichu"})
NEUTRAL_WORDS = frozenset({"china", "zhongguo", "prc", "international", "intl", "guoji", "new",
                           "hi", "high"})
_LETTERS = re.compile(r"[a-z0-9]+")
_CJK = re.compile("[\u3400-\u9fff]")
_ASCII_LETTER = re.compile("[A-Za-z]")
_BRACKETED = re.compile(r"[(\[]([^)\]]*)[)\]]")


@dataclass(frozen=True)
class LatinName:
    brand: str                       # pinyin letters, no spaces: "huateng"
    industries: frozenset[str]       # concept keys ("tech", "trade" ...)
    unknown: tuple[str, ...]         # words after the brand that are no concept we know
    places: tuple[str, ...]          # division code prefixes, as ParsedName.places
    group: bool = False
    branch: bool = False

    @property
    def key(self) -> str:
        """A canonical core for exact matching between two Latin names."""
        return " ".join([self.brand, *sorted(self.industries), *self.unknown])


def is_latin(name: str) -> bool:
    """True for a name written in Latin letters (no Chinese characters, three letters or more)."""
    text = str(name)
    return not _CJK.search(text) and len(_ASCII_LETTER.findall(text)) >= 3


@functools.lru_cache(maxsize=1)
def _pinyin_of_chinese_word() -> dict[str, str]:
    """Pinyin (no spaces) of every Chinese industry word -> its concept: keji -> tech."""
    from .names import pinyin_key

    return {pinyin_key(word).replace(" ", ""): concept
            for concept, (words, _english) in INDUSTRY_CONCEPTS.items() for word in words}


@functools.lru_cache(maxsize=1)
def _english_words() -> dict[str, str]:
    return {word: concept for concept, (_words, english) in INDUSTRY_CONCEPTS.items()
            for word in english if " " not in word}


@functools.lru_cache(maxsize=1)
def _chinese_words() -> tuple[tuple[str, str], ...]:
    pairs = [(word, concept) for concept, (words, _e) in INDUSTRY_CONCEPTS.items() for word in words]
    return tuple(sorted(pairs, key=lambda p: len(p[0]), reverse=True))


@functools.lru_cache(maxsize=1)
def place_pinyin() -> dict[str, str]:
    """Pinyin of a place name (``shenzhen``, ``guangdong``) -> its division code prefix; a pinyin
    that several places share (台州/泰州: taizhou) maps to ``""``: a place, but no telling which."""
    from pypinyin import lazy_pinyin

    found: dict[str, set[str]] = {}
    for name, code in place_table().items():
        if len(name) < 2 or name[-1] in "区县旗":
            continue
        key = "".join(lazy_pinyin(name))  # read as a phrase: 厦门 is xiamen, not shamen
        found.setdefault(key, set()).add(code)
    return {key: (codes.pop() if len(codes) == 1 else "") for key, codes in found.items()}


@functools.lru_cache(maxsize=10_000)
def parse_latin(name: str) -> LatinName | None:
    """The comparable parts of a Latin-letter company name, or None for a Chinese name."""
    return read_latin(name)


def read_latin(name: str) -> LatinName | None:
    """:func:`parse_latin`, not cached (matching reads each distinct name once)."""
    if not is_latin(name):
        return None
    text = str(name).lower()
    bracketed = {w for inner in _BRACKETED.findall(text) for w in _LETTERS.findall(inner)}
    english, pinyin_words, places_py = _english_words(), _pinyin_of_chinese_word(), place_pinyin()
    group = branch = False
    industries: set[str] = set()
    candidates: list[str] = []  # brand words, and places written before the trade
    unknown: list[str] = []
    places: set[str] = set()
    for word in _LETTERS.findall(text):
        if word in LEGAL_WORDS or word in NEUTRAL_WORDS:
            continue
        if word in GROUP_WORDS:
            group = True
        elif word in BRANCH_WORDS:
            branch = True
        elif word in english or word in pinyin_words:
            industries.add(english.get(word) or pinyin_words[word])
        elif word in places_py and (industries or word in bracketed):
            places.add(places_py[word])  # after the trade or in brackets: "(Shenzhen)"
        elif industries:
            unknown.append(word)  # after the trade: more trade words we do not know
        else:
            candidates.append(word)
    # "Shenzhen Xinyu Technology": a leading place, when a brand is left after it (Xinyu is a
    # city too, but alone it is the brand)
    while len(candidates) > 1 and candidates[0] in places_py:
        places.add(places_py[candidates.pop(0)])
    brand = candidates
    places.discard("")
    return LatinName("".join(brand), frozenset(industries), tuple(unknown), most_precise(places),
                     group, branch)


@functools.lru_cache(maxsize=50_000)
def chinese_industries(text: str) -> tuple[frozenset[str], bool]:
    """Concepts in a Chinese trade phrase (光学仪器 -> {optical, instrument}) and whether every
    character was understood."""
    found: set[str] = set()
    i, complete = 0, True
    words = _chinese_words()
    while i < len(text):
        for word, concept in words:
            if text.startswith(word, i):
                found.add(concept)
                i += len(word)
                break
        else:
            complete = False
            i += 1
    return frozenset(found), complete


def _spellings(brand: str, chars: str) -> list[int]:
    """How many leading characters of ``chars`` spell ``brand`` in pinyin, any reading of each
    character allowed (长 is chang or zhang, 厦 is xia or sha): ``_spellings("changsheng", "长盛科技")
    == [2]``."""
    from .names import char_readings

    ends: list[int] = []

    def walk(pos: int, k: int) -> None:
        if pos == len(brand):
            ends.append(k)
            return
        if k == len(chars):
            return
        for reading in char_readings(chars[k]):
            if reading and brand.startswith(reading, pos):
                walk(pos + len(reading), k + 1)

    walk(0, 0)
    return sorted(set(ends))


def transliteration_match(latin: LatinName, chinese: ParsedName) -> float:
    """How well a Chinese name reads as a Latin one: 1.0 brand and trade agree, 0.5 the brand
    agrees and the trade is unknown on one side, 0 otherwise. Places and group/branch markers are
    checked by the caller, as for two Chinese names."""
    best = 0.0
    for k in _spellings(latin.brand, chinese.core):
        if k < 2:
            continue  # one syllable is far too little to be a brand
        rest, complete = chinese_industries(chinese.core[k:])
        if rest and latin.industries:
            if rest == latin.industries:
                return 1.0
            if rest < latin.industries or latin.industries < rest:
                best = max(best, 0.5)
        elif complete or latin.unknown or not chinese.core[k:]:
            best = max(best, 0.5)
    return best
