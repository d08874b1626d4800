"""`xltools validate / mask / reveal` through click's CliRunner: exit codes 0/1/2 and the --json
shape. The book is served by a stand-in backend (an in-memory CustomerDB), so these tests pin the
command layer; test_mask_file.py does the same on a real .xlsx."""

import datetime
import json
import sys
import types

import pytest
from click.testing import CliRunner

from xltools.context import RunContext
from xltools.cli import main
from xltools.secret import ENV_VAR
from xltools.testing import make_db

TODAY = "2024-06-01"


def clean_customer(**over):
    row = {"CustomerID": "C20240315001", "CustomerName": "华腾科技", "CustomerType": "个人",
           "CreditCode": "110105********002X", "ContactPerson": "王经理", "ContactPhone": "138****5678",
           "Industry": "制造业", "Region": "华北", "CustomerLevel": "VIP", "CooperationPhase": "意向客户",
           "Owner": "公海", "CreateTime": datetime.datetime(2024, 3, 15)}
    row.update(over)
    return row


@pytest.fixture
def served(monkeypatch, tmp_path):
    """Serve one in-memory book for every command; record what the command applies."""
    state = {"db": None, "applied": []}

    class StandInBackend:
        def __init__(self, path, **options):
            if not str(path).endswith(".xlsx"):
                from xltools.errors import BadWorkbookError
                raise BadWorkbookError("不是 .xlsx 文件", "not an .xlsx file")
            self.path = path

        def load(self):
            state["db"].path = tmp_path / "team.xlsx"
            return state["db"]

        def apply(self, changes, db):
            state["applied"].append(changes)

    module = types.ModuleType("xltools.backend.file")
    module.FileBackend = StandInBackend
    monkeypatch.setitem(sys.modules, "xltools.backend.file", module)
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "config"))
    return state


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_clean_book_exits_0(served):
    served["db"] = make_db({"Customers": [clean_customer()]})
    res = run("validate", "team.xlsx", "--json", "--today", TODAY)
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["ok"] is True and payload["issues"] == []
    assert served["applied"][0].marks == []   # stale marks are cleared


def test_problems_exit_1_with_the_documented_json_shape(served):
    served["db"] = make_db({"Customers": [clean_customer(Industry="制造", ContactPhone="12345")]})
    res = run("validate", "team.xlsx", "--json", "--today", TODAY)
    assert res.exit_code == 1
    payload = json.loads(res.stdout)
    assert payload["ok"] is False
    assert {(i["row"], i["column"], i["check"]) for i in payload["issues"]} == {
        (2, "Industry", "list"), (2, "ContactPhone", "phone")}
    for issue in payload["issues"]:
        assert set(issue) == {"table", "row", "column", "value", "check", "severity",
                              "message_zh", "message_en"}
        assert issue["table"] == "Customers" and issue["severity"] == "error"
    assert payload["counts"]["error"] == 2


def test_no_mark_writes_nothing(served):
    served["db"] = make_db({"Customers": [clean_customer(Industry="制造")]})
    res = run("validate", "team.xlsx", "--no-mark", "--today", TODAY)
    assert res.exit_code == 1
    assert served["applied"] == []
    assert "制造" in res.stdout or "所属行业" in res.stdout


def test_a_check_can_be_turned_off_from_the_command_line(served):
    served["db"] = make_db({"Customers": [clean_customer(ContactPhone="13812345678")]})
    assert run("validate", "team.xlsx", "--today", TODAY).exit_code == 1
    assert run("validate", "team.xlsx", "--today", TODAY, "--check", "unmasked=off").exit_code == 0


@pytest.mark.parametrize("args", [["--check", "nonsense=off"], ["--check", "unmasked"],
                                  ["--today", "June 1st"]])
def test_bad_arguments_exit_2_with_a_bilingual_message(served, args):
    served["db"] = make_db({"Customers": [clean_customer()]})
    res = run("validate", "team.xlsx", *args)
    assert res.exit_code == 2
    assert " / " in res.stderr


def test_a_book_that_cannot_be_read_exits_2(served):
    res = run("validate", "notes.txt", "--json")
    assert res.exit_code == 2
    assert json.loads(res.stdout)["ok"] is False


def test_mask_then_reveal_with_and_without_the_key(served, monkeypatch):
    served["db"] = make_db({"Customers": [clean_customer(ContactPhone="13812345678")]})
    monkeypatch.setenv(ENV_VAR, "k1-key-GMdv3iA2GxBQ2gGg--4exrHVykeq3SyDJ4W_KH2u2Xzm")
    res = run("mask", "team.xlsx", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["masked"] == 1
    assert "13812345678" not in res.stdout
    updates = {u.column: u.new for u in served["applied"][0].updates}
    assert updates["ContactPhone"] == "138****5678" and updates["PhoneFP"]

    res = run("reveal", "team.xlsx", "C20240315001", "--json")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["values"]["Customers"]["ContactPhone"] == "13812345678"

    monkeypatch.setenv(ENV_VAR, "not-key-pRQ59bW94WD2fzIeNRSLThXFkUcvXfXOtGIncXe2j6vO")
    res = run("reveal", "team.xlsx", "C20240315001")
    assert res.exit_code == 2 and "wrong key" in res.stderr and "密钥" in res.stderr

    monkeypatch.delenv(ENV_VAR)
    res = run("reveal", "team.xlsx", "C20240315001")
    assert res.exit_code == 2 and ENV_VAR in res.stderr


def test_mask_without_a_key_refuses_unless_the_raw_values_may_be_discarded(served):
    served["db"] = make_db({"Customers": [clean_customer(ContactPhone="13812345678")]})
    res = run("mask", "team.xlsx", "--lang", "en")
    assert res.exit_code == 2 and served["applied"] == []
    assert ENV_VAR in res.stderr and "--discard-raw" in res.stderr
    res = run("mask", "team.xlsx", "--lang", "en", "--discard-raw")
    assert res.exit_code == 0
    assert ENV_VAR in res.stdout and "No key" in res.stdout


def test_mask_dry_run_writes_neither_book_nor_vault(served, monkeypatch, tmp_path):
    served["db"] = make_db({"Customers": [clean_customer(ContactPhone="13812345678")]})
    monkeypatch.setenv(ENV_VAR, "k1-key-GMdv3iA2GxBQ2gGg--4exrHVykeq3SyDJ4W_KH2u2Xzm")
    res = run("mask", "team.xlsx", "--dry-run", "--json")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["masked"] == 1
    assert served["applied"] == []
    assert not (tmp_path / "team.xlsx.vault").exists()


def test_the_operations_take_a_date_from_the_monthly_batch():
    from xltools.catalog import get
    db = make_db({"Customers": [clean_customer(CreateTime=datetime.datetime(2024, 7, 1))]})
    for op_id in ("validate", "mask", "fill-region"):
        extra = {"discard_raw": True} if op_id == "mask" else {}
        get(op_id).func(db, RunContext(today=datetime.date(2024, 6, 1)), **extra)
    result = get("validate").func(db, RunContext(today=datetime.date(2024, 6, 1)))
    assert [i.check for i in result.issues] == ["future_date"]
    assert get("validate").func(db, RunContext(today=datetime.date(2024, 8, 1))).issues == []


def test_a_million_problems_print_as_the_same_json_a_batch_at_a_time(monkeypatch, capsys):
    """The issues of a legacy book are encoded a batch at a time (never one string of them all):
    the document is exactly what json.dumps of the whole payload prints, batch edges included."""
    from xltools import cli_common
    from xltools.changes import Issue
    monkeypatch.setattr(cli_common, "JSON_BATCH", 7)
    issues = [Issue("Customers", row, "Owner", value, "list", "error", "不在列表中 \"x\"",
                    "not listed\n") for row, value in
              enumerate(["张三", None, 3.5, datetime.date(2024, 3, 15), "a\\b"] * 5, start=2)]
    for count in (0, 1, 7, 8, 14, 25):
        payload = {"ok": False, "counts": {"list": count}, "issues": issues[:count],
                   "short": [1, 2], "long": list(range(count)), 7: "a key json makes text"}
        cli_common.emit_json(payload)
        printed = capsys.readouterr().out
        expected = json.dumps({**payload, "issues": [i.to_json() for i in issues[:count]]},
                              ensure_ascii=False, default=str) + "\n"
        assert printed == expected
