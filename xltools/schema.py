"""The database definition, loaded from ``schemas/*.yaml``.

Everything else (the template, validation, the loader's header matching, CLI help) reads the
tables, columns and lists from here, so a column is described exactly once.

>>> s = load_schema()
>>> s.table("Customers").table_name
'tblCustomers'
>>> s.table("Customers").column("ContactPhone").mask
'phone'
>>> s.list_values("Region")[:3]
['华北', '东北', '华东']
"""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

LANGS = ("zh", "en")
COLUMN_TYPES = {"text", "id", "date", "datetime", "number", "integer", "list", "phone", "email",
                "code", "fingerprint"}
MASK_KINDS = {"phone", "idcard", "email"}


def schema_dir() -> Path:
    """Where the YAML lives: ``$XLTOOLS_SCHEMAS``, else ``schemas/`` shipped with the package."""
    env = os.environ.get("XLTOOLS_SCHEMAS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent / "schemas"


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    type: str = "text"
    required: bool = False
    list: str | None = None
    mask: str | None = None
    hidden: bool = False
    width: float = 12
    help_zh: str = ""
    help_en: str = ""
    unique: bool = False
    pattern: str | None = None
    format: str | None = None
    min: float | None = None
    references: str | None = None

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def help(self, lang: str) -> str:
        return self.help_zh if lang == "zh" else self.help_en

    @property
    def is_date(self) -> bool:
        return self.type in ("date", "datetime")

    @property
    def is_numeric(self) -> bool:
        return self.type in ("number", "integer")


@dataclass(frozen=True)
class Table:
    key: str
    table_name: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    id_column: str | None = None
    id_prefix: str | None = None
    generated: bool = False
    hidden: bool = False           # on a very hidden sheet (TeamBase): the tools' own records

    def title(self, lang: str) -> str:
        """The sheet title in a book of this language."""
        return self.zh if lang == "zh" else self.en

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(f"{self.key} has no column {key!r}")

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def headers(self, lang: str) -> list[str]:
        return [c.label(lang) for c in self.columns]


@dataclass(frozen=True)
class ListDef:
    key: str
    zh: str
    en: str
    values: tuple[str, ...]

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    @property
    def defined_name(self) -> str:
        """The workbook-level name dropdowns refer to, e.g. ``lst_Region``."""
        return f"lst_{self.key}"


@dataclass(frozen=True)
class SheetDef:
    key: str
    zh: str
    en: str
    name: str
    table: str | None = None

    def title(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Schema:
    tables: tuple[Table, ...]
    lists: tuple[ListDef, ...]
    sheets: tuple[SheetDef, ...]
    rules: tuple[dict, ...] = field(default=())
    settings: tuple[dict, ...] = field(default=())

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key or t.table_name == key:
                return t
        raise KeyError(f"no table {key!r}")

    def list(self, key: str) -> ListDef:
        for lst in self.lists:
            if lst.key == key:
                return lst
        raise KeyError(f"no list {key!r}")

    def list_values(self, key: str) -> list[str]:
        return list(self.list(key).values)

    def sheet(self, key: str) -> SheetDef:
        for s in self.sheets:
            if s.key == key:
                return s
        raise KeyError(f"no sheet {key!r}")

    @property
    def data_tables(self) -> list[Table]:
        """The four tables the team fills in (Customers, FollowUps, Tags, Opportunities)."""
        return [t for t in self.tables if t.key in DATA_TABLES]

    def setting_defaults(self) -> dict[str, str]:
        return {s["Setting"]: str(s["Value"]) for s in self.settings}


DATA_TABLES = ("Customers", "FollowUps", "Tags", "Opportunities")


def _column(raw: dict) -> Column:
    raw = dict(raw)
    help_ = raw.pop("help", None) or {}
    if set(help_) - set(LANGS):  # YAML flow style cuts an unquoted text at an ASCII comma
        raise ValueError(f"column {raw.get('key')}: help has keys {sorted(set(help_) - set(LANGS))}"
                         "; quote a help text that holds a comma")
    col = Column(help_zh=help_.get("zh", ""), help_en=help_.get("en", ""), **raw)
    if col.type not in COLUMN_TYPES:
        raise ValueError(f"column {col.key}: unknown type {col.type!r}")
    if col.mask and col.mask not in MASK_KINDS:
        raise ValueError(f"column {col.key}: unknown mask {col.mask!r}")
    if col.type == "list" and not col.list:
        raise ValueError(f"column {col.key}: type list needs a list")
    return col


def _read_yaml(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


@functools.lru_cache(maxsize=4)
def synonyms_doc(path: str | None = None) -> dict:
    """``synonyms.yaml`` as read (header synonyms, list value aliases, place columns): the importer
    maps headers with it and conditions accept its names for columns. ``{}`` when missing."""
    path = Path(path) if path else schema_dir() / "synonyms.yaml"
    return _read_yaml(path) if path.exists() else {}


@functools.lru_cache(maxsize=4)
def load_schema(directory: str | os.PathLike | None = None) -> Schema:
    """Read ``tables.yaml``, ``lists.yaml`` and ``rules.yaml`` and check they agree."""
    base = Path(directory) if directory else schema_dir()
    tables_doc = _read_yaml(base / "tables.yaml")
    lists_doc = _read_yaml(base / "lists.yaml")
    rules_doc = _read_yaml(base / "rules.yaml")

    tables = []
    for raw in tables_doc["tables"]:
        raw = dict(raw)
        columns = tuple(_column(c) for c in raw.pop("columns"))
        source = raw.pop("columns_from", None)
        if source:  # an archive of another table: its own columns, then that table's, relaxed
            base_table = next(t for t in tables if t.key == source)
            columns += tuple(dataclasses.replace(c, required=False, unique=False, pattern=None,
                                                 references=None) for c in base_table.columns)
        tables.append(Table(table_name=raw.pop("table"), columns=columns, **raw))
    lists = tuple(ListDef(values=tuple(str(v) for v in raw.pop("values")), **raw)
                  for raw in (dict(r) for r in lists_doc["lists"]))
    sheets = tuple(SheetDef(**raw) for raw in tables_doc.get("sheets", []))
    schema = Schema(tables=tuple(tables), lists=lists, sheets=sheets,
                    rules=tuple(rules_doc.get("rules", [])),
                    settings=tuple(rules_doc.get("settings", [])))
    _check(schema)
    return schema


def _check(schema: Schema) -> None:
    list_keys = {lst.key for lst in schema.lists}
    seen_tables = set()
    for table in schema.tables:
        if table.table_name in seen_tables:
            raise ValueError(f"duplicate table name {table.table_name}")
        seen_tables.add(table.table_name)
        keys = [c.key for c in table.columns]
        if len(keys) != len(set(keys)):
            raise ValueError(f"{table.key}: duplicate column keys")
        for lang in LANGS:
            labels = table.headers(lang)
            if len(labels) != len(set(labels)):
                raise ValueError(f"{table.key}: duplicate {lang} headers")
        for col in table.columns:
            if col.list and col.list not in list_keys:
                raise ValueError(f"{table.key}.{col.key}: unknown list {col.list}")
