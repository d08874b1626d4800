"""How alike two customers are: one score in [0, 1] and the reasons, in Chinese and English.

Each piece of evidence has a weight, the chance on its own that the two records are one customer;
independent pieces combine as ``1 - Π(1 - w)`` (a noisy-or), so two weak hints make a strong one
and a strong one is not diluted by a missing field. A pair at or above :data:`THRESHOLD` is a
duplicate.

=========================================  ======  ==========================================
evidence                                   weight  note
=========================================  ======  ==========================================
same customer ID                           1.00    a row typed (or pasted) twice
same valid credit code / ID number         0.97    or the same code fingerprint
same code that fails its check             0.70    probably a typo repeated
same mobile phone                          0.75    a person's own number
same landline                              0.45    a switchboard may serve a whole building
same phone of unknown kind, same e-mail    0.60    each
company names alike (equal, homophones,    0.85    place/branch/集团 must agree; script is
  traditional and simplified script)               compared simplified (華騰 = 华腾)
English/pinyin name reads as the Chinese   0.65    brand = pinyin of the Chinese brand and the
  one ("Huateng Technology" / 华腾科技)              trade agrees; 0.55 when a trade is unknown
the trade left out (嘉凌康公司 / 嘉凌康建筑)   0.65    the short name is the other's brand alone
one character missing from the name        0.65    places named on both sides and agreeing;
                                                   0.55 otherwise; trades must not disagree
one or two characters mistyped             0.50    long enough names only, never in a short brand
one company name extends the other         0.50    only supports other evidence
person names equal or alike (≥ 0.90)       0.55    a person is never matched on the name alone
=========================================  ======  ==========================================

Name evidence on its own never reaches the threshold unless the names are equal or sound alike;
each weaker kind needs a shared phone, e-mail or code beside it. A 集团 against a non-集团 name
(a parent and its subsidiary) adds no name evidence at all.

Vetoes (score 0, whatever else agrees): two different codes that both pass their check (two legal
entities), a 企业 against a 个人 with different codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import Hamming, Indel
from rapidfuzz.fuzz import ratio

from .latin import chinese_industries, transliteration_match
from .names import ParsedName, places_conflict, sounds_alike

THRESHOLD = 0.80

W_ID, W_CODE, W_CODE_INVALID, W_CONTACT = 1.00, 0.97, 0.70, 0.60
W_MOBILE, W_LANDLINE = 0.75, 0.45
W_NAME, W_NAME_WEAK, W_PERSON_NAME = 0.85, 0.50, 0.55
W_TRANSLIT, W_TRANSLIT_WEAK = 0.65, 0.55
W_MISSING_CHAR, W_MISSING_CHAR_WEAK, W_TYPOS, W_ABBREVIATED = 0.65, 0.55, 0.50, 0.65


@dataclass(frozen=True)
class Reason:
    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True)
class PairScore:
    score: float
    reasons: tuple[Reason, ...]
    veto: bool = False

    @property
    def text(self) -> str:
        """``名称相似 0.93 + 电话相同 / similar names 0.93 + same phone``."""
        return (" + ".join(r.zh for r in self.reasons) + " / "
                + " + ".join(r.en for r in self.reasons)) if self.reasons else ""


def _sim(a: str, b: str) -> float:
    return ratio(a, b) / 100.0 if a and b else 0.0


def company_name_similarity(a: ParsedName, b: ParsedName, py_a: str = "", py_b: str = "",
                            places_a: tuple[str, ...] | None = None,
                            places_b: tuple[str, ...] | None = None) -> tuple[float, str]:
    """Similarity of two company names in [0, 1], and why it is 0 when it is.

    * 1.0: equal cores (深圳市华腾科技有限公司 / 华腾科技（深圳）有限公司);
    * 0.95: cores that sound the same (华腾科技 / 华藤科技);
    * 0.85: one core extends the other (华腾 / 华腾科技, 华腾科技 / 华腾电子科技): an industry word
      left out, or a different company of the same group: only weak evidence;
    * 0 otherwise. Whatever the two names share at the end (the trade, whether or not it is a word
      we know) is set aside and the rest must agree: one character apart in a short brand (华腾 /
      华胜) is another company, and so is another trade (华腾科技 / 华腾贸易).

    Branches, places in different provinces or cities make different companies (``places_a/b``
    override the names' own places, e.g. with the credit code's division); a 集团 against a
    non-集团 name is 0.8 with the reason ``"group"`` (a parent and its subsidiary).
    """
    if not a.core or not b.core:
        return 0.0, "blank"
    if a.branch != b.branch:
        return 0.0, "branch"
    if places_conflict(a.places if places_a is None else places_a,
                       b.places if places_b is None else places_b):
        return 0.0, "place"
    if a.core == b.core:
        sim = 1.0
    elif (py_a and py_a == py_b) or sounds_alike(a.core, b.core):
        sim = 0.95
    else:
        sim = 0.85 if _extends(a.core, b.core, py_a, py_b) else 0.0
    if a.group != b.group and sim:
        return 0.8, "group"
    return sim, ""


def _extends(x: str, y: str, px: str, py: str) -> bool:
    """True when, after setting aside a common ending, one name is the other plus more words."""
    n = 0
    while n < min(len(x), len(y)) and x[-1 - n] == y[-1 - n]:
        n += 1
    hx, hy = (x[:-n], y[:-n]) if n else (x, y)
    short, long_ = sorted((hx, hy), key=len)
    if len(short) < 2:
        return False
    if long_.startswith(short):
        return True
    if px and py:  # the same, by ear: 华腾 / 华藤电子
        sx, sy = px.split(" "), py.split(" ")
        hx_py, hy_py = " ".join(sx[: len(sx) - n]), " ".join(sy[: len(sy) - n])
        s_py, l_py = sorted((hx_py, hy_py), key=len)
        return l_py.startswith(s_py + " ")
    return False


def near_miss(a: ParsedName, b: ParsedName) -> str:
    """``"missing"`` when one core is the other with one character left out (华腾电子科技 /
    华腾电科技), ``"typos"`` when one or two characters are mistyped in a core long enough to
    survive it; ``""`` otherwise. Never for names whose trades disagree or whose short brands
    differ (华腾 / 华胜 are two companies)."""
    x, y = a.core, b.core
    if not x or not y or a.branch != b.branch or a.group != b.group:
        return ""
    missing = (abs(len(x) - len(y)) == 1 and min(len(x), len(y)) >= 3
               and Indel.distance(x, y, score_cutoff=1) == 1)
    subs = Hamming.distance(x, y, score_cutoff=2) if len(x) == len(y) and len(x) >= 4 else 3
    if not missing and not (0 < subs <= max(1, (len(x) - 2) // 2) and subs <= 2):
        return ""
    concepts_x, _ = chinese_industries(a.industry or x[-2:])
    concepts_y, _ = chinese_industries(b.industry or y[-2:])
    if concepts_x and concepts_y and not (concepts_x & concepts_y):
        return ""  # 华腾科技 / 华腾贸易: another trade
    if missing:
        return "missing"
    brand = min(len(a.brand), len(b.brand))
    in_brand = [i for i in range(brand) if x[i] != y[i]]
    if brand <= 2 and in_brand and not sounds_alike(x[in_brand[0]], y[in_brand[0]]):
        return ""  # one character of a two-character brand: another company
    return "typos"


def _abbreviated(a: ParsedName, b: ParsedName) -> bool:
    """One name is the other's brand alone, the trade left out: 嘉凌康公司 / 嘉凌康建筑工程有限公司."""
    short, long_ = sorted((a, b), key=lambda p: len(p.core))
    if len(short.core) < 2 or short.industry or not long_.core.startswith(short.core):
        return False
    trade, understood = chinese_industries(long_.core[len(short.core):])
    return short.core == long_.brand or (bool(trade) and understood)


def _missing_char(x: dict, y: dict) -> tuple[float, str, str]:
    both_placed = bool(x["places"]) and bool(y["places"])
    return (W_MISSING_CHAR if both_placed else W_MISSING_CHAR_WEAK,
            "名称差一个字", "names one character apart")


def _phone_weight(x: dict, y: dict) -> tuple[float, str, str]:
    """A mobile is a person's own; a company's landline may be its building's switchboard. A
    person's landline is their home's, as good as any phone."""
    kind = "" if x["person"] or y["person"] else x.get("phone_kind") or y.get("phone_kind") or ""
    if kind == "mobile":
        return W_MOBILE, "手机相同", "same mobile"
    if kind == "landline":
        return W_LANDLINE, "座机相同(可能是总机)", "same landline (may be a switchboard)"
    return W_CONTACT, "电话相同", "same phone"


def _latin_vs_chinese(x: dict, y: dict) -> float:
    """Transliteration weight for a Latin-letter name against a Chinese one (0 if not that)."""
    lx, ly = x.get("latin"), y.get("latin")
    if (lx is None) == (ly is None):
        return 0.0
    latin, chinese = (lx, y["parsed"]) if lx else (ly, x["parsed"])
    if latin.group != chinese.group or bool(latin.branch) != bool(chinese.branch):
        return 0.0
    if places_conflict(x["places"], y["places"]):
        return 0.0
    match = transliteration_match(latin, chinese)
    return W_TRANSLIT if match == 1.0 else W_TRANSLIT_WEAK if match else 0.0


def score_pair(x: dict, y: dict) -> PairScore:
    """Score two records given as feature dicts (see :func:`keys.features`)."""
    reasons: list[Reason] = []
    weights: list[float] = []

    def add(w: float, zh: str, en: str) -> None:
        weights.append(w)
        reasons.append(Reason(zh, en))

    person = x["person"] or y["person"]
    mixed = x["person"] != y["person"]
    # --- vetoes: two legal entities
    if x["code"] and y["code"] and x["code"] != y["code"]:
        if x["code_valid"] and y["code_valid"]:
            return PairScore(0.0, (Reason("信用代码/证件号不同", "different valid codes"),), veto=True)
    if mixed and x["code"] and y["code"] and x["code"] != y["code"]:
        return PairScore(0.0, (Reason("企业与个人", "company vs person"),), veto=True)
    # --- hard keys
    if x["cid"] and x["cid"] == y["cid"]:
        add(W_ID, "客户ID重复", "same customer ID")
    label_zh, label_en = ("证件号相同", "same ID number") if person else ("信用代码相同", "same credit code")
    if x["code"] and x["code"] == y["code"]:
        if x["code_valid"]:
            add(W_CODE, label_zh, label_en)
        else:
            add(W_CODE_INVALID, label_zh + "(未通过校验)", label_en + " (fails its check)")
    elif x["code_fp"] and x["code_fp"] == y["code_fp"]:
        add(W_CODE, label_zh, label_en)
    if (x["phone"] and x["phone"] == y["phone"]) or (x["phone_fp"] and x["phone_fp"] == y["phone_fp"]):
        add(*_phone_weight(x, y))
    if (x["email"] and x["email"] == y["email"]) or (x["email_fp"] and x["email_fp"] == y["email_fp"]):
        add(W_CONTACT, "邮箱相同", "same e-mail")
    # --- names
    if person:
        sim = 1.0 if x["pname"] and x["pname"] == y["pname"] else _sim(x["pname"], y["pname"])
        if sim >= 0.9:
            add(W_PERSON_NAME, *_name_words(sim))
    elif (translit := _latin_vs_chinese(x, y)):
        add(translit, "英文/拼音名与中文名一致" if translit == W_TRANSLIT else "英文/拼音名与中文名品牌一致",
            "English/pinyin name reads as the Chinese one" if translit == W_TRANSLIT
            else "English/pinyin name has the Chinese brand")
    else:
        sim, why = company_name_similarity(x["parsed"], y["parsed"], x["core_py"], y["core_py"],
                                           x["places"], y["places"])
        if why == "group":
            if weights:
                reasons.append(Reason("但一方是集团", "but one is a group"))
        elif sim >= 0.9:
            add(W_NAME, *_name_words(sim, homophone=sim == 0.95))
        elif sim >= 0.75 and _abbreviated(x["parsed"], y["parsed"]):
            add(W_ABBREVIATED, "名称为简称(省略行业)", "abbreviated name (trade left out)")
        elif sim >= 0.75 and near_miss(x["parsed"], y["parsed"]) == "missing":
            add(*_missing_char(x, y))  # 华腾科技 / 华腾电科技 extends, and is one character short
        elif sim >= 0.75:
            add(W_NAME_WEAK, *_name_words(sim))
        elif why in ("branch", "place") and weights:
            reasons.append(Reason("但分支机构不同" if why == "branch" else "但地区不同",
                                  "but different branches" if why == "branch" else "but different places"))
        elif not why and (miss := near_miss(x["parsed"], y["parsed"])):
            if miss == "missing":
                add(*_missing_char(x, y))
            else:
                add(W_TYPOS, "名称有一两处笔误", "names differ by a typo or two")
    if not weights:
        return PairScore(0.0, ())
    rest = 1.0
    for w in weights:
        rest *= 1.0 - w
    return PairScore(round(1.0 - rest, 4), tuple(reasons))


def _name_words(sim: float, homophone: bool = False) -> tuple[str, str]:
    if sim >= 0.999:
        return "名称相同", "same name"
    if homophone:
        return "名称同音", "names sound alike"
    return f"名称相似 {sim:.2f}", f"similar names {sim:.2f}"


def contradicts(x: dict, y: dict) -> bool:
    """True when two records cannot be one customer, although each may match a third: a veto,
    or two company names that disagree (another trade, branch or place) with no shared key."""
    ps = score_pair(x, y)
    if ps.veto:
        return True
    if x["person"] or y["person"] or ps.score >= THRESHOLD:
        return False
    sim, _ = company_name_similarity(x["parsed"], y["parsed"], x["core_py"], y["core_py"],
                                     x["places"], y["places"])
    return sim == 0.0
