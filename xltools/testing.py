"""Helpers for tests: build a CustomerDB straight from DataFrames, no workbook needed.

Routines are pure, so most tests need only this. Rows get Excel row numbers 2, 3, ... as if each
table sat at A1 with its header on row 1.
"""

from __future__ import annotations

import pandas as pd

from .db import CustomerDB, TableFrame
from .schema import Schema, load_schema
from .xlsx.refs import col_letter, make_ref


def make_db(frames: dict[str, pd.DataFrame | list[dict]] | None = None, *,
            lists: dict[str, list[str]] | None = None, settings: dict[str, str] | None = None,
            lang: str = "zh", schema: Schema | None = None) -> CustomerDB:
    """A CustomerDB with every schema table present; ``frames`` fills the ones given.

    Missing columns are added blank, so a test only spells out the columns it cares about.
    """
    schema = schema or load_schema()
    frames = frames or {}
    tables = {}
    for table in schema.tables:
        given = frames.get(table.key)
        df = pd.DataFrame(given) if given is not None else pd.DataFrame(columns=table.keys)
        for key in table.keys:
            if key not in df.columns:
                df[key] = None
        df = df[table.keys + [c for c in df.columns if c not in table.keys]]
        df.index = pd.RangeIndex(2, 2 + len(df))
        ncols = len(table.columns)
        tables[table.key] = TableFrame(
            key=table.key, table_name=table.table_name, sheet=table.title(lang),
            ref=make_ref(1, 1, ncols, max(2, 1 + len(df))), df=df,
            headers={c.key: c.label(lang) for c in table.columns},
            letters={c.key: col_letter(i + 1) for i, c in enumerate(table.columns)},
            extra_columns=[c for c in df.columns if c not in table.keys])
    all_lists = {lst.key: list(lst.values) for lst in schema.lists}
    all_lists.update(lists or {})
    all_settings = schema.setting_defaults()
    all_settings.update(settings or {})
    return CustomerDB(path=None, schema=schema, lang=lang, tables=tables, lists=all_lists,
                      settings=all_settings)
