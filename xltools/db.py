"""The in-memory picture of one workbook: every managed table as a DataFrame, plus the book's own
Lists, Rules and Settings (which win over ``schemas/`` at run time).

Backends build a :class:`CustomerDB`; routines read it and never write it back themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .changes import Issue
from .schema import Schema


@dataclass
class TableFrame:
    """One Excel table (ListObject) as loaded.

    ``df`` has one column per schema key found in the header (plus any extra columns the team
    added, under their header text); its index is the Excel row number of each record, so every
    message can point at a cell. ``headers`` maps column key -> the header text in this book;
    ``letters`` maps column key -> the sheet column letter.
    """

    key: str
    table_name: str
    sheet: str
    ref: str
    df: pd.DataFrame
    headers: dict[str, str] = field(default_factory=dict)
    letters: dict[str, str] = field(default_factory=dict)
    extra_columns: list[str] = field(default_factory=list)

    @property
    def header_row(self) -> int:
        from .xlsx.refs import split_ref
        return split_ref(self.ref)[0][1]


@dataclass
class CustomerDB:
    path: Path | None
    schema: Schema
    lang: str
    tables: dict[str, TableFrame]
    lists: dict[str, list[str]]
    settings: dict[str, str]
    load_issues: list[Issue] = field(default_factory=list)

    def df(self, key: str) -> pd.DataFrame:
        return self.tables[key].df

    @property
    def customers(self) -> pd.DataFrame:
        return self.df("Customers")

    @property
    def rules(self) -> pd.DataFrame:
        return self.df("Rules")

    def setting(self, name: str, cast=int):
        """A Settings value, falling back to the schema default when blank or unreadable."""
        defaults = self.schema.setting_defaults()
        raw = self.settings.get(name) or defaults.get(name)
        try:
            return cast(raw)
        except (TypeError, ValueError):
            return cast(defaults[name])

    def sheet_of(self, table_key: str) -> str:
        return self.tables[table_key].sheet

    def cell_ref(self, table_key: str, row: int, column: str) -> str:
        """``'客户基础信息'!F12`` for a hyperlink or a message."""
        t = self.tables[table_key]
        letter = t.letters.get(column, "A")
        sheet = t.sheet.replace("'", "''")
        return f"'{sheet}'!{letter}{row}"
