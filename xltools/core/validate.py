"""Validate a book: every problem at once, each pointing at its cell.

The checks (``xltools.core.checks``) become pandera column checks, one ``DataFrameSchema`` per table,
built from ``schemas/tables.yaml`` and the book's current Lists. pandera validates lazily and its
failure-case table (one row per failing cell) becomes a list of :class:`~xltools.changes.Issue`.
The result also carries what the book shows: the Issues sheet (one row per problem, with a link to
the cell) and one mark (fill + note) per problem cell; marks are a full list, so a cell that was
fixed loses its mark on the next run. Validation never changes a value.

>>> from xltools.testing import make_db
>>> db = make_db({"Customers": [{"CustomerID": "C20240315001", "CustomerName": "华腾科技",
...     "CustomerType": "企业", "CreditCode": "91110000600037341M", "ContactPerson": "王经理",
...     "ContactPhone": "138****5678", "Industry": "制造业", "CustomerLevel": "VIP",
...     "CooperationPhase": "意向客户", "Owner": "公海", "CreateTime": "2024-03-15"}]})
>>> result = validate(db, today=datetime.date(2024, 6, 1))
>>> [(i.row, i.column, i.check) for i in result.issues]
[(2, 'CreditCode', 'uscc')]
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import replace
from typing import Any

import pandas as pd
import pandera.pandas as pa

from ..changes import CellMark, Changeset, Issue, Result, TableReplace
from ..schema import DATA_TABLES
from . import privacy
from .checks import Context, Rule, check_modules, codes, fixed, severities, specs
from .checks.values import trimmed_text

ISSUES_TABLE = "Issues"
SEVERITY_LABEL = {"zh": {"error": "错误", "warning": "警告"},
                  "en": {"error": "error", "warning": "warning"}}
# Each check's (zh, en) label, from its module's CHECKS; "load" is a cell the loader could not read.
CHECK_LABEL = {**{name: (spec.label_zh, spec.label_en) for name, spec in specs().items()},
               "load": ("读取", "load")}


def build_rules(db, today: datetime.date, key: bytes | None = None) -> list[Rule]:
    """Every check for every data table of ``db``, bound to its frames."""
    ctx = Context(db=db, today=today)
    ctx.cache["key"] = key
    rules: list[Rule] = []
    for table_key in DATA_TABLES:
        if table_key not in db.tables:
            continue
        for module in check_modules():
            rules += module.rules(ctx, table_key)
    ctx.release_text()
    return rules


def check_names(rules: list[Rule]) -> dict[str, Rule]:
    """A unique pandera check name per rule (``Customers.CreditCode.uscc#12``), to map failures back."""
    return {f"{rule.name}#{i}": rule for i, rule in enumerate(rules)}


def build_schemas(named: dict[str, Rule]) -> dict[str, pa.DataFrameSchema]:
    """One lazy pandera schema per table, from :func:`check_names`."""
    columns: dict[str, dict[str, list[pa.Check]]] = {}
    for name, rule in named.items():
        columns.setdefault(rule.table, {}).setdefault(rule.column, []).append(
            pa.Check(rule.test, name=name, ignore_na=False))
    return {table: pa.DataFrameSchema(
                {col: pa.Column(nullable=True, required=False, checks=checks)
                 for col, checks in cols.items()}, name=table)
            for table, cols in columns.items()}


def _failing(db, named: dict[str, Rule]) -> dict[str, Rule]:
    """The rules some cell fails. A rule's test is a column of booleans computed once (see
    :class:`~xltools.core.checks.Rule`); one that passes everywhere gives pandera nothing to
    report, and a big book passes most of its hundred rules: pandera gets the others."""
    out = {}
    for name, rule in named.items():
        column = db.df(rule.table).get(rule.column)
        if column is None:              # pandera says what it cannot check
            out[name] = rule
            continue
        passed = rule.test(column)
        if not (isinstance(passed, pd.Series) and passed.dtype == bool and passed.all()):
            # pandera reads the answer computed here rather than computing it again
            out[name] = replace(rule, test=lambda s, answer=passed: answer)
    return out


def failure_cases(db, schemas: dict[str, pa.DataFrameSchema]) -> pd.DataFrame:
    """pandera's failure cases of every table: ``table, column, check, failure_case, index``."""
    frames = []
    for table, schema in schemas.items():
        df = db.df(table)
        # pandera copies the frame it validates (all of it, 500,000 follow-ups) unless told to
        # work in place; in place on a frame of the checked columns only (the book's own
        # columns, not copies), which pandera then marks as validated instead of the book's
        checked = pd.DataFrame({c: df[c] for c in df.columns if c in schema.columns}, copy=False)
        try:
            schema.validate(checked, lazy=True, inplace=True)
        except pa.errors.SchemaErrors as err:
            fc = err.failure_cases
            frames.append(fc.assign(table=table)[["table", "column", "check", "failure_case", "index"]])
    if not frames:
        return pd.DataFrame(columns=["table", "column", "check", "failure_case", "index"])
    return pd.concat(frames, ignore_index=True)


def validate(db, today: datetime.date | None = None, config: dict | None = None, *,
             key: bytes | None = None, mark: bool = True) -> Result:
    """Check every data table of ``db``; see :mod:`xltools.core.checks` for the checks and
    ``config`` (check -> 'error' | 'warning' | 'off'). ``key`` (the fingerprint secret) lets raw
    values match masked ones in the duplicate check. ``mark=False`` only reports: no marks, no
    Issues sheet. ``Result.problems`` is True when anything was found."""
    today = today or datetime.date.today()
    level = severities(db, config)
    rules = [r for r in build_rules(db, today, key) if level[r.check] != "off"]
    by_name = check_names(rules)
    cases = failure_cases(db, build_schemas(_failing(db, by_name)))

    issues = _issues(db, cases, by_name, level)
    # A cell the loader could not read is usually caught by the type check too: report it once.
    checked = {(i.table, i.row, i.column) for i in issues}
    issues += [i for i in db.load_issues if (i.table, i.row, i.column) not in checked]
    issues = _ordered(db, issues)
    counts = _counts(issues)
    changes = Changeset("validate")
    if mark:
        changes.replaces.append(issues_table(db, issues))
        changes.marks = cell_marks(db, issues)
    # The full list goes to --json from Result.issues; the book shows the first cells per check.
    return Result(changes=changes, issues=issues, data={"counts": counts},
                  summary_zh=_summary_zh(counts, db), summary_en=_summary_en(counts, db),
                  problems=bool(issues))


def _issues(db, cases: pd.DataFrame, by_name: dict[str, Rule], level: dict) -> list[Issue]:
    """pandera's failure cases as Issues, one per failing cell, in pandera's order. A book with a
    million problems has a million cases, taken a check at a time: per case only a masked copy
    of personal data and what a row's own message says are computed."""
    issues: list = [None] * len(cases)
    companies = _company_rows(db) if "Customers" in db.tables else set()
    kinds = _mask_kinds(db.schema)
    shown_of: dict = {}     # a legacy book repeats its wrong values a hundred thousand times
    tables, columns, values = (cases[c].to_numpy() for c in ("table", "column", "failure_case"))
    rows = cases["index"].to_numpy()
    rows = rows.tolist() if rows.dtype.kind in "iu" else [_int(r) for r in rows]
    for check, positions in cases.groupby("check", sort=False).indices.items():
        rule = by_name.get(check)
        if rule is None:  # pandera's own failure (e.g. a column it could not read)
            for i in positions:
                column = columns[i]
                issues[i] = Issue(tables[i], rows[i], column, _plain(values[i]), "load",
                                  "error", f"无法校验「{column}」:{check}",
                                  f"could not check {column}: {check}")
            continue
        table, column, name, severity = rule.table, rule.column, rule.check, level[rule.check]
        text = rule.message.text if isinstance(rule.message, fixed) else None
        personal = (table, column) in kinds
        for i, value in zip(positions.tolist(), values[positions].tolist()):
            row = rows[i]
            zh, en = text or rule.message(row, value)
            shown = _shown(db, table, column, row, value, companies) if personal else \
                _shown_text(value, shown_of)
            issues[i] = Issue(table, row, column, shown, name, severity, zh, en)
    return issues


def _shown_text(value, seen: dict):
    """A failing value as an issue repeats it, with personal data typed inside text (Remarks
    ...) masked; ``seen`` keeps the answer per distinct value (and type: 1 is not True)."""
    key = (type(value), value)
    try:
        return seen[key]
    except KeyError:
        pass
    except TypeError:                   # unhashable: not kept
        return _plain(value)
    shown = _plain(value)
    if isinstance(shown, str):
        shown = privacy.scrub(shown)
    seen[key] = shown
    return shown


# ---------------------------------------------------------------- what the book shows


def listed_per_check(db) -> int:
    """How many cells of one check on one column the Issues sheet lists (Settings IssuesPerCheck)."""
    return max(1, db.setting("IssuesPerCheck"))


def mark_limit(db) -> int:
    """How many cells validation marks at most (Settings MarkLimit; 0 = no marks)."""
    return max(0, db.setting("MarkLimit"))


def issues_table(db, issues: list[Issue]) -> TableReplace:
    """The Issues sheet, in the book's language, each row linked to its cell. A check that fails
    on more cells of one column than Settings ``IssuesPerCheck`` lists its first cells only, under
    a row at the top with the count: a legacy book's million problems are a few hundred rows to
    read, not a million (``--json`` has them all)."""
    lang = db.lang if db.lang in SEVERITY_LABEL else "zh"
    limit = listed_per_check(db)
    group_size: Counter = Counter()
    first_of: dict[tuple, Issue] = {}
    for issue in issues:
        group = (issue.table, issue.column, issue.check)
        group_size[group] += 1
        first_of.setdefault(group, issue)
    shown_so_far: Counter = Counter()
    rows, links = [], {}
    for group, count in group_size.items():
        if count > limit:
            row = _issue_row(db, first_of[group], lang)
            row.update(Row=None, Value=f"{count:,}", Link="",
                       Message=(f"共 {count:,} 处,下面只列出前 {limit} 处;完整列表见 xltools validate --json"
                                if lang == "zh" else f"{count:,} cells; the first {limit} are listed below; "
                                "xltools validate --json has them all"))
            rows.append(row)
    for issue in issues:
        group = (issue.table, issue.column, issue.check)
        if shown_so_far[group] >= limit:
            continue
        shown_so_far[group] += 1
        rows.append(_issue_row(db, issue, lang))
        if issue.table in db.tables and issue.row:
            links[(len(rows) - 1, "Link")] = db.cell_ref(issue.table, issue.row, issue.column or "")
    return TableReplace(ISSUES_TABLE, rows, links)


def _issue_row(db, issue: Issue, lang: str) -> dict:
    known = issue.table in db.tables
    sheet = db.sheet_of(issue.table) if known else issue.table
    header = issue.column or ""
    if known and issue.column:
        header = db.tables[issue.table].headers.get(issue.column) or _label(db, issue, lang)
    zh_check, en_check = CHECK_LABEL.get(issue.check, (issue.check, issue.check))
    return {"Severity": SEVERITY_LABEL[lang].get(issue.severity, issue.severity),
            "Sheet": sheet, "Row": issue.row, "Column": header,
            "Value": "" if issue.value is None else issue.value,
            "Check": zh_check if lang == "zh" else en_check,
            "Message": issue.message_zh if lang == "zh" else issue.message_en,
            "Link": "→" if known and issue.row else ""}


def cell_marks(db, issues: list[Issue]) -> list[CellMark]:
    """One mark per problem cell, for the first Settings ``MarkLimit`` cells (errors first);
    several problems in one cell share a note, worst severity wins."""
    lang = db.lang
    limit = mark_limit(db)
    cells: dict[tuple, list[Issue]] = {}
    for severity in ("error", "warning"):
        for issue in issues:
            if issue.severity != severity or issue.row is None or not issue.column \
                    or issue.table not in db.tables:
                continue
            cell = (issue.table, issue.row, issue.column)
            if cell not in cells and len(cells) >= limit:
                continue
            cells.setdefault(cell, []).append(issue)
    marks = []
    for (table, row, column), found in cells.items():
        text = "\n".join(i.message_zh if lang == "zh" else i.message_en for i in found)
        severity = "error" if any(i.severity == "error" for i in found) else "warning"
        marks.append(CellMark(table, int(row), column, text, severity))
    return marks


# ---------------------------------------------------------------- helpers


def _label(db, issue: Issue, lang: str) -> str:
    try:
        return db.schema.table(issue.table).column(issue.column).label(lang)
    except KeyError:
        return issue.column


def _shown(db, table: str, column: str, row, value, companies: set) -> Any:
    """The value as an issue may repeat it: personal data masked (the Issues sheet is in the book
    and ``--json`` output ends up in logs); a company's credit code (rows in ``companies``) is
    public and stays."""
    value = _plain(value)
    kind = _mask_kinds(db.schema).get((table, column))
    if not kind or value in (None, "") or privacy.is_masked(kind, value):
        return value
    if column == "CreditCode" and table == "Customers" and row in companies:
        return value
    return privacy.mask_value(kind, value)


def _company_rows(db) -> set:
    df = db.customers
    if "CustomerType" not in df.columns:
        return set()
    types = trimmed_text(df["CustomerType"])
    return set(types.index[types == codes.COMPANY])


_MASK_KINDS: dict[int, tuple] = {}


def _mask_kinds(schema) -> dict[tuple[str, str], str]:
    """(table, column) -> mask kind, per schema (looked up once per issue, so kept)."""
    held = _MASK_KINDS.get(id(schema))
    if held is None or held[0] is not schema:
        held = _MASK_KINDS[id(schema)] = (schema, {(t.key, c.key): c.mask for t in schema.tables
                                                   for c in t.columns if c.mask})
    return held[1]


def _plain(value) -> Any:
    if value is None or isinstance(value, str):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, datetime.datetime):  # pd.Timestamp too
        midnight = (value.hour, value.minute, value.second) == (0, 0, 0)
        return value.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ordered(db, issues: list[Issue]) -> list[Issue]:
    """Load problems first, then by table, row and the column's place in the schema."""
    table_order = {t.key: i for i, t in enumerate(db.schema.tables)}
    col_order = {(t.key, c.key): i for t in db.schema.tables for i, c in enumerate(t.columns)}
    return sorted(issues, key=lambda i: (i.check != "load", table_order.get(i.table, 99),
                                         i.row or 0, col_order.get((i.table, i.column), 999)))


def _counts(issues: list[Issue]) -> dict:
    sev = Counter(i.severity for i in issues)
    return {"error": sev.get("error", 0), "warning": sev.get("warning", 0),
            "checks": dict(Counter(i.check for i in issues))}


def _summary_zh(counts: dict, db=None) -> str:
    if not counts["error"] and not counts["warning"]:
        return "校验通过:未发现问题。"
    text = f"发现 {counts['error']} 个错误、{counts['warning']} 个警告(见“校验结果”表)。"
    if db is not None and counts["error"] + counts["warning"] > mark_limit(db):
        text += f"问题太多:只标记了前 {mark_limit(db):,} 个单元格(设置 MarkLimit)。"
    return text


def _summary_en(counts: dict, db=None) -> str:
    if not counts["error"] and not counts["warning"]:
        return "Validation passed: no problems found."
    text = (f"Found {counts['error']} error(s) and {counts['warning']} warning(s) "
            "(see the Issues sheet).")
    if db is not None and counts["error"] + counts["warning"] > mark_limit(db):
        text += f" Too many to mark: the first {mark_limit(db):,} cells are marked (Settings MarkLimit)."
    return text
