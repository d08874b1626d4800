"""Edits of a table part (``xl/tables/tableN.xml``) beyond its ref: a new column at the right.

>>> from lxml import etree
>>> root = etree.fromstring('<table xmlns="%s" ref="A1:B3"><tableColumns count="2">'
...     '<tableColumn id="1" name="ID"/><tableColumn id="3" name="名称"/></tableColumns></table>'
...     % MAIN_NS)
>>> add_table_column(root, "微信号")
>>> [(c.get("id"), c.get("name")) for c in root.iter(q("tableColumn"))]
[('1', 'ID'), ('3', '名称'), ('4', '微信号')]
"""

from __future__ import annotations

from lxml import etree

from .package import MAIN_NS, q


def add_table_column(root: etree._Element, name: str) -> None:
    """Append a column named ``name`` (a fresh id, unique among the table's columns); the caller
    widens the table's ref and writes the header cell."""
    cols = root.find(q("tableColumns"))
    ids = [int(c.get("id", "0")) for c in cols]
    etree.SubElement(cols, q("tableColumn"), id=str(max(ids + [0]) + 1), name=name)
    cols.set("count", str(len(cols)))


def column_names(root: etree._Element) -> set[str]:
    return {c.get("name", "").casefold() for c in root.iter(q("tableColumn"))}


__all__ = ["MAIN_NS", "add_table_column", "column_names"]
