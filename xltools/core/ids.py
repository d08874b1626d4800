"""Record IDs: a letter, the day, a sequence (C20240315001, F..., T..., O...).

The sequence has three digits and grows a fourth after the 999th record of one day, so a big
import never runs out of IDs.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd


def next_ids(existing: pd.Series, prefix: str, today: dt.date, count: int) -> list[str]:
    """``count`` new IDs ``prefix`` + yyyymmdd + sequence (3 digits or more) not in ``existing``.

    >>> next_ids(pd.Series(["T20240315001", "T20240315007", "T20240314009"]), "T",
    ...          dt.date(2024, 3, 15), 2)
    ['T20240315008', 'T20240315009']
    """
    stem = f"{prefix}{today:%Y%m%d}"
    ids = existing.dropna().astype(str).str.strip()
    tails = ids[ids.str.startswith(stem)].str[len(stem):]
    numbers = pd.to_numeric(tails[tails.str.fullmatch(r"\d+")], errors="coerce")
    start = int(numbers.max()) + 1 if len(numbers) else 1
    return [f"{stem}{n:03d}" for n in range(start, start + count)]
