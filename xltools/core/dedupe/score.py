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
same phone, same e-mail                    0.60    each; a switchboard is shared
company names alike (≥ 0.90)               0.85    place/branch/集团/industry must agree
company names somewhat alike (≥ 0.75)      0.50    only supports other evidence
person names equal or alike (≥ 0.90)       0.55    a person is never matched on the name alone
=========================================  ======  ==========================================

Vetoes (score 0, whatever else agrees): two different codes that both pass their check (two legal
entities), a 企业 against a 个人 with different codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import ratio

from .names import ParsedName, places_conflict

THRESHOLD = 0.80

W_ID, W_CODE, W_CODE_INVALID, W_CONTACT = 1.00, 0.97, 0.70, 0.60
W_NAME, W_NAME_WEAK, W_PERSON_NAME = 0.85, 0.50, 0.55


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


def company_name_similarity(a: ParsedName, b: ParsedName, py_a: str = "", py_b: str = ""
                            ) -> tuple[float, str]:
    """Similarity of two company names in [0, 1], and why it is low when it is.

    Equal cores score 1; cores that sound the same (pinyin) 0.95; otherwise brand and industry are
    compared apart, so one wrong character in a two-character brand (华腾/华胜) does not pass while a
    dropped industry word (华腾 / 华腾科技) only weakens the match. Branches, 集团 and places in
    different provinces or cities make two names different companies.
    """
    if not a.core or not b.core:
        return 0.0, "blank"
    if a.branch != b.branch:
        return 0.0, "branch"
    if places_conflict(a.places, b.places):
        return 0.0, "place"
    if a.core == b.core:
        sim = 1.0
    elif py_a and py_a == py_b:
        sim = 0.95
    else:
        sim = _structured(a, b)
        sim = max(sim, _long_typo(a.core, b.core))
    if a.group != b.group:
        sim = min(sim, 0.8)  # 华腾集团 vs 华腾科技: parent and subsidiary, unless more evidence
    return sim, ""


def _structured(a: ParsedName, b: ParsedName) -> float:
    if a.brand == b.brand:
        brand = 1.0
    else:
        from .names import pinyin_key
        if pinyin_key(a.brand) == pinyin_key(b.brand):
            brand = 0.95
        elif min(len(a.brand), len(b.brand)) >= 4:
            brand = _sim(a.brand, b.brand)
        else:
            return 0.0
    if a.industry == b.industry:
        industry = 1.0
    elif not a.industry or not b.industry:
        industry = 0.85  # 华腾 / 华腾科技: one side left the industry out
    elif a.industry in b.industry or b.industry in a.industry:
        industry = 0.9   # 科技 / 电子科技
    else:
        return 0.0       # 华腾科技 / 华腾贸易
    return brand * industry


def _long_typo(x: str, y: str) -> float:
    """One slip in a long name (≥ 6 characters) is still the same name."""
    if min(len(x), len(y)) >= 6 and Levenshtein.distance(x, y) <= 1:
        return 0.9
    return 0.0


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
        add(W_CONTACT, "电话相同", "same phone")
    if (x["email"] and x["email"] == y["email"]) or (x["email_fp"] and x["email_fp"] == y["email_fp"]):
        add(W_CONTACT, "邮箱相同", "same e-mail")
    # --- names
    if person:
        sim = 1.0 if x["pname"] and x["pname"] == y["pname"] else _sim(x["pname"], y["pname"])
        if sim >= 0.9:
            add(W_PERSON_NAME, *_name_words(sim))
    else:
        sim, why = company_name_similarity(x["parsed"], y["parsed"], x["core_py"], y["core_py"])
        if sim >= 0.9:
            add(W_NAME, *_name_words(sim, homophone=sim == 0.95 and x["core"] != y["core"]))
        elif sim >= 0.75:
            add(W_NAME_WEAK, *_name_words(sim))
        elif why in ("branch", "place") and weights:
            reasons.append(Reason("但分支机构不同" if why == "branch" else "但地区不同",
                                  "but different branches" if why == "branch" else "but different places"))
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
