"""A synthetic sales team for demos, tests and benchmarks.

``demo_data()`` gives a small team (300 customers by default) as DataFrames that look typed in by
people: Chinese company names, 个人 customers, valid 统一社会信用代码 / 身份证号 with real division
codes, masked phones, follow-ups, tags and opportunities, all dated relative to ``today``. With
``mess=True`` (the default) it also carries the mess real books have (duplicates in many forms, bad
check digits, raw phone numbers, values outside the dropdowns, orphan follow-ups, dormant
customers ...), and lists every planted problem in ``DemoData.planted`` so tests can check that
validation, dedupe and the pool find exactly those.

``synthetic_frames()`` is the fast, vectorised generator for 100,000-customer benchmarks.

>>> data = demo_data(n_customers=60, seed=1, today=datetime.date(2024, 3, 15))
>>> sorted(data.frames)
['Customers', 'FollowUps', 'Opportunities', 'Tags']
>>> bool(data.frames["Customers"]["CustomerID"].str.match(r"^C\\d{11}$").mean() > 0.9)
True
>>> {"duplicate", "checksum", "dormant", "orphan_reference"} <= data.planted_kinds()
True
>>> demo_data(n_customers=60, seed=1, today=datetime.date(2024, 3, 15), mess=False).planted
[]
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from ..schema import DATA_TABLES, load_schema
from . import mess as _mess
from .data import DEMO_SALT, DEMO_SECRET, DemoData, demo_fingerprint_key
from .synthetic import synthetic_frames
from .team import Team, assign_ids, build_team, staff_list

def demo_data(n_customers: int = 300, seed: int = 20240315, today: datetime.date | None = None,
              mess: bool = True, secret: bytes = DEMO_SECRET) -> DemoData:
    """A seeded synthetic team; the same seed and ``today`` give the same data.

    ``mess=False`` gives the same team without any planted problem: every check passes.
    ``secret`` is the team key the fingerprints are made with (default: the public demo key), so
    a demo run can use the user's own key and ``reveal`` works on the demo book afterwards.
    """
    if n_customers < 1:
        raise ValueError("n_customers must be at least 1")
    if mess and n_customers < _mess.MIN_CUSTOMERS:
        raise ValueError(f"a messy demo needs at least {_mess.MIN_CUSTOMERS} customers")
    today_ts = pd.Timestamp(today or datetime.date.today()).normalize()
    from ..keys import fingerprint_key
    fp_key = fingerprint_key(secret, DEMO_SALT)
    team = build_team(np.random.default_rng(seed), n_customers, today_ts, fp_key)
    planter = _mess.Planter(team, np.random.default_rng([seed, 1]), today_ts, fp_key) \
        if mess else None
    if planter:
        planter.before_ids()
    assign_ids(team)
    if planter:
        planter.after_ids()
    frames = team_frames(team)
    planted = planter.resolve() if planter else []
    return DemoData(frames=frames, lists={"Staff": staff_list()}, planted=planted,
                    secret=secret)


def team_frames(team: Team) -> dict[str, pd.DataFrame]:
    """One DataFrame per data table, typed as a person would have typed the cells."""
    schema = load_schema()
    frames = {}
    for key in DATA_TABLES:
        table = schema.table(key)
        rows = [[rec.get(col) for col in table.keys] for rec in team.records(key)]
        df = pd.DataFrame(rows, columns=table.keys, dtype=object)
        for col in table.columns:
            if col.is_date:
                df[col.key] = pd.to_datetime(df[col.key])
            elif col.is_numeric:
                df[col.key] = pd.to_numeric(df[col.key]).astype(float)
        frames[key] = df
    return frames


__all__ = ["DEMO_SALT", "DEMO_SECRET", "DemoData", "demo_data", "demo_fingerprint_key",
           "synthetic_frames"]
