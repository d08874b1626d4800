"""A team's master book for team-mode tests: the demo data, a Team sheet with one lead, and
helpers that edit a member's book the way a person would (openpyxl, tables grown by hand)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from xltools.demo import demo_data
from xltools.template import build_template

TODAY = dt.date(2026, 11, 20)


def team_master(path: Path, customers: int = 120, seed: int = 7, mess: bool = False,
                lead: str | None = None, team: list[str] | None = None) -> dict:
    """Write a master book; the first staff member leads a team of the next ``len(team)``.
    Returns {"staff": [...], "lead": name, "team": [...]}."""
    data = demo_data(n_customers=customers, seed=seed, today=TODAY, mess=mess)
    staff = [s for s in data.lists["Staff"] if s != "公海"]
    lead = lead or staff[0]
    team = team if team is not None else staff[1:3]
    rows = [{"Staff": lead, "Role": "主管", "Team": "一组"}]
    rows += [{"Staff": s, "Role": "销售代表", "Team": "一组" if s in team else "二组"}
             for s in staff if s != lead]
    frames = dict(data.frames)
    frames["Team"] = pd.DataFrame(rows)
    build_template(path, lang="zh", data=SimpleNamespace(frames=frames, lists=data.lists))
    return {"staff": staff, "lead": lead, "team": team}


class Sheet:
    """One table of an openpyxl workbook, addressed by header text."""

    def __init__(self, wb, title: str):
        self.ws = wb[title]
        self.cols = {c.value: c.column for c in self.ws[1] if c.value}
        self.table = next(iter(self.ws.tables.values()))

    def last_row(self) -> int:
        return int(re.search(r"(\d+)$", self.table.ref).group(1))

    def find(self, header: str, value) -> int:
        for r in range(2, self.last_row() + 1):
            if self.ws.cell(r, self.cols[header]).value == value:
                return r
        raise KeyError(value)

    def get(self, row: int, header: str):
        return self.ws.cell(row, self.cols[header]).value

    def set(self, row: int, header: str, value) -> None:
        self.ws.cell(row, self.cols[header]).value = value

    def add(self, values: dict) -> int:
        """Type a row under the table; the table grows over it, as Excel's does."""
        row = self.last_row() + 1
        for k, v in values.items():
            self.set(row, k, v)
        self.table.ref = re.sub(r"\d+$", str(row), self.table.ref)
        if self.table.autoFilter is not None:
            self.table.autoFilter.ref = self.table.ref
        return row

    def delete(self, row: int) -> None:
        """Excel's Delete Table Rows: the rows below move up, the table shrinks by one."""
        self.ws.delete_rows(row)
        last = self.last_row() - 1
        self.table.ref = re.sub(r"\d+$", str(last), self.table.ref)
        if self.table.autoFilter is not None:
            self.table.autoFilter.ref = self.table.ref

    def ids(self, header: str) -> list:
        return [self.ws.cell(r, self.cols[header]).value for r in range(2, self.last_row() + 1)]
