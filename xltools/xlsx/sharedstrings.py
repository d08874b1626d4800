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

_T_RE = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>")
# A worksheet cell holding a shared string, and its index (led by t="s": far rarer than "<c").
CELL_INDEX = re.compile(rb't="s"[^>]*>\s*<v>(\d+)</v>')
# An item that is one plain run, its text (still XML-escaped) in group "t".
_PLAIN = r"^\s*>\s*<t(?:\s[^>]*)?>(?P<t>[^<]*)</t>\s*</si>"


class SharedStrings:
    """The items of ``sharedStrings.xml`` (``<si>...</si>`` or ``<si/>``), in order."""

    def __init__(self, data: bytes):
        # "<si" opens an item and nothing else in this part ("<sst", "<sz" differ in the
        # second letter; text cannot hold "<"): piece i + 1 is item i.
        self.items = data.split(b"<si")[1:]

    def __len__(self) -> int:
        return len(self.items)

    def text(self, i: int) -> str:
        """Item ``i``'s text: its runs joined, entities decoded."""
        return html.unescape(b"".join(_T_RE.findall(self.items[i])).decode("utf-8"))

    def candidates(self, pattern: str) -> list[int]:
        """The items whose text may match ``pattern`` (RE2 syntax, searched anywhere): those
        whose plain text does, and every rich-text item or item with a character reference."""
        try:
            import pyarrow as pa
            import pyarrow.compute as pc
            items = pa.array(self.items, type=pa.binary()).cast(pa.string())
        except Exception:  # noqa: BLE001 - not UTF-8, or no pyarrow: look at every item
            return list(range(len(self.items)))
        plain = pc.struct_field(pc.extract_regex(items, _PLAIN), "t")   # null: no match
        maybe = pc.or_kleene(pc.match_substring_regex(plain, pattern),
                             pc.match_substring(plain, "&#"))
        maybe = pc.fill_null(maybe, True)          # not one plain run: parse it
        return pc.indices_nonzero(maybe).to_pylist()
