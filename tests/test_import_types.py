"""Import fills a blank CustomerType from the code (a valid 身份证号: 个人, a valid 统一社会信用代码:
企业). A whole column is decided at once (issue 20); it must decide every code exactly as
python-stdnum does one at a time, whatever people typed."""

from __future__ import annotations

import random

import pandas as pd
from stdnum.cn import uscc

from xltools.importer.values import customer_types, infer_customer_type

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def ric(body17: str) -> str:
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body17))
    return body17 + "10X98765432"[total % 11]


def codes(n: int = 6000) -> list:
    rng = random.Random(20)
    out: list = []
    for _ in range(n):
        k = rng.random()
        if k < 0.3:      # company codes, some with letters, some with unknown divisions
            body = rng.choice(["91", "92", "11", "31", "52", "Y1", "N2"]) \
                + "".join(rng.choice("0123456789") for _ in range(6)) \
                + "".join(rng.choice(ALPHABET) for _ in range(9))
            out.append(body + uscc.calc_check_digit(body))
        elif k < 0.6:    # ID numbers: real and unknown areas, impossible and future birth dates
            out.append(ric(rng.choice(["110105", "440305", "310101", "999999", "110199"])
                           + f"{rng.randint(1890, 2030)}{rng.randint(0, 13):02d}"
                           + f"{rng.randint(0, 32):02d}{rng.randint(0, 999):03d}"))
        else:            # typos: one character changed (lower case, full width, space, dash ...)
            chars = list(rng.choice(out) if out else "9" * 18)
            chars[rng.randrange(len(chars))] = rng.choice(ALPHABET + "xzaIOａ* -")
            out.append("".join(chars)[:rng.choice([17, 18, 18, 19])])
    return out + [None, float("nan"), 91440300, "", ric("11010519491231002")[:-1] + "x"]


def test_a_column_of_codes_gets_the_types_each_code_gets_alone():
    values = codes()
    got = customer_types(pd.Series(values, dtype=object)).tolist()
    expected = [infer_customer_type(v) for v in values]
    assert got == expected
    assert expected.count("个人") > 500 and expected.count("企业") > 500   # both kinds were seen
