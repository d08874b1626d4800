"""The query language people actually type (issue: the first hour): contains, in with either
bracket, between, date words, shortened headers with "did you mean", and an error shown once.
Every example of the README's reference runs on the demo book."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from xltools.cli import main
from xltools.core.condition import Context, evaluate, parse
from xltools.core.condition.reference import REFERENCE, markdown_table
from xltools.testing import make_db

from integration_support import demo_book

TODAY = dt.date(2026, 12, 3)
PEOPLE = [
    {"CustomerID": "C1", "CustomerName": "深圳华腾科技有限公司", "Region": "华南", "DealAmount": 120000,
     "CreateTime": pd.Timestamp("2026-12-01"), "CustomerLevel": "VIP"},
    {"CustomerID": "C2", "CustomerName": "上海恒信贸易有限公司", "Region": "华东", "DealAmount": 50000,
     "CreateTime": pd.Timestamp("2026-11-15"), "CustomerLevel": "普通"},
    {"CustomerID": "C3", "CustomerName": "北京博远科技", "Region": "华北", "DealAmount": None,
     "CreateTime": pd.Timestamp("2025-06-30"), "CustomerLevel": "潜在"},
]


def ids(condition: str) -> list[str]:
    db = make_db({"Customers": PEOPLE})
    mask = evaluate(parse(condition), Context.from_db(db, TODAY))
    return db.customers.loc[mask, "CustomerID"].tolist()


@pytest.mark.parametrize("condition, expected", [
    ("客户名称 contains 科技", ["C1", "C3"]),
    ("客户名称包含科技", ["C1", "C3"]),
    ("CustomerName not contains 科技", ["C2"]),
    ("客户名称 不包含 科技", ["C2"]),
    ("CustomerName startswith 上海", ["C2"]),
    ("CustomerName endswith 有限公司", ["C1", "C2"]),
    ("Region in (华南, 华东)", ["C1", "C2"]),
    ("Region in [华南, 华东]", ["C1", "C2"]),
    ("Region in (华南、华东)", ["C1", "C2"]),
    ("Region not in (华南, 华东)", ["C3"]),
    ("DealAmount between 50000 and 120000", ["C1", "C2"]),
    ("DealAmount 介于 60000 和 200000", ["C1"]),
    ("DealAmount not between 60000 and 200000", ["C2", "C3"]),
    ("CreateTime = 本月", ["C1"]),
    ("CreateTime = 上月", ["C2"]),
    ("CreateTime >= 上月", ["C1", "C2"]),
    ("CreateTime < 上月", ["C3"]),
    ("CreateTime = 近30天", ["C1", "C2"]),
    ("CreateTime = last_30_days", ["C1", "C2"]),
    ("CreateTime = 去年", ["C3"]),
    ("CreateTime between 2026-11-01 and 本月", ["C1", "C2"]),
    ("区域 = 华南", ["C1"]),            # an import synonym of 所属区域
    ("等级 = VIP", ["C1"]),             # part of 客户等级
    ("客户等 = VIP", ["C1"]),           # an unambiguous prefix
])
def test_conditions_people_type(condition, expected):
    assert ids(condition) == expected


def test_date_words_move_with_today():
    db = make_db({"Customers": PEOPLE})
    node = parse("CreateTime = 本月")
    assert evaluate(node, Context.from_db(db, dt.date(2026, 11, 20))).tolist() == [False, True, False]


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("query") / "team.xlsx"
    demo_book(path)
    return path


def test_a_wrong_column_suggests_names_and_shows_the_condition_once(book):
    code, _out, err = run("query", book, "Region=华南 and Industy=IT服务业")
    assert code == 2
    assert "did you mean: Industry" in err and "您是不是指" in err
    assert err.count("Region=华南 and Industy=IT服务业") == 1 and err.count("^") == 1


def test_an_ambiguous_prefix_lists_the_candidates(book):
    code, _out, err = run("query", book, "所属 = 华南")
    assert code == 2 and "所属行业" in err and "所属区域" in err


def test_help_documents_every_function_with_an_example():
    code, out, _err = run("query", "--help")
    assert code == 0
    for form, _zh, en, example in REFERENCE:
        assert example in out and en.split(";")[0][:30] in out.replace("\n", " ")
    assert "looks back" in out  # what followup_within(N) means, in words


README = Path(__file__).resolve().parents[1] / "README.md"


def readme_examples() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- query-reference:start -->")[1].split("<!-- query-reference:end -->")[0]
    return re.findall(r"\| `([^`]+)` \|\s*$", block, flags=re.M)


def test_readme_reference_is_the_one_the_code_documents():
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- query-reference:start -->")[1].split("<!-- query-reference:end -->")[0]
    assert block.strip() == markdown_table().strip()
    assert len(readme_examples()) == len(REFERENCE)


@pytest.mark.parametrize("example", [row[3] for row in REFERENCE])
def test_every_readme_example_runs_on_the_demo_book(book, example):
    assert example in readme_examples()
    code, out, err = run("query", book, example, "--json")
    assert code == 0, err
    assert '"count"' in out
