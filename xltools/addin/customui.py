"""The add-in's ribbon (``customUI/customUI.xml``), generated from the operations registry.

One 客户管理 tab; one group per ``registry.GROUPS`` entry that has buttons; one large button per
operation with ``ribbon=True``. Every button calls the same VBA callback, which reads the button's
``tag`` (the operation id) and hands it to Python, so adding an operation adds a button and needs
no VBA edit::

    >>> from xltools.catalog import operations
    >>> b'onAction="XlToolsRibbonAction"' in ribbon_xml(operations())
    True
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from ..registry import GROUPS, Operation

NAMESPACE = "http://schemas.microsoft.com/office/2006/01/customui"
RELATIONSHIP_TYPE = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
CALLBACK = "XlToolsRibbonAction"   # a Public Sub in macros/xltools_ribbon.bas
TAB_ID = "xltoolsTab"
TAB_LABEL = "客户管理"
_MAX_TEXT = 1024                   # Office's limit for label, screentip, supertip and tag


@functools.cache
def known_icons() -> frozenset[str]:
    """Microsoft's published control ids (``imagemso.txt`` says where they come from)."""
    text = (Path(__file__).with_name("imagemso.txt")).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def control_id(kind: str, key: str) -> str:
    """A valid, readable ribbon id (an XML NCName): ``xlt_btn_auto_tag`` for ``auto-tag``."""
    return f"xlt_{kind}_" + re.sub(r"[^A-Za-z0-9_]", "_", key)


def _text(value: str) -> str:
    return value if len(value) <= _MAX_TEXT else value[:_MAX_TEXT - 1] + "…"


def ribbon_xml(ops: Iterable[Operation], *, callback: str = CALLBACK) -> bytes:
    """The customUI document (UTF-8) for ``ops``. Raises ValueError if two ids would collide."""
    ribbon_ops = [op for op in ops if op.ribbon]
    ui = etree.Element(f"{{{NAMESPACE}}}customUI", nsmap={None: NAMESPACE})
    tabs = etree.SubElement(etree.SubElement(ui, f"{{{NAMESPACE}}}ribbon"), f"{{{NAMESPACE}}}tabs")
    tab = etree.SubElement(tabs, f"{{{NAMESPACE}}}tab", id=TAB_ID, label=TAB_LABEL)
    used: dict[str, str] = {}
    for key, (label_zh, _label_en) in GROUPS.items():
        members = [op for op in ribbon_ops if op.group == key]
        if not members:
            continue
        group = etree.SubElement(tab, f"{{{NAMESPACE}}}group", id=control_id("grp", key),
                                 label=_text(label_zh))
        for op in members:
            button_id = control_id("btn", op.id)
            if button_id in used:
                raise ValueError(f"operations {used[button_id]!r} and {op.id!r} would share the "
                                 f"ribbon id {button_id!r}")
            used[button_id] = op.id
            if op.icon not in known_icons():   # Office would draw a blank or report a UI error
                raise ValueError(f"operation {op.id!r}: {op.icon!r} is not a Microsoft control id "
                                 "(xltools/addin/imagemso.txt)")
            etree.SubElement(
                group, f"{{{NAMESPACE}}}button",
                id=button_id, tag=op.id, size="large", imageMso=op.icon, onAction=callback,
                label=_text(op.label_zh),
                screentip=_text(f"{op.label_zh} / {op.label_en}"),
                supertip=_text(f"{op.help_zh}\n{op.help_en}"),
            )
    return etree.tostring(ui, xml_declaration=True, encoding="UTF-8", standalone=True,
                          pretty_print=True)
