"""What a demo book is filled with, and the key its fingerprints were made with."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

DEMO_SECRET = b"xltools-demo-secret"


@dataclass
class DemoData:
    """What a demo book is filled with.

    ``frames``: one DataFrame per data table, columns = the schema's column keys in order.
    ``lists``: Lists sheet values that differ from ``schemas/lists.yaml`` (at least Staff).
    ``planted``: one dict per planted problem: kind, table, id, row (Excel row), column, detail,
    and for duplicates the ``group`` of records that are the same customer.
    ``secret``: the key the PhoneFP / CreditCodeFP / EmailFP fingerprints were made with.
    """

    frames: dict[str, pd.DataFrame]
    lists: dict[str, list[str]]
    planted: list[dict] = field(default_factory=list)
    secret: bytes = DEMO_SECRET

    def planted_kinds(self) -> set[str]:
        return {p["kind"] for p in self.planted}

    def planted_of(self, kind: str) -> list[dict]:
        return [p for p in self.planted if p["kind"] == kind]
