"""统一社会信用代码 for companies, 身份证号 for persons, and the Region they imply.

Which one a CreditCode cell must be follows CustomerType: 企业 -> 统一社会信用代码, 个人 -> 身份证号.
With no (or an unknown) type, a code passes when it is either; a masked ID (110105********002X) is
accepted as masked whatever the type.
"""

from __future__ import annotations

import pandas as pd

from .. import cncodes
from . import CheckSpec, Context, Rule, fixed, per_row

ORDER = 30
CHECKS = (
    CheckSpec("uscc", "error", "信用代码", "credit code",
              "a company's 统一社会信用代码: length, characters, check digit"),
    CheckSpec("idcard", "error", "身份证号", "ID number",
              "a person's 身份证号: length, digits, check digit, birth date, area code"),
    CheckSpec("code_required", "error", "信用代码必填", "credit code required",
              "a company (企业) without a credit code"),
    CheckSpec("region", "warning", "区域", "region",
              "Region disagrees with the province the credit code / ID was issued in"),
)

COMPANY, PERSON = "企业", "个人"

USCC_REASONS = {
    "length": ("统一社会信用代码应为18位", "a unified social credit code has 18 characters"),
    "charset": ("统一社会信用代码含无效字符(前8位为数字,不含 I、O、S、V、Z)",
                "invalid characters in the credit code (8 digits first; no I, O, S, V, Z)"),
    "checksum": ("统一社会信用代码校验位错误(可能有输错的字符)",
                 "the credit code's check digit is wrong (a mistyped character?)"),
}
RIC_REASONS = {
    "length": ("身份证号应为18位", "an ID number has 18 characters"),
    "charset": ("身份证号前17位应为数字,末位为数字或X", "an ID number is 17 digits and a digit or X"),
    "checksum": ("身份证号校验位错误(可能有输错的数字)", "the ID number's check digit is wrong (a mistyped digit?)"),
    "birthdate": ("身份证号中的出生日期无效", "the birth date inside the ID number is impossible"),
    "division": ("身份证号的地区码不存在", "the ID number's area code does not exist"),
}
OK = {"ok", "blank", "masked"}


def code_kinds(ctx: Context) -> pd.DataFrame:
    """Per customer row: ``kind`` ('uscc' or 'ric': what the code must be), ``status`` (see
    :mod:`xltools.core.cncodes`) and ``division`` (6 digits, for valid and masked-ID codes)."""
    def compute():
        df = ctx.db.customers
        codes = df["CreditCode"] if "CreditCode" in df.columns else pd.Series(None, index=df.index)
        types = (df["CustomerType"] if "CustomerType" in df.columns
                 else pd.Series(None, index=df.index)).astype(str).str.strip()
        codes = cncodes.normalised_codes(codes)
        as_uscc = cncodes.uscc_status(codes, normalised=True)
        as_ric = cncodes.ric_status(codes, today=ctx.today, normalised=True)
        shaped_ric = cncodes.ric_shaped(codes)
        # Without a usable type: a person when it reads as an ID number and not as a company code.
        guess_person = (as_ric == "ok") | (shaped_ric & (as_uscc != "ok"))
        person = (types == PERSON) | ((types != COMPANY) & guess_person)
        status = as_ric.where(person, as_uscc)
        # A masked 身份证号 keeps its first 6 digits: the division is still readable.
        readable = (status == "ok") | ((status == "masked") & person)
        div = cncodes.divisions(codes, person, normalised=True).where(readable, None)
        return pd.DataFrame({"kind": person.map({True: "ric", False: "uscc"}), "status": status,
                             "division": div, "company": types == COMPANY})
    return ctx.once("code_kinds", compute)


def rules(ctx: Context, table_key: str) -> list[Rule]:
    if table_key != "Customers" or "CreditCode" not in ctx.db.customers.columns:
        return []
    info = code_kinds(ctx)
    zh, en = ctx.label("Customers", "CreditCode")
    bad = ~info["status"].isin(OK)
    uscc_bad = bad & (info["kind"] == "uscc")
    ric_bad = bad & (info["kind"] == "ric")
    no_code = info["company"] & ctx.blank("Customers", "CreditCode")
    out = [
        Rule("uscc", "Customers", "CreditCode", lambda s: ~uscc_bad.reindex(s.index, fill_value=False),
             per_row(info["status"][uscc_bad].map(USCC_REASONS).to_dict())),
        Rule("idcard", "Customers", "CreditCode", lambda s: ~ric_bad.reindex(s.index, fill_value=False),
             per_row(info["status"][ric_bad].map(RIC_REASONS).to_dict())),
        Rule("code_required", "Customers", "CreditCode",
             lambda s: ~no_code.reindex(s.index, fill_value=False),
             fixed(f"企业客户必须填写「{zh}」", f"a company (企业) needs its {en}")),
    ]
    if "Region" in ctx.db.customers.columns:
        out.append(_region_rule(ctx, info))
    return out


def region_for_division(code6: str | None) -> str | None:
    """The sales region (大区) of a 6-digit division code, from ``xltools.core.regions``."""
    if not code6:
        return None
    try:
        from ..regions import region_for_province
    except ImportError:  # the regions table is not installed: no region checks
        return None
    return region_for_province(code6[:2])


def implied_regions(ctx: Context) -> pd.Series:
    """The region each customer's valid code points to (None when unknown)."""
    def compute():
        div = code_kinds(ctx)["division"]
        regions = {d: region_for_division(d) for d in div.dropna().unique()}
        return div.map(regions).where(div.notna(), None)
    return ctx.once("implied_regions", compute)


def _region_rule(ctx: Context, info: pd.DataFrame) -> Rule:
    implied = implied_regions(ctx)
    text = ctx.text("Customers", "Region")
    wrong = ~ctx.blank("Customers", "Region") & implied.notna() & (text != implied)
    # (three quarters of a big book's regions may disagree: no label lookup per row)
    details = {row: (f"「所属区域」为 {typed},但证件/信用代码的地区属于 {issued}",
                     f"Region is {typed} but the code was issued in {issued}")
               for row, typed, issued in zip(wrong.index[wrong.to_numpy()],
                                             text[wrong].tolist(), implied[wrong].tolist())}
    return Rule("region", "Customers", "Region", lambda s: ~wrong.reindex(s.index, fill_value=False),
                per_row(details))
