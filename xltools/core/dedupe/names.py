"""Company names as people type them, reduced to the parts that identify a company.

A registered Chinese company name reads ``[place] brand [industry] legal-form [branch]``:
深圳市 · 华腾 · 科技 · 有限公司. Sales teams retype it as 华腾科技（深圳）有限公司, 深圳华腾科技公司,
ＨＵＡＴＥＮＧ with full-width letters, with stray spaces, or with a homophone (华藤). :func:`parse_name`
splits a name into those parts so that the variants compare equal while the things that make two
companies different are kept apart: the place (北京华腾 is not 上海华腾), the branch (…广州分公司 is not
the head office), the 集团 of a parent, the industry word (华腾科技 is not 华腾贸易).

Places are recognised against the division table python-stdnum ships (``stdnum/cn/loc.dat``), never
stripped blindly: a leading word is a place only when it is a province or prefecture name (with or
without its 省/市 suffix) or a county name written in full (南山区), and only if a brand is left.

>>> p = parse_name("深圳市华腾科技有限公司")
>>> p.core, p.brand, p.industry, p.places
('华腾科技', '华腾', '科技', ('4403',))
>>> parse_name("华腾科技（深圳）有限公司").core == parse_name(" 深圳 华腾科技公司").core == p.core
True
>>> parse_name("华腾科技有限公司广州分公司").branch
'广州分公司'
>>> parse_name("ＡＢＣ电子（集团）股份有限公司").core, parse_name("ＡＢＣ电子（集团）股份有限公司").group
('abc电子', True)
>>> pinyin_key("华腾科技") == pinyin_key("华藤科技")
True
>>> parse_name("華騰科技（深圳）有限公司").core == p.core
True
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ..divisions import leading_place, place_table, trailing_place
from ..normalize import compact_text
from .script import simplified

# Legal forms, longest first; stripped from the end (repeatedly: 集团有限公司 = 集团 + 有限公司).
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "股份公司", "总公司", "公司",
               "co.,ltd.", "co.,ltd", "co.ltd", "coltd", "limited", "ltd.", "ltd", "inc.", "inc",
               "corporation", "corp.", "corp", "company", "co.")
GROUP_WORDS = ("集团", "group")
BRANCH_WORDS = ("分公司", "分店", "分厂", "办事处", "营业部", "分部", "分行", "支行", "分所", "门市部")
# Bracketed words that say nothing about which company it is: (中国), (集团) is handled as a group.
NEUTRAL_WORDS = ("中国", "china", "中國")

# Industry words that close the core of a name, longest match wins. Unknown industry words simply
# stay in the brand, which makes matching stricter, never looser.
INDUSTRY_WORDS = tuple(sorted("""
科技 技术 信息技术 信息科技 网络科技 网络技术 电子科技 智能科技 生物科技 医疗科技 教育科技 新能源科技
电子 电器 电气 电子商务 通信 通讯 软件 信息 网络 数据 智能 智能装备 自动化 光电 新材料 材料 化工 化学
贸易 商贸 国际贸易 进出口 实业 工贸 商务 商行 供应链 供应链管理 物流 快递 运输 仓储
机械 机电 设备 机械设备 精密机械 五金 模具 制造 工业 汽车 汽车服务 汽配 能源 新能源 环保 环境 节能
建设 建筑 建材 工程 装饰 装饰工程 建筑工程 园林 房地产 地产 置业 物业 物业管理
投资 控股 投资管理 资产管理 金融 融资租赁 保险 担保 咨询 管理咨询 企业管理 管理 顾问 服务 人力资源
文化 传媒 文化传媒 广告 传播 影视 教育 培训 体育 旅游 酒店 餐饮 餐饮管理 食品 农业 生物 医药 医疗
医疗器械 药业 健康 美容 服饰 服装 纺织 家具 印刷 包装 塑胶 塑料 钢铁 金属 矿业 石油 电力 照明
""".split(), key=len, reverse=True))

_SUFFIXES = LEGAL_FORMS + GROUP_WORDS
_BRACKETS = re.compile(r"[(\[{<【〔「『]([^()\[\]{}<>【】〔〕「」『』]*)[)\]}>】〕」』]")
_PUNCT = re.compile(r"[^\w]+|_")


@dataclass(frozen=True, slots=True)   # one per customer and per imported row: no __dict__ each
class ParsedName:
    """The parts of one name, all half-width and lower-case."""

    text: str            # the whole name, normalised (no spaces, brackets or punctuation)
    core: str            # brand + industry: what identifies the company
    brand: str
    industry: str
    places: tuple[str, ...]   # division codes: 2 digits (province) or 4 (prefecture), sorted
    branch: str = ""     # 广州分公司: a branch is a different customer from its head office
    group: bool = False  # 集团: a parent is a different customer from its subsidiary


# ------------------------------------------------------------------------------------------ places


def place_code(word: str) -> str | None:
    """Division code prefix of a place name, or None: ``place_code("深圳") == "4403"``."""
    return place_table().get(word)


def places_conflict(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """True when two names are placed in different provinces, or different prefectures.

    A missing place never conflicts (深圳华腾 and 华腾 may well be one company), nor does a province
    with one of its prefectures (广东华腾 and 深圳华腾)."""
    if not a or not b:
        return False
    for x in a:
        for y in b:
            n = min(len(x), len(y))
            if x[:n] == y[:n]:
                return False
    return True


# ------------------------------------------------------------------------------------------- names


def _strip_suffixes(text: str) -> tuple[str, bool]:
    """Remove legal forms and 集团 from the end; report whether a 集团 was there."""
    group = False
    changed = True
    while changed and text and text.endswith(_SUFFIXES):
        changed = False
        for word in _SUFFIXES:
            if text.endswith(word) and len(text) > len(word):
                group = group or word in GROUP_WORDS
                text = text[: -len(word)]
                changed = True
                break
    return text, group


def _split_branch(text: str) -> tuple[str, str]:
    """``华腾科技有限公司广州分公司`` -> (``华腾科技有限公司``, ``广州分公司``)."""
    if not text.endswith(BRANCH_WORDS):
        return text, ""
    for word in BRANCH_WORDS:
        if text.endswith(word) and len(text) > len(word) + 1:
            head = text[: -len(word)]
            cut = head.rfind("公司")
            if cut > 0:
                return head[: cut + 2], head[cut + 2:] + word
            place = trailing_place(head)
            if place is not None:
                return head[: -len(place[0])], place[0] + word
            return head, word
    return text, ""


# industry words by length, longest first: one slice and one set lookup per length
_INDUSTRY_BY_LENGTH = tuple((n, frozenset(w for w in INDUSTRY_WORDS if len(w) == n))
                            for n in sorted({len(w) for w in INDUSTRY_WORDS}, reverse=True))


def _industry_of(text: str) -> str:
    """The longest industry word ``text`` ends with, leaving a brand of two characters or more."""
    for n, words in _INDUSTRY_BY_LENGTH:
        if len(text) - n >= 2 and text[-n:] in words:
            return text[-n:]
    return ""


def _has_brand(text: str) -> bool:
    """True when ``text`` is more than a bare industry word (朝阳贸易 minus 朝阳 is just 贸易)."""
    return len(text) >= 2 and text not in INDUSTRY_WORDS


@functools.lru_cache(maxsize=10_000)
def parse_name(name) -> ParsedName:
    """Split a company name into place, brand, industry, legal form and branch (see module doc)."""
    return parse_simplified(simplified_name(name))


def simplified_name(name) -> str:
    """A name half-width, without spaces, in simplified characters and lower case: what
    :func:`parse_simplified` and :func:`person_name` read."""
    return simplified(compact_text(name)).lower()


def _unbracketed(text: str) -> tuple[str, set[str], bool]:
    """``text`` without brackets and punctuation; the places its brackets held, and whether one
    held a 集团."""
    places: set[str] = set()
    group = False

    def bracket(match: re.Match) -> str:
        nonlocal group
        inner = match.group(1)
        code = place_code(inner)
        if code is not None:
            places.update([code] if code else [])
            return ""
        if inner in GROUP_WORDS or inner in LEGAL_FORMS or inner in NEUTRAL_WORDS:
            group = group or inner in GROUP_WORDS
            return ""
        return inner

    return _PUNCT.sub("", _BRACKETS.sub(bracket, text)), places, group


def parse_simplified(text: str) -> ParsedName:
    """:func:`parse_name` of a name already :func:`simplified_name`. Not cached: matching parses
    each distinct name of a column once (:func:`.distinct.each_distinct`), and a cache of every name
    of a 200,000-row import held every one of them through the import's matching."""
    if _PUNCT.search(text):  # brackets are punctuation too: most names have neither
        text, places, group = _unbracketed(text)
    else:
        places, group = set(), False
    whole = text
    text, branch = _split_branch(text)
    text, grouped = _strip_suffixes(text)
    group = group or grouped
    while True:  # 广东省深圳市华腾: every leading place, as long as a brand is left
        lead = leading_place(text)
        if not lead or not _has_brand(text[len(lead[0]):]):
            break
        places.update([lead[1]] if lead[1] else [])
        text = text[len(lead[0]):]
        if text[:1] in ("省", "市") and _has_brand(text[1:]):  # 广西省: a wrong suffix, still a place
            text = text[1:]
    for word in NEUTRAL_WORDS if text.startswith(NEUTRAL_WORDS) else ():
        if text.startswith(word) and len(text) - len(word) >= 2:
            text = text[len(word):]
    industry = _industry_of(text)
    brand = text[: len(text) - len(industry)]
    # positional: a frozen dataclass's keywords cost a third of its making, once per name
    return ParsedName(whole, text, brand, industry, most_precise(places), branch, group)


def most_precise(places) -> tuple[str, ...]:
    """Of a name's place codes, the most precise per province, sorted: 广东 + 深圳 -> 深圳.

    >>> most_precise({"44", "4403", "11"})
    ('11', '4403')
    """
    if len(places) < 2:
        return tuple(places)
    return tuple(sorted(c for c in set(places) if not any(o != c and o.startswith(c)
                                                          for o in places)))


@functools.lru_cache(maxsize=20_000)
def _char_pinyin(char: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(char, style=Style.NORMAL, errors="default")[0]


def pinyin_key(text: str) -> str:
    """Toneless pinyin, one syllable per character, so homophones (华腾/华藤) give one key.

    Each character is read on its own (not as a phrase) so a character always gives the same
    syllable, whatever its neighbours."""
    return " ".join(_char_pinyin(c) for c in text)


def pinyin_keys(texts: list[str]) -> list[str]:
    """``[pinyin_key(t) for t in texts]``, each text in one ``str.translate`` (every character
    followed by a space, the last one cut), not a Python join per text: a book has 100,000
    names.

    >>> pinyin_keys(["华腾", "", "华a"]) == [pinyin_key("华腾"), "", pinyin_key("华a")]
    True
    """
    table = {ord(c): _char_pinyin(c) + " " for c in set("".join(texts))}
    return [text.translate(table)[:-1] for text in texts]


def person_name(name) -> str:
    """A person's name for comparing: half-width, no spaces, lower case (Latin names)."""
    return person_key(simplified_name(name))


def person_key(simple: str) -> str:
    """:func:`person_name` of a name already :func:`simplified_name`."""
    return _PUNCT.sub("", simple)


@functools.lru_cache(maxsize=20_000)
def char_readings(char: str) -> frozenset[str]:
    """Every toneless pinyin reading of one character (长: chang, zhang)."""
    from pypinyin import Style, pinyin

    return frozenset(pinyin(char, style=Style.NORMAL, heteronym=True, errors="default")[0])


def sounds_alike(a: str, b: str) -> bool:
    """Same length and every character can be read the same (长 reads zhang or chang: 美长/美昌)."""
    return len(a) == len(b) and all(x == y or char_readings(x) & char_readings(y)
                                    for x, y in zip(a, b))
