"""Find the header of an exported sheet and map its columns to our column keys.

Exports put a title and an export date above the header, merge header cells, split the header
over two rows ("联系方式" over "手机 | 邮箱") and name columns in a dozen ways. The synonym table in
``schemas/synonyms.yaml`` plus the schema's own labels and keys say which names mean which column;
an optional mapping file (source header -> column key) overrides them.

>>> norm_header(" 客户名称（必填）* ")
'客户名称(必填)'
>>> syn = Synonyms.load()
>>> syn.lookup("ＴＥＬ"), syn.lookup("统一社会信用代码"), syn.lookup("年度消费(万元)")
('ContactPhone', 'CreditCode', 'AnnualSpend')
>>> unit_factor("年度消费(万元)"), unit_factor("金额(元)")
(10000, 1)
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..core.normalize import halfwidth, is_blank
from ..errors import BadInputError
from ..schema import Schema, load_schema, schema_dir, synonyms_doc

HEADER_SCAN_ROWS = 20
MIN_KEYS = 2  # a sheet needs at least this many recognised columns to count as customer data
IDENTITY_KEYS = ("CustomerName", "CreditCode", "ContactPhone")

# Punctuation and symbols people sprinkle on headers: "*客户名称", "手机:", "E-mail", "客户 名称".
_PUNCT = re.compile(r"[\s\*\:\-_/\\.·•、,;'\"`~!?#@&%^+=|<>\[\]{}【】《》“”‘’…—]+")
_NOTE = re.compile(r"\([^()]*\)$")
# A group label over a two-row header is often "客户信息", "联系方式": drop that tail before joining.
_GROUP_TAIL = re.compile(r"(信息|资料|情况|方式|明细|详情|info|information|details)$")
_WAN = re.compile(r"\((万|万元|万元人民币|w|10k)\)$", re.I)


def norm_header(text) -> str:
    """The comparable form of a header: half-width, case-folded, no spaces or punctuation.

    Brackets stay (as half-width ``(``/``)``) so a trailing note can be tried with and without.
    """
    if is_blank(text):
        return ""
    return _PUNCT.sub("", halfwidth(str(text))).casefold()


def unit_factor(header) -> int:
    """10000 when the header says its amounts are in 万 ("年度消费(万元)"), else 1."""
    return 10000 if _WAN.search(norm_header(header)) else 1


@dataclass
class Synonyms:
    """Header names -> column keys, and typed list values -> list values."""

    columns: dict[str, str]                       # normalised header -> key
    fallback: dict[str, tuple[str, ...]]          # normalised header -> keys, first free wins
    ignore: frozenset[str]
    values: dict[str, dict[str, str]]             # list key -> {normalised alias: value}
    keys: tuple[str, ...] = ()
    places: frozenset[str] = frozenset()          # city / province / address headers

    @classmethod
    def load(cls, schema: Schema | None = None, path: str | Path | None = None) -> "Synonyms":
        schema = schema or load_schema()
        path = str(path or schema_dir() / "synonyms.yaml")
        cache_key = (id(schema), path)  # Schema holds dicts (rules), so it is not hashable
        if cache_key not in _CACHE:
            _CACHE[cache_key] = (schema, _load(schema, path))
        return _CACHE[cache_key][1]

    def lookup(self, header) -> str | None:
        """The column key a header names, or None. Tries the header without a trailing note too."""
        name = norm_header(header)
        if not name:
            return None
        if name in self.columns:
            return self.columns[name]
        bare = _NOTE.sub("", name)
        return self.columns.get(bare)

    def candidates(self, header) -> tuple[str, ...]:
        """Keys a header may mean: one for a plain synonym, several for 姓名-like names."""
        key = self.lookup(header)
        if key:
            return (key,)
        name = norm_header(header)
        return self.fallback.get(name) or self.fallback.get(_NOTE.sub("", name), ())

    def ignored(self, header) -> bool:
        return norm_header(header) in self.ignore

    def is_place(self, header) -> bool:
        """A city, province or address column (kept in Remarks, read for the sales region)."""
        name = norm_header(header)
        return name in self.places or _NOTE.sub("", name) in self.places


_CACHE: dict[tuple[int, str], tuple[Schema, Synonyms]] = {}


def _load(schema: Schema, path: str) -> Synonyms:
    doc = synonyms_doc(path)
    table = schema.table("Customers")
    columns: dict[str, str] = {}
    for col in table.columns:
        for name in (col.key, col.zh, col.en):
            columns.setdefault(norm_header(name), col.key)
    for key, names in (doc.get("columns") or {}).items():
        table.column(key)  # a typo in the YAML fails loudly
        for name in names or ():
            columns.setdefault(norm_header(name), key)
    fallback = {norm_header(h): tuple(keys) for h, keys in (doc.get("fallback") or {}).items()}
    values = {}
    for list_key, groups in (doc.get("values") or {}).items():
        values[list_key] = {norm_header(alias): value
                            for value, aliases in groups.items() for alias in aliases}
    return Synonyms(columns=columns, fallback=fallback,
                    ignore=frozenset(norm_header(h) for h in doc.get("ignore") or ()),
                    values=values, keys=tuple(table.keys),
                    places=frozenset(norm_header(h) for h in doc.get("places") or ()))


# ---------------------------------------------------------------- mapping files


def load_mapping(path: str | Path, synonyms: Synonyms) -> dict[str, str]:
    """Read ``--mapping``: YAML ``{source header: column key}`` or a two-column CSV.

    The target may be a key or one of its labels (``联系电话``); an unknown target is an error
    rather than a column silently lost. Returns {normalised source header: key}.
    """
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as err:
        raise BadInputError(f"无法读取映射文件:{path}", f"cannot read the mapping file: {path}",
                            path=str(path)) from err
    from .sources import decode_text
    body = decode_text(text, path)
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        lines = body.splitlines()
        dialect = "excel-tab" if lines and "\t" in lines[0] else "excel"
        pairs = [row[:2] for row in csv.reader(lines, dialect) if len(row) >= 2]
    else:
        try:
            doc = yaml.safe_load(body) or {}
        except yaml.YAMLError as err:
            raise BadInputError(f"映射文件不是有效的 YAML:{path}",
                                f"the mapping file is not valid YAML: {path}", path=str(path)) from err
        if not isinstance(doc, dict):
            raise BadInputError(f"映射文件应为“原列名: 列键”的形式:{path}",
                                f"the mapping file should map source headers to column keys: {path}",
                                path=str(path))
        pairs = list(doc.items())
    mapping = {}
    for source, target in pairs:
        if is_blank(source) or is_blank(target):
            continue
        key = synonyms.lookup(target)
        if key is None:
            raise BadInputError(f"映射文件 {path.name}:未知的目标列“{target}”",
                                f"mapping file {path.name}: unknown target column {target!r}",
                                path=str(path))
        mapping[norm_header(source)] = key
    # A header row "source,target" is not a mapping.
    mapping.pop(norm_header("source"), None)
    return mapping


# ---------------------------------------------------------------- header detection


@dataclass
class Header:
    """Where a sheet's header is and what each of its columns means.

    ``rows`` are 0-based grid rows the header spans (one or two); data starts after the last.
    ``keys[i]`` is the column key of grid column ``i`` or None (kept in Remarks under ``labels[i]``).
    """

    rows: tuple[int, ...]
    labels: list[str]
    keys: list[str | None]
    factors: list[int] = field(default_factory=list)
    ignored: list[bool] = field(default_factory=list)

    @property
    def data_start(self) -> int:
        return self.rows[-1] + 1

    @property
    def found(self) -> set[str]:
        return {k for k in self.keys if k}


def _cell(row: list, i: int) -> str:
    v = row[i] if i < len(row) else None
    return "" if is_blank(v) else str(v).strip()


def _resolve(name: str, synonyms: Synonyms, mapping: dict[str, str]) -> tuple[str, ...]:
    n = norm_header(name)
    if not n:
        return ()
    if n in mapping:
        return (mapping[n],)
    return synonyms.candidates(name)


def _labels(top: list | None, bottom: list, width: int) -> list[str]:
    """Column labels of a one- or two-row header.

    With two rows, a blank bottom cell takes the top cell (a vertically merged header); a bottom
    label that means nothing alone is tried joined to its group ("联系人" + "电话").
    """
    if top is None:
        return [_cell(bottom, i) for i in range(width)]
    group, labels = "", []
    for i in range(width):
        t, b = _cell(top, i), _cell(bottom, i)
        group = t or group  # CSV exports leave a group label only in its first column
        labels.append(b if b else t)
        if b and group and group != b:
            labels[-1] = (group, b)  # decided in _assign, where synonyms are known
    return labels


def _assign(labels: list, synonyms: Synonyms, mapping: dict[str, str]) -> tuple[list[str], list]:
    """Pick a key for each column; each key goes to its first column, later ones become extras."""
    names: list[str] = []
    options: list[tuple[str, ...]] = []
    for label in labels:
        if isinstance(label, tuple):
            group, leaf = label
            opts = _resolve(leaf, synonyms, mapping)
            name = leaf
            if not opts:
                stem = _GROUP_TAIL.sub("", norm_header(group))
                for joined in (group + leaf, stem + leaf):
                    opts = _resolve(joined, synonyms, mapping)
                    if opts:
                        break
            names.append(name)
        else:
            opts = _resolve(label, synonyms, mapping)
            names.append(label)
        options.append(opts)
    keys: list[str | None] = [None] * len(labels)
    # Sure names first, then 姓名-like ones take the first key still free.
    for sure in (True, False):
        for i, opts in enumerate(options):
            if not opts or (len(opts) == 1) != sure:
                continue
            if len(opts) == 1:
                keys[i] = opts[0]
            else:
                taken = set(keys)
                keys[i] = next((k for k in opts if k not in taken), opts[0])
    return names, keys


def detect_header(grid: list[list], synonyms: Synonyms, mapping: dict[str, str] | None = None,
                  scan: int = HEADER_SCAN_ROWS) -> Header | None:
    """The header among the first ``scan`` rows: the one- or two-row span naming the most columns.

    Returns None when no span names at least ``MIN_KEYS`` columns including a customer's name,
    credit code or phone (a cover sheet, a pivot, an unrelated table).
    """
    mapping = mapping or {}
    width = max((len(r) for r in grid[:scan + 1]), default=0)
    best, best_score = None, (0, 0)
    for r in range(min(scan, len(grid))):
        if not any(_cell(grid[r], i) for i in range(width)):
            continue
        spans = [((r,), None)]
        if r > 0:
            spans.append(((r - 1, r), grid[r - 1]))
        for rows, top in spans:
            names, keys = _assign(_labels(top, grid[r], width), synonyms, mapping)
            found = {k for k in keys if k}
            # More columns named wins; on a tie the single row (a title above is not a header).
            score = (len(found), -len(rows))
            if score > best_score and found & set(IDENTITY_KEYS) and len(found) >= MIN_KEYS:
                best_score = score
                best = Header(rows=rows, labels=names, keys=keys)
    if best is None:
        return None
    best.factors = [unit_factor(n) for n in best.labels]
    best.ignored = [k is None and synonyms.ignored(n) for n, k in zip(best.labels, best.keys)]
    return best
