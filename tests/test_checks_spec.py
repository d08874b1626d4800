"""A check is one module that declares its own spec; the docs table and the labels follow from it."""

from __future__ import annotations

import datetime as dt
import re
import sys

import pandas as pd

from xltools.core import checks
from xltools.core.validate import CHECK_LABEL, validate
from xltools.testing import make_db


def test_the_documented_table_is_the_declared_checks():
    rows = re.findall(r"^(\w+)\s+(error|warning)\s+(.+)$", checks.__doc__, re.M)
    documented = {name: (severity, text.strip()) for name, severity, text in rows}
    declared = {name: (s.severity, s.help_en) for name, s in checks.specs().items()}
    assert documented == declared


def test_every_check_has_a_label_and_a_known_severity():
    for name, spec in checks.specs().items():
        assert CHECK_LABEL[name] == (spec.label_zh, spec.label_en)
        assert spec.severity in ("error", "warning")


NEW_CHECK = '''
"""Owners nobody knows: one module, nothing else edited."""
from xltools.core.checks import CheckSpec, Rule, fixed

CHECKS = (CheckSpec("owner_known", "warning", "负责人", "owner", "an owner nobody knows"),)


def rules(ctx, table_key):
    if table_key != "Customers":
        return []
    return [Rule("owner_known", table_key, "Owner", lambda s: s.isna() | s.isin(["张三", "公海"]),
                 fixed("负责人不在名单中", "owner is not on the staff list"))]
'''


def test_a_new_check_module_is_collected_without_editing_anything_else(tmp_path, monkeypatch):
    (tmp_path / "owner_known.py").write_text(NEW_CHECK, encoding="utf-8")
    monkeypatch.setattr(checks, "__path__", [*checks.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, "xltools.core.checks.owner_known", raising=False)
    try:
        assert checks.default_severity()["owner_known"] == "warning"
        db = make_db({"Customers": pd.DataFrame([{"CustomerID": "C20240315001", "Owner": "王五"}])})
        result = validate(db, today=dt.date(2024, 6, 1), mark=False)
        found = [i for i in result.issues if i.check == "owner_known"]
        assert [(i.row, i.column, i.severity, i.message_en) for i in found] == \
            [(2, "Owner", "warning", "owner is not on the staff list")]
        off = validate(db, today=dt.date(2024, 6, 1), config={"owner_known": "off"}, mark=False)
        assert not [i for i in off.issues if i.check == "owner_known"]
    finally:
        sys.modules.pop("xltools.core.checks.owner_known", None)
