"""What ``mask`` asks of the file backend beyond cell updates (``Changeset.scrub_package`` and
``purge_backups``): mask personal data the tables do not model, and delete the backups that still
hold the raw values once the masked book is safely saved.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from ..xlsx.package import Package
from ..xlsx.parts import PartStore
from ..xlsx.refs import col_letter, split_ref
from ..core.privacy import MAY_HOLD, MAY_HOLD_RE2, scrub, scrub_value
from ..xlsx.scrub import Masker, Report, Target, scrub_package
from . import frames, history


def targets(pkg: Package, schema) -> tuple[list[Target], set[str]]:
    """The tables with masked columns (for formulas that read them) and every sheet that holds
    a managed table (their cells are the tables' business: ``mask`` updates them one by one)."""
    out, managed = [], set()
    for table in schema.tables:
        info = pkg.table(table.table_name)
        if info is None:
            continue
        managed.add(info.sheet.name)
        masked = {c.key for c in table.columns if c.mask}
        if not masked:
            continue
        (c1, _), _ = split_ref(info.ref)
        positions = frames.match_headers(info.columns, table)
        letters = {col_letter(c1 + p) for p, k in positions.items() if k in masked}
        headers = {info.columns[p] for p, k in positions.items() if k in masked}
        out.append(Target(info.sheet.name, info.name, letters, headers))
    return out, managed


def scrub_book(pkg: Package, parts: PartStore, schema, *, apply: bool = True) -> Report:
    found, managed = targets(pkg, schema)
    masker = Masker(scrub, scrub_value, MAY_HOLD, MAY_HOLD_RE2)
    return scrub_package(pkg, parts, found, managed, masker, apply=apply)


def raw_outside_tables(path: Path, schema) -> Report:
    """Count personal data outside the managed tables of the book at ``path`` (nothing written)."""
    with Package(path) as pkg:
        return scrub_book(pkg, PartStore(pkg), schema, apply=False)


def purge_backups(path: Path) -> int:
    """Delete every kept state of ``path`` but the one it is in now (a mask was just saved: the
    earlier states hold the raw values it masked). The caller holds the book's lock."""
    path = Path(path)
    now = history.current(path)
    gone = 0
    for snap in history.list_backups(path):
        if snap.n != now:
            with contextlib.suppress(OSError):
                history.remove_backup(path, snap.n)
                gone += 1
    return gone
