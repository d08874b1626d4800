"""Where one managed table sits in the package while the writer edits it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..xlsx.refs import make_ref


@dataclass
class Located:
    """Where one managed table sits now (kept current while the writer works)."""

    key: str
    name: str
    sheet_name: str
    sheet_part: str
    table_part: str
    header_row: int
    first_col: int
    last_col: int
    last_row: int
    positions: dict[str, int] = field(default_factory=dict)   # column key -> sheet column
    dirty: bool = False
    table_id: int = 0

    @property
    def ref(self) -> str:
        return make_ref(self.first_col, self.header_row, self.last_col, self.last_row)

    @property
    def columns(self) -> range:
        return range(self.first_col, self.last_col + 1)
