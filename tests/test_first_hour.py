"""The first hour with xltools: what a new team trips over, each through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from xltools.cli import main
from xltools.template import build_template

from integration_support import tables


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


LEADS = """公司名称,联系人,手机,所在城市,行业,负责人
深圳市华腾科技有限公司,王经理,13812340001,深圳,IT服务业,张伟
杭州恒信贸易有限公司,李总,13812340002,杭州,零售业,张伟
成都博远机械厂,陈工,13812340003,成都市,制造业,李娜
刘德明,刘德明,13812340004,广东省广州市天河区体育西路,其他,李娜
"""


@pytest.fixture
def fresh_book(tmp_path) -> Path:
    path = tmp_path / "team.xlsx"
    build_template(path)
    return path


def test_import_infers_region_type_and_defaults_and_says_so(fresh_book, tmp_path):
    source = tmp_path / "leads.csv"
    source.write_text(LEADS, encoding="utf-8")
    code, out, err = run("import", fresh_book, source, "--json")
    data = json.loads(out)
    assert data["imported"] == 4
    assert data["inferred"] == {"Region": 4, "CustomerType": 4, "CustomerLevel": 4,
                                "CooperationPhase": 4}
    assert {p["header"] for p in data["places"]} == {"所在城市"}
    customers = tables(fresh_book)["Customers"].set_index("CustomerName")
    assert customers.loc["深圳市华腾科技有限公司", "Region"] == "华南"
    assert customers.loc["杭州恒信贸易有限公司", "Region"] == "华东"
    assert customers.loc["成都博远机械厂", "Region"] == "西南"
    assert customers.loc["刘德明", "Region"] == "华南"          # from an address
    assert customers.loc["刘德明", "CustomerType"] == "个人"
    assert set(customers.loc[customers.index != "刘德明", "CustomerType"]) == {"企业"}
    assert set(customers["CustomerLevel"]) == {"潜在"} and set(customers["CooperationPhase"]) == {"潜在客户"}
    assert "所在城市: 深圳" in customers.loc["深圳市华腾科技有限公司", "Remarks"]  # the city is kept


def test_import_names_owners_missing_from_the_staff_list_once(fresh_book, tmp_path):
    source = tmp_path / "leads.csv"
    source.write_text(LEADS, encoding="utf-8")
    code, out, _err = run("import", fresh_book, source)
    assert "张伟、李娜" in out and "字典" in out and out.count("张伟") == 1
    code, out, _err = run("validate", fresh_book, "--json")
    owner_issues = [i for i in json.loads(out)["issues"] if i["column"] == "Owner"]
    assert owner_issues and all("Lists sheet" in i["message_en"] and "字典" in i["message_zh"]
                                for i in owner_issues)


def test_settings_decide_the_defaults(fresh_book, tmp_path):
    from openpyxl import load_workbook
    book = load_workbook(fresh_book)
    sheet = next(ws for ws in book.worksheets if "tblSettings" in ws.tables)
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "ImportDefaultLevel":
            row[1].value = "普通"
        if row[0].value == "ImportDefaultPhase":
            row[1].value = "-"   # not on the list: no default
    book.save(fresh_book)
    source = tmp_path / "leads.csv"
    source.write_text(LEADS, encoding="utf-8")
    run("import", fresh_book, source)
    customers = tables(fresh_book)["Customers"]
    assert set(customers["CustomerLevel"]) == {"普通"}
    assert customers["CooperationPhase"].isna().all()


# ---------------------------------------------------------------- a very dirty book


def dirty_db(n: int, **settings):
    from xltools.testing import make_db
    rows = [{"CustomerID": f"K{i}", "CustomerName": f"客户{i}", "CustomerType": "企业",
             "Owner": "老王", "Industry": "IT", "CreateTime": "2024-01-05"} for i in range(n)]
    return make_db({"Customers": rows}, settings={k: str(v) for k, v in settings.items()})


def test_issues_sheet_lists_the_first_cells_per_check_under_a_count():
    import datetime as dt
    from xltools.core.validate import validate
    db = dirty_db(300, IssuesPerCheck=5, MarkLimit=50)
    result = validate(db, today=dt.date(2024, 6, 1))
    owner = [i for i in result.issues if i.column == "Owner"]
    assert len(owner) == 300                                   # every problem in the result
    sheet = result.changes.replaces[0].rows
    owner_rows = [r for r in sheet if r["Column"] in ("负责人", "Owner")]
    assert len(owner_rows) == 1 + 5                            # a count row and the first five cells
    assert owner_rows[0]["Value"] == "300" and "300" in owner_rows[0]["Message"]
    assert [r["Row"] for r in owner_rows[1:]] == [2, 3, 4, 5, 6]
    assert len(result.changes.marks) == 50 and "50" in result.summary_zh


def test_a_small_book_lists_every_problem_as_before():
    import datetime as dt
    from xltools.core.validate import validate
    result = validate(dirty_db(3), today=dt.date(2024, 6, 1))
    assert len(result.changes.replaces[0].rows) == len(result.issues)
    assert len(result.changes.marks) == len({(i.table, i.row, i.column) for i in result.issues})


def test_validate_json_has_every_issue_and_redirected_output_is_never_wrapped(tmp_path):
    from integration_support import demo_book
    book = tmp_path / "team.xlsx"
    demo_book(book)
    code, out, _err = run("validate", book, "--json", "--no-mark")
    payload = json.loads(out)
    total = payload["counts"]["error"] + payload["counts"]["warning"]
    assert code == 1 and len(payload["issues"]) == total
    code, out, err = run("validate", book, "--no-mark")
    lines = out.splitlines()
    # summary, one unwrapped line per shown issue (severity, where, message), the "more" line
    assert len(lines) == 1 + min(40, total) + (total > 40)
    assert all(line.count("\t") == 2 and line.startswith(("error", "warning")) for line in lines[1:41])
    assert any(len(line) > 80 for line in lines)
    assert err == ""


# ---------------------------------------------------------------- the command line itself

import re as _re

_CJK = _re.compile(r"[\u4e00-\u9fff]")
_LATIN = _re.compile(r"[A-Za-z]{3,}")


def _all_commands():
    import click
    ctx = click.Context(main)
    out = []
    for name in main.list_commands(ctx):
        cmd = main.get_command(ctx, name)
        if isinstance(cmd, click.Group):
            out += [(f"{name} {sub}", cmd.get_command(ctx, sub)) for sub in cmd.list_commands(ctx)]
        else:
            out.append((name, cmd))
    return out


@pytest.mark.parametrize("name, command", _all_commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_help_is_bilingual_and_its_usage_line_is_true(name, command):
    code, out, _err = run(*name.split(), "--help")
    assert code == 0
    description = (command.help or "").strip()
    assert _CJK.search(description) and _LATIN.search(description), name
    for param in command.params:
        if getattr(param, "help", None) is not None or param.param_type_name == "option":
            text = param.help or ""
            assert _CJK.search(text) and _LATIN.search(text), (name, param.name)
    usage = out.splitlines()[0]
    assert "BOOKS" not in usage                      # one book is BOOK, several are BOOK...


def test_lang_works_before_or_after_the_command(tmp_path):
    from integration_support import demo_book
    book = tmp_path / "team.xlsx"
    demo_book(book, customers=40)
    before = run("--lang", "en", "info", book)
    after = run("info", book, "--lang", "en")
    assert before[0] == after[0] == 0 and before[1] == after[1]
    assert "rows" in before[1] and "行" not in before[1]          # English words, not Chinese
    assert run("--lang", "en", "--help")[0] == 0


def test_monthly_into_a_log_writes_nothing_to_stderr_and_leaves_no_lock_file(tmp_path, monkeypatch):
    from integration_support import demo_book, use_demo_key
    use_demo_key(monkeypatch)
    book = tmp_path / "team.xlsx"
    demo_book(book, customers=40)
    code, _out, err = run("monthly", book)
    assert code in (0, 1) and err == ""
    assert not [p.name for p in tmp_path.iterdir() if "lock" in p.name]


# ---------------------------------------------------------------- the demo's key


def _reveal_command(out: str) -> tuple[dict, list[str]]:
    import shlex
    line = next(l.strip() for l in out.splitlines() if "xltools reveal" in l)
    words = shlex.split(line)
    env = dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("xltools"))
    args = words[words.index("xltools") + 1:]
    return env, args


@pytest.mark.slow
@pytest.mark.parametrize("own_key", [False, True])
def test_demo_says_how_to_reveal_and_that_command_works(tmp_path, monkeypatch, own_key):
    import secrets
    monkeypatch.delenv("XLTOOLS_SECRET", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    if own_key:
        key_file = tmp_path / "config" / "xltools" / "secret"
        key_file.parent.mkdir(parents=True)
        key_file.write_text(secrets.token_urlsafe(48))
    code, out, err = run("demo", tmp_path / "demo", "--customers", "40")
    assert code == 0 and err == ""
    env, args = _reveal_command(out)
    assert bool(env) is not own_key                 # the demo key is given only when it was used
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, out, _err = run(*args)
    assert code == 0 and ("ContactPhone" in out or "CreditCode" in out)


def test_add_staff_puts_new_owners_on_the_lists_sheet_so_validate_accepts_them(fresh_book, tmp_path):
    source = tmp_path / "leads.csv"
    source.write_text(LEADS, encoding="utf-8")
    code, out, _err = run("import", fresh_book, source, "--add-staff", "--json")
    assert json.loads(out)["added_staff"] == ["张伟", "李娜"]
    from xltools.backend.file import FileBackend
    db = FileBackend(fresh_book).load()
    assert db.lists["Staff"][-2:] == ["张伟", "李娜"] and db.lists["Staff"][0] == "公海"
    code, out, _err = run("validate", fresh_book, "--json", "--no-mark")
    assert not [i for i in json.loads(out)["issues"] if i["column"] == "Owner"]
    # a second import with the same owners adds nothing twice
    again = tmp_path / "more.csv"
    again.write_text(LEADS.replace("深圳市华腾", "广州市华腾").replace("杭州恒信", "宁波恒信")
                     .replace("成都博远", "重庆博远").replace("刘德明", "陈德明"), encoding="utf-8")
    code, out, _err = run("import", fresh_book, again, "--add-staff", "--json")
    assert json.loads(out).get("added_staff") is None
    assert FileBackend(fresh_book).load().lists["Staff"].count("张伟") == 1


@pytest.mark.libreoffice
def test_added_staff_appear_in_the_owner_dropdown_in_libreoffice(fresh_book, tmp_path, libreoffice):
    source = tmp_path / "leads.csv"
    source.write_text(LEADS, encoding="utf-8")
    run("import", fresh_book, source, "--add-staff")
    staff = libreoffice.probe(fresh_book)[0]["names"]["lst_Staff"]
    # the dropdown's dynamic range now ends with the two new names (公海 first)
    assert staff["rows"] == 3 and staff["first"] == "公海" and staff["last"] == "李娜"


def test_add_staff_on_a_database_adds_to_its_lists(fresh_book, tmp_path):
    from xltools.targets import open_backend
    url = f"sqlite:///{tmp_path / 'team.db'}"
    assert run("db", "init", url)[0] == 0
    assert run("db", "push", fresh_book, url)[0] == 0
    source = tmp_path / "leads.csv"
    source.write_text(LEADS, encoding="utf-8")
    code, out, err = run("import", url, source, "--add-staff", "--json")
    assert code in (0, 1), err
    assert open_backend(url).load().lists["Staff"] == ["公海", "张伟", "李娜"]
