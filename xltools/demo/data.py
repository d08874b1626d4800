"""What a demo book is filled with, and the key its fingerprints were made with."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

# The demo's key and salt are public (they are in this file): strong enough for the key rule,
# never a key for real data. Demo books carry DEMO_SALT in Settings, so their fingerprints are
# the ones ``mask`` would write under DEMO_SECRET.
DEMO_SECRET = b"xltools-demo-secret-not-for-real-data-7Qm2Vx9LpR4tK8wZ3nB6yH1cJ5fD0sGa"
DEMO_SALT = "eGx0b29scy1kZW1vLXNhbHQ="


def demo_fingerprint_key() -> bytes:
    """The key the demo's fingerprints are made with (DEMO_SECRET under DEMO_SALT)."""
    from ..keys import fingerprint_key
    return fingerprint_key(DEMO_SECRET, DEMO_SALT)


@dataclass
class DemoData:
    """What a demo book is filled with.

    ``frames``: one DataFrame per data table, columns = the schema's column keys in order.
    ``lists``: Lists sheet values that differ from ``schemas/lists.yaml`` (at least Staff).
    ``planted``: one dict per planted problem: kind, table, id, row (Excel row), column, detail,
    and for duplicates the ``group`` of records that are the same customer.
    ``secret``: the team key (XLTOOLS_SECRET) of the book; ``salt``: the book's fingerprint salt
    (Settings); ``fingerprint_key``: what the PhoneFP / CreditCodeFP / EmailFP were made with.
    """

    frames: dict[str, pd.DataFrame]
    lists: dict[str, list[str]]
    planted: list[dict] = field(default_factory=list)
    secret: bytes = DEMO_SECRET
    salt: str = DEMO_SALT

    @property
    def fingerprint_key(self) -> bytes:
        from ..keys import fingerprint_key
        return fingerprint_key(self.secret, self.salt)

    def planted_kinds(self) -> set[str]:
        return {p["kind"] for p in self.planted}

    def planted_of(self, kind: str) -> list[dict]:
        return [p for p in self.planted if p["kind"] == kind]
