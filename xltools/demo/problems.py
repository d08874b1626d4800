"""The problem mix of a real, used book, planted on a synthetic team (benchmarks, tests).

About 2% of customers and follow-ups carry a real problem (a date typed as text, a missing name,
an industry outside the list, a credit code with a wrong check digit, a short phone, a follow-up
for an unknown customer or with a date in words), and about three quarters of the regions
disagree with the region the credit code points to, as in a book where people type their office's
region instead of the customer's.
"""

from __future__ import annotations

import numpy as np

from ..core.regions import PROVINCE_REGION

PROBLEM_SHARE = 0.02
REGION_MISMATCH_SHARE = 0.75


def plant_problems(data, seed: int = 7):
    """Plant the problem mix (module docstring) in ``data.frames`` in place; returns ``data``."""
    rng = np.random.default_rng(seed)
    cust = data.frames["Customers"]
    n = len(cust)
    regions = np.array(sorted(set(PROVINCE_REGION.values())), dtype=object)
    move = rng.random(n) < REGION_MISMATCH_SHARE
    shifted = (np.searchsorted(regions, cust["Region"].fillna(regions[0]).to_numpy())
               + rng.integers(1, len(regions), n)) % len(regions)
    cust["Region"] = np.where(move, regions[shifted], cust["Region"]).astype(object)

    bad = np.flatnonzero(rng.random(n) < PROBLEM_SHARE)
    kinds = rng.integers(0, 5, len(bad))
    cust["CreateTime"] = cust["CreateTime"].astype(object)
    for row, kind in zip(bad, kinds):
        if kind == 0:
            cust.at[row, "CreateTime"] = f"2024年13月{row % 28 + 1}日"      # not a date
        elif kind == 1:
            cust.at[row, "CustomerName"] = None
        elif kind == 2:
            cust.at[row, "Industry"] = "其它行业"
        elif kind == 3:
            code = str(cust.at[row, "CreditCode"] or "")
            if code and code[-1] != "*":
                cust.at[row, "CreditCode"] = code[:-1] + ("0" if code[-1] != "0" else "1")
        else:
            cust.at[row, "ContactPhone"] = "1381234"
    fu = data.frames["FollowUps"]
    bad = np.flatnonzero(rng.random(len(fu)) < PROBLEM_SHARE)
    fu["FollowUpTime"] = fu["FollowUpTime"].astype(object)
    for i, row in enumerate(bad):
        if i % 2:
            fu.at[row, "CustomerID"] = f"C19990101{i % 1000:03d}"
        else:
            fu.at[row, "FollowUpTime"] = "上周三"
    return data
