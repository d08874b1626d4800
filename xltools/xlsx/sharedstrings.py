"""The shared-string table as items, for a scan that looks at almost none of them closely.

A 100,000-customer book holds over a million shared strings (every ID, name and remark typed in
any cell). To find the few holding personal data, each item would be parsed (runs joined,
entities decoded) and matched in Python. :class:`SharedStrings` instead splits the table into its
items in C, and :meth:`SharedStrings.candidates` asks Arrow's regular expressions (RE2, in C++)
which items *may* hold what a caller looks for; only those are parsed. The test is a superset
by construction: an item with rich-text runs or a character reference (``&#49;`` is a hidden
"1") is always a candidate, since its text is only known once parsed.

>>> sst = SharedStrings(b'<sst><si><t>13900770000</t></si><si/><si><t>C20240315001</t></si>'
...                     b'<si><r><t>139</t></r><r><t>00770000</t></r></si></sst>')
>>> len(sst), [sst.text(i) for i in range(len(sst))]
(4, ['13900770000', '', 'C20240315001', '13900770000'])
>>> sst.candidates(r"(?:^|[^0-9A-Za-z])\\d{7}")     # the empty item: parsed, not matched
[0, 1, 3]
"""

from __future__ import annotations

import html
import re
import numpy as np

from .re2 import matcher, regions

_T_RE = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>")
# A worksheet cell holding a shared string, and its index (led by t="s": far rarer than "<c"),
# without leading zeros: <v>007</v> is item 7 to a reader, and to whoever compares indexes; in a
# sheet written with a namespace prefix (<x:v>) too, or the scrub would blank a string such a
# cell still shows.
_CELL_INDEX = r't="s"[^>]*>\s*<(?:v|[\w.-]+:v)>0*(%s)</(?:v|[\w.-]+:v)>'
CELL_INDEX = re.compile((_CELL_INDEX % r"\d+").encode())

# An item that is one plain run, its text (still XML-escaped) in group "t".
_PLAIN = r"^\s*>\s*<t(?:\s[^>]*)?>(?P<t>[^<]*)</t>\s*</si>"
# What follows "<si" up to the item's end: "/>" or ">...</si>" (an item holds no "<si").
_ITEM = re.compile(rb"\s*(?:/>|>.*?</si>)", re.S)


def indexes_used(pieces, among: set[bytes]) -> set[bytes]:
    """Which shared-string indexes of ``among`` (as written, b"12") a sheet's cells hold
    (:data:`CELL_INDEX`), from its XML in ``pieces`` (a stream of chunks as they inflate): each
    chunk is searched up to its last "</c>", the rest carried over, so no cell is cut in two and
    no sheet is held whole. Tens of megabytes of chunks at a time are first screened by Arrow's
    RE2 for a cell holding one of ``among`` (:func:`_screen`: the 200 MB follow-up sheet in a
    third of the time ``re`` takes to list its 3.5 million indexes); ``re`` reads the few
    chunks it flags.

    >>> sorted(indexes_used([b'<c t="s"><v>1</v></c><c t="s"><v', b'>2</v></c>'], {b"2", b"3"}))
    [b'2']
    """
    used: set[bytes] = set()
    screen = None                 # made for a big sheet (False: re reads it all)
    batch, ends = None, []        # chunks copied one after the other, and where each ends
    seen = 0
    for chunk in _cells_whole(pieces):
        seen += len(chunk)
        if screen is None and seen >= _SCREEN_FROM:
            screen = _screen(among) or False
        if not screen:                              # (a small sheet: re at once)
            used |= among.intersection(CELL_INDEX.findall(chunk))
            continue
        if batch is None:                           # (one buffer, filled again and again)
            batch = bytearray(max(_BATCH, len(chunk)))
        start = ends[-1] if ends else 0
        if start + len(chunk) > len(batch):
            used |= _screened(batch, ends, among, screen)
            start, ends = 0, []
            if len(chunk) > len(batch):
                batch = bytearray(len(chunk))
        batch[start:start + len(chunk)] = chunk
        ends.append(start + len(chunk))
    return used | _screened(batch, ends, among, screen) if ends else used


_BATCH = 32 << 20           # screened at once (RE2 makes its automaton again at each call)
_SCREEN_FROM = 2 << 20      # a sheet this small is searched by re (the automaton costs more)
# More distinct leading digits than this make an automaton RE2 runs slower than re: 4,959
# masked phones of the bench book make 9,821 (the 200 MB sheet screened in 0.2 s, re: 0.45 s);
# 5,000 indexes spread over a million, 14,902 (0.8 s).
_SCREEN_NODES = 10_000


def _cells_whole(pieces):
    """The stream cut after its last "</c>" each time (then no cell is cut in two)."""
    carry = b""
    for piece in pieces:
        buf = carry + bytes(piece)
        last = buf.rfind(b"</c>")
        cut = last + 4 if last >= 0 else 0
        yield memoryview(buf)[:cut]
        carry = buf[cut:]
    yield carry


def _screened(batch: bytearray, ends: list[int], among: set[bytes], screen) -> set[bytes]:
    """The indexes of ``among`` held by the chunks in ``batch`` (ending at ``ends``): ``re``
    reads the chunks RE2 flags."""
    view, starts = memoryview(batch), [0, *ends[:-1]]
    return {i for start, end, hit in zip(starts, ends, screen(batch, ends)) if hit
            for i in among.intersection(CELL_INDEX.findall(view, start, end))}


def _screen(among: set[bytes]):
    """``flags(data, ends)``: for each chunk of ``data`` (ending at ``ends``), whether a cell in
    it may hold one of ``among``: :data:`CELL_INDEX` with the indexes spelled out, in RE2 syntax
    (a chunk it passes over holds none). None without pyarrow, for indexes not all digits, and
    for too many (:data:`_SCREEN_NODES`)."""
    if not among or not all(i.isdigit() for i in among) or \
            len({i[:n] for i in among for n in range(1, len(i) + 1)}) > _SCREEN_NODES:
        return None
    # (RE2's \s lacks the \v re's has)
    matches = matcher(_CELL_INDEX.replace(r"\s", r"[\s\v]") % "|".join(
        i.decode() for i in sorted(among)))
    return lambda data, ends: matches(data, [0, *ends])


class SharedStrings:
    """The items of ``sharedStrings.xml`` (``<si>...</si>`` or ``<si/>``), in order, found where
    they start in the part as it is: a million items are neither copied nor made Python objects
    (a 100k book's 41 MB table took 240 MB more as a list of pieces and their Arrow copy)."""

    def __init__(self, data: bytes):
        self.data = data
        # "<si" opens an item and nothing else in this part ("<sst", "<sz" differ in the
        # second letter; text cannot hold "<"): item i runs from after its "<si" to the next.
        self.starts = _item_starts(data)

    def __len__(self) -> int:
        return len(self.starts)

    def item(self, i: int) -> bytes:
        """Item ``i`` as written, without its leading "<si" (the last one runs to the end)."""
        end = int(self.starts[i + 1]) if i + 1 < len(self.starts) else len(self.data)
        return bytes(self.data[int(self.starts[i]) + 3:end])

    def text(self, i: int) -> str:
        """Item ``i``'s text: its runs joined, entities decoded."""
        return html.unescape(b"".join(_T_RE.findall(self.item(i))).decode("utf-8"))

    def candidates(self, pattern: str) -> list[int]:
        """The items whose text may match ``pattern`` (RE2 syntax, searched anywhere): those
        whose plain text does, and every rich-text item or item with a character reference."""
        try:
            import pyarrow as pa
            import pyarrow.compute as pc
            # item i as Arrow sees it: from after its "<si" through the next "<si", which no
            # test below reads (_PLAIN stops at "</si>")
            items = regions(self.data, np.append(self.starts + 3, len(self.data))
                            ).cast(pa.large_string())
        except Exception:  # noqa: BLE001 - not UTF-8, or no pyarrow: look at every item
            return list(range(len(self)))
        plain = pc.struct_field(pc.extract_regex(items, _PLAIN), "t")   # null: no match
        maybe = pc.or_kleene(pc.match_substring_regex(plain, pattern),
                             pc.match_substring(plain, "&#"))
        maybe = pc.fill_null(maybe, True)          # not one plain run: parse it
        return pc.indices_nonzero(maybe).to_pylist()

    def replaced(self, texts: dict[int, str]) -> bytes:
        """The part with item ``i`` made one plain run holding ``texts[i]`` ('' blanks it) for
        each ``i`` it has; every other item, and so every index, stays as it was. Spliced as
        bytes, so the other million items are neither parsed nor written again; a part not laid
        out as this class reads it (a namespace prefix) is edited as a tree instead."""
        data = self.data
        head = data[:int(self.starts[0])] if len(self) else data
        if b"<sst" not in head:
            return _replace_in_tree(bytes(data), texts)
        view, out, done = memoryview(data), [], 0
        for i in sorted(texts):
            if not 0 <= i < len(self):
                continue
            start = int(self.starts[i]) + 3
            piece = self.item(i)
            end = _ITEM.match(piece) if piece[:1] in b" \t\r\n>/" else None
            if end is None:
                return _replace_in_tree(bytes(data), texts)
            text = texts[i]
            run = (b'<t xml:space="preserve">' + html.escape(text, quote=False).encode("utf-8")
                   + b"</t>") if text else b"<t/>"
            out += [view[done:start], b">" + run + b"</si>"]
            done = start + end.end()
        return b"".join([*out, view[done:]])


def replace_items(data: bytes, texts: dict[int, str]) -> bytes:
    """``sharedStrings.xml`` with item ``i`` made one plain run holding ``texts[i]`` ('' blanks
    it) for each ``i`` it has (:meth:`SharedStrings.replaced`).

    >>> data = b'<sst><si><t>a</t></si><si/><si><r><t>b</t></r></si></sst>'
    >>> replace_items(data, {0: "", 2: "x&y"})
    b'<sst><si><t/></si><si/><si><t xml:space="preserve">x&amp;y</t></si></sst>'
    """
    return SharedStrings(data).replaced(texts)


_SI = np.frombuffer(b"<si", dtype=np.uint8)
_CHUNK = 4 << 20


def _item_starts(data) -> np.ndarray:
    """Where each "<si" of ``data`` starts, found a few megabytes at a time in numpy."""
    view = np.frombuffer(data, dtype=np.uint8)
    found = []
    for lo in range(0, len(view), _CHUNK):
        seg = view[lo:lo + _CHUNK + 2]
        if len(seg) < 3:
            break
        hit = (seg[:-2] == _SI[0]) & (seg[1:-1] == _SI[1]) & (seg[2:] == _SI[2])
        found.append(np.flatnonzero(hit[:_CHUNK]) + lo)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _replace_in_tree(data: bytes, texts: dict[int, str]) -> bytes:
    from lxml import etree

    from .package import parse_xml, q, to_xml
    root = parse_xml(data)
    items = root.findall(q("si"))
    for i, text in texts.items():
        if 0 <= i < len(items):
            item = items[i]
            for el in list(item):
                item.remove(el)
            run = etree.SubElement(item, q("t"))
            if text:
                run.text = text
                run.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return to_xml(root)
