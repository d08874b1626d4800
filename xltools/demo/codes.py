"""Valid-looking Chinese numbers for the demo: 统一社会信用代码, 身份证号, phones.

Phones are checked with ``phonenumbers``; e-mails are built in :mod:`xltools.demo.team`.

Division codes come from python-stdnum's own table (``stdnum/cn/loc.dat``), so every generated
number names a real county, and the check digits come from ``stdnum.cn.uscc`` / ``stdnum.cn.ric``.

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> from stdnum.cn import ric, uscc
>>> uscc.is_valid(make_uscc(rng, "440305"))
True
>>> ric.is_valid(make_ric(rng, "440305", 1995))
True
"""

from __future__ import annotations

import functools

import numpy as np
import phonenumbers
from stdnum import numdb
from stdnum.cn import ric, uscc

USCC_ALPHABET = uscc._alphabet          # 0-9 and A-Y without I, O, S, V, Z
ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                   "152", "153", "155", "156", "157", "158", "159", "166", "176", "177", "180",
                   "181", "182", "183", "185", "186", "187", "188", "189", "191", "198", "199")


@functools.cache
def counties(prefix: str) -> tuple[tuple[str, int], ...]:
    """Current county codes under a 4-digit prefecture prefix, each with the year it began.

    ``counties("4403")`` -> ``(("440303", 1983), ...)``. Current means stdnum's table gives the
    code a name with no end year (``罗湖区`` or ``[1983-]罗湖区``); the start year matters for a
    身份证号, whose holder must be born after the county existed. 市辖区 placeholders are left out, and so is the
    prefecture's own ``XX00`` code unless it has no districts (东莞 441900).
    """
    found = {}
    for _len, low, high, _props, children in numdb.get("cn/loc").prefixes:
        if not (low <= prefix[:2] <= high):
            continue
        for _l, clow, chigh, props, _c in children:
            start = _current_since(props.get("county", ""))
            if start is None:
                continue
            for tail in range(int(clow), int(chigh) + 1):
                code = f"{prefix[:2]}{tail:04d}"
                if code.startswith(prefix):
                    found[code] = start
    # The prefecture's own XX00 code only for cities without districts (东莞, 中山).
    if len(found) > 1:
        found.pop(prefix + "00", None)
    if not found:
        raise ValueError(f"no current county under {prefix}")
    return tuple(sorted(found.items()))


def _current_since(names: str) -> int | None:
    """The start year of the first current name in ``[1983-]罗湖区,...`` (0: always); None if none."""
    for name in names.split(","):
        if not name or "市辖区" in name:
            continue
        if not name.startswith("["):
            return 0
        years, _ = name[1:].split("]", 1)
        start, end = years.split("-")
        if not end:
            return int(start or 0)
    return None


def org_code(rng: np.random.Generator) -> str:
    """A 9-character 组织机构代码 (GB 11714: 8 characters and a check character), ``MA`` style."""
    body = "MA" + "".join(rng.choice(list(ORG_ALPHABET), 6))
    total = sum(int(c, 36) * w for c, w in zip(body, ORG_WEIGHTS))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng: np.random.Generator, division: str, kind: str = "91") -> str:
    """A valid 统一社会信用代码: office+type (91 = 工商/企业), division, org code, check digit."""
    body = kind + division + org_code(rng)
    return body + uscc.calc_check_digit(body)


def make_ric(rng: np.random.Generator, division: str, birth_year: int) -> str:
    """A valid 身份证号 for someone born in ``birth_year`` in ``division``."""
    month = int(rng.integers(1, 13))
    day = int(rng.integers(1, 29))
    body = f"{division}{birth_year:04d}{month:02d}{day:02d}{int(rng.integers(1, 1000)):03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum skips the last character


def mistype(rng: np.random.Generator, code: str, alphabet: str, positions: range) -> str:
    """``code`` with one character in ``positions`` replaced by another from ``alphabet``."""
    pos = int(rng.choice(list(positions)))
    other = [c for c in alphabet if c != code[pos]]
    return code[:pos] + str(rng.choice(other)) + code[pos + 1:]


def make_mobile(rng: np.random.Generator) -> str:
    return str(rng.choice(MOBILE_PREFIXES)) + f"{int(rng.integers(0, 10**8)):08d}"


def make_landline(rng: np.random.Generator, area: str) -> str:
    """``0755-86001234``: the area code, a dash and a local number that ``phonenumbers`` accepts
    (8 digits in most cities, 7 in some smaller ones)."""
    for attempt in range(200):
        width = 8 if attempt % 2 == 0 else 7
        number = f"{area}-{int(rng.integers(2, 9))}{int(rng.integers(0, 10 ** (width - 1))):0{width - 1}d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(number, "CN")):
            return number
    raise ValueError(f"no valid landline found for area code {area}")


def format_phone_loosely(digits: str) -> str:
    """A mobile number as people paste it: ``+86 138-1234-5678``."""
    return f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}"


FULLWIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def fullwidth(text: str) -> str:
    """ASCII letters and digits as full-width characters (ＡＢＣ１２３), as some IMEs type them."""
    return "".join(FULLWIDTH.get(c, c) for c in text)
