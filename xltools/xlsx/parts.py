"""A package being edited: the original members plus what changed, and the bookkeeping that
keeps relationships and content types consistent when parts are added or removed.

:class:`PartStore` is a mapping ``{member name: bytes}`` over an open :class:`Package`; reading a
member that did not change reads it from the zip, writing one records it. ``changed`` is what
:func:`xltools.xlsx.zipcopy.write_package` needs; everything else is copied raw.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping

from lxml import etree

from .package import (
    CT_NS,
    PKG_REL_NS,
    Package,
    parse_xml,
    q,
    relative,
    rels_path,
    to_xml,
)
from .sheetbody import flat

CONTENT_TYPES = "[Content_Types].xml"


class Pieces(list):
    """A part's new bytes as pieces (a big worksheet: views of its old bytes and its new rows),
    written out one after the other (:func:`~xltools.xlsx.zipcopy.write_package`) and joined only
    when someone reads the part, so a rewritten sheet is not held twice. A piece may be rows
    made only as they are written (:class:`~xltools.xlsx.sheetbody.LaterRows`)."""

    @property
    def made_later(self) -> bool:
        """True when some bytes are made as they are read: their size is known only then."""
        return not all(isinstance(p, (bytes, bytearray, memoryview)) for p in self)

    def flat(self) -> Iterator:
        """The bytes, one piece after the other (rows made later as they are made)."""
        return flat(self)

    def join(self) -> bytes:
        return b"".join(self.flat())


class PartStore(MutableMapping):
    def __init__(self, pkg: Package):
        self.pkg = pkg
        self.changed: dict[str, bytes | None] = {}
        self.added: list[str] = []

    # ------------------------------------------------------------------ mapping

    def __getitem__(self, name: str) -> bytes:
        if name in self.changed:
            data = self.changed[name]
            if data is None:
                raise KeyError(name)
            if isinstance(data, Pieces):
                data = self.changed[name] = data.join()
            return data
        if name in self.pkg:
            return self.pkg.read(name)
        raise KeyError(name)

    def buffer(self, name: str) -> bytes | bytearray:
        """``self[name]`` for a reader that only searches and slices it: a big part not changed
        yet is read as :meth:`Package.read_buffer` reads it (not held twice while it inflates)."""
        if name in self.changed or name not in self.pkg:
            return self[name]
        return self.pkg.read_buffer(name)

    def __setitem__(self, name: str, data: bytes) -> None:
        if name not in self.pkg and name not in self.added:
            self.added.append(name)
        self.changed[name] = data

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self.changed[name] = None

    def __contains__(self, name: object) -> bool:
        if name in self.changed:
            return self.changed[name] is not None
        return name in self.pkg

    def __iter__(self) -> Iterator[str]:
        for name in self.pkg.names:
            if self.changed.get(name, b"") is not None:
                yield name
        for name in self.added:
            if self.changed.get(name) is not None:
                yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def xml(self, name: str) -> etree._Element:
        """A fresh parse of a member (edit it, then store it back with :meth:`put_xml`)."""
        return parse_xml(self[name])

    def put_xml(self, name: str, root: etree._Element) -> None:
        self[name] = to_xml(root)

    def free_name(self, pattern: str) -> str:
        """The first ``pattern % n`` (n = 1, 2 ...) not taken: 'xl/worksheets/sheet%d.xml'."""
        n = 1
        while pattern % n in self:
            n += 1
        return pattern % n

    # ------------------------------------------------------------------ relationships

    def rels_root(self, part: str) -> etree._Element:
        path = rels_path(part)
        if path in self:
            return self.xml(path)
        return etree.Element(q("Relationships", PKG_REL_NS), nsmap={None: PKG_REL_NS})

    def add_rel(self, part: str, rel_type: str, target_part: str) -> str:
        """Relate ``part`` to ``target_part``; returns the new relationship id."""
        root = self.rels_root(part)
        used = {r.get("Id") for r in root}
        n = 1
        while f"rId{n}" in used:
            n += 1
        etree.SubElement(root, q("Relationship", PKG_REL_NS), Id=f"rId{n}", Type=rel_type,
                         Target=relative(part, target_part))
        self.put_xml(rels_path(part), root)
        return f"rId{n}"

    def remove_rels(self, part: str, ids: set[str]) -> None:
        path = rels_path(part)
        if path not in self or not ids:
            return
        root = self.xml(path)
        for r in list(root):
            if r.get("Id") in ids:
                root.remove(r)
        if len(root):
            self.put_xml(path, root)
        else:
            del self[path]

    # ------------------------------------------------------------------ content types

    def set_override(self, part: str, content_type: str) -> None:
        root = self.xml(CONTENT_TYPES)
        for el in root.iter(q("Override", CT_NS)):
            if el.get("PartName") == "/" + part:
                if el.get("ContentType") == content_type:
                    return
                el.set("ContentType", content_type)
                break
        else:
            etree.SubElement(root, q("Override", CT_NS), PartName="/" + part,
                             ContentType=content_type)
        self.put_xml(CONTENT_TYPES, root)

    def drop_override(self, part: str) -> None:
        root = self.xml(CONTENT_TYPES)
        for el in list(root.iter(q("Override", CT_NS))):
            if el.get("PartName") == "/" + part:
                root.remove(el)
                self.put_xml(CONTENT_TYPES, root)
                return

    def ensure_default(self, extension: str, content_type: str) -> None:
        root = self.xml(CONTENT_TYPES)
        for el in root.iter(q("Default", CT_NS)):
            if el.get("Extension", "").lower() == extension.lower():
                return
        el = etree.Element(q("Default", CT_NS), Extension=extension, ContentType=content_type)
        defaults = root.findall(q("Default", CT_NS))
        if defaults:
            defaults[-1].addnext(el)
        else:
            root.insert(0, el)
        self.put_xml(CONTENT_TYPES, root)
