"""Masked means masked, everywhere (issue 15).

Known phones, ID numbers and e-mails are planted in the customer table, in Remarks, in follow-up
Content, in a formula's cached value on a person's own sheet, on a stale Query sheet and in a
note. Commands run before the mask (export, query) already write masked values; after ``mask``,
every part of the book, every kept backup, the vault's file name, every output file and the
stdout/stderr of every command are searched: no raw value anywhere. ``validate`` counts the raw
values wherever they are before the mask. ``--reveal`` with the key gives raw values back in a
file, and the reveal is logged.
"""

import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from click.testing import CliRunner

from xltools.backend.file import FileBackend
from xltools.cli import main
from xltools.keys import new_salt
from xltools.schema import load_schema
from xltools.secret import ENV_VAR
from xltools.template import PROPERTIES, _Builder, default_frames

KEY = "boundary-key-1J5ioZfWq2kR8sV3yB7nT0xC4mL9pD6gH2aE5uN8cF1"
PHONES = ["13900770001", "13900770002", "13600880003"]
PERSON_ID = "11010519491231002X"
EMAILS = ["wang.fang@example.com", "li.lei@qq.com"]
IN_REMARKS = "13511223344"              # typed into Remarks only
IN_CONTENT = "zhao.min@163.com"         # typed into a follow-up's Content only
IN_NOTE = "13755667788"                 # in a note on the customer sheet
IN_QUERY_SHEET = "18912345678"          # a stale Query sheet written by an older version
CACHED = "13900770001"                  # cached result of =客户基础信息!F2
RAW = [*PHONES, PERSON_ID, *EMAILS, IN_REMARKS, IN_CONTENT, IN_NOTE, IN_QUERY_SHEET]


def occurs(raw: str, text: str) -> bool:
    """``raw`` as a value of its own (not digits inside a fingerprint's hex)."""
    return re.search(rf"(?<![0-9a-fA-F]){re.escape(raw)}(?![0-9a-fA-F])", text,
                     flags=re.IGNORECASE) is not None


def leaks(text: str) -> list[str]:
    return [r for r in RAW if occurs(r, text)]


def zip_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def file_text(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] == b"PK":
        return zip_text(path)
    return data.decode("utf-8", "replace")


def build(path: Path) -> None:
    schema = load_schema()
    base = {"CustomerType": "企业", "ContactPerson": "王经理", "Industry": "制造业",
            "Region": "华南", "CustomerLevel": "普通", "CooperationPhase": "意向客户",
            "Owner": "公海", "CreateTime": pd.Timestamp(2024, 3, 15)}
    customers = pd.DataFrame([
        {**base, "CustomerID": "C20240315001", "CustomerName": "深圳华腾科技有限公司",
         "ContactPhone": PHONES[0], "Email": EMAILS[0],
         "Remarks": f"老板手机 {IN_REMARKS},周末别打"},
        {**base, "CustomerID": "C20240315002", "CustomerName": "李雷", "CustomerType": "个人",
         "CreditCode": PERSON_ID, "ContactPhone": PHONES[1], "Email": EMAILS[1]},
        {**base, "CustomerID": "C20240315003", "CustomerName": "广州明达贸易有限公司",
         "ContactPhone": PHONES[2]},
    ])
    followups = pd.DataFrame([{"FollowUpID": "F20240316001", "CustomerID": "C20240315001",
                               "FollowUpTime": pd.Timestamp(2024, 3, 16, 10), "Method": "电话",
                               "Content": f"对方让把资料发到 {IN_CONTENT}", "Staff": "公海"}])
    frames = default_frames(schema, "zh", salt=new_salt())
    frames.update({"Customers": customers, "FollowUps": followups})
    lists = {lst.key: list(lst.values) for lst in schema.lists}
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties(PROPERTIES)
    _Builder(wb, schema, "zh", frames, lists).build()
    sheets = {ws.name: ws for ws in wb.worksheets()}
    phone_col = chr(ord("A") + schema.table("Customers").keys.index("ContactPhone"))
    sheets["客户基础信息"].write_comment("B3", f"他的私人号码 {IN_NOTE}")
    mine = wb.add_worksheet("我的分析")
    mine.write_formula("A1", f"=客户基础信息!{phone_col}2", None, int(CACHED))
    mine.write_formula("A2", "=1+1", None, 2)
    stale = wb.add_worksheet("查询结果")
    stale.write_row(0, 0, ["客户ID", "联系电话"])
    stale.write_row(1, 0, ["C20240315001", IN_QUERY_SHEET])
    wb.close()


def run(*args):
    res = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return res


@pytest.fixture
def book(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, KEY)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    path = tmp_path / "team.xlsx"
    build(path)
    assert set(leaks(zip_text(path))) == set(RAW)      # the test can fail
    return path


def test_no_raw_value_anywhere_after_mask(book, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    outputs = []

    def cmd(*args, codes=(0, 1)):
        res = run(*args)
        assert res.exit_code in codes, (args, res.output)
        outputs.append((args, res.stdout + res.stderr))
        return res

    # before the mask: validate sees every raw value, wherever it is ...
    found = json.loads(cmd("validate", book, "--json", "--no-mark").stdout)
    unmasked = [i for i in found["issues"] if i["check"] == "unmasked"]
    places = {(i["table"], i["column"]) for i in unmasked}
    assert {("Customers", "ContactPhone"), ("Customers", "Email"), ("Customers", "CreditCode"),
            ("Customers", "Remarks"), ("FollowUps", "Content")} <= places
    assert found["raw_outside_tables"]["formulas"] >= 1       # the cached =客户基础信息!F2
    assert found["raw_outside_tables"]["cells"] >= 1          # the stale Query sheet
    assert found["raw_outside_tables"]["notes"] >= 1
    # ... and outputs carry masked values already
    cmd("export", book, "-o", out / "pre.csv")
    cmd("query", book, "Region=华南", "-o", out / "pre.xlsx", "--json")
    cmd("query", book, "Region=华南", "--json")
    import openpyxl
    sheet = openpyxl.load_workbook(book)["查询结果"]
    assert leaks(repr([[c.value for c in row] for row in sheet.iter_rows()])) == []

    res = cmd("mask", book, "--json", codes=(0,))
    assert json.loads(res.stdout)["masked"] >= 6

    # after the mask: commands of every kind, their outputs
    cmd("validate", book, "--json")
    cmd("validate", book)
    cmd("query", book, "Region=华南")
    cmd("query", book, "Region=华南", "-o", out / "post.csv", "--json")
    cmd("export", book, "-o", out / "post.xlsx")
    cmd("dedupe", book, "--json")
    cmd("info", book, "--json")
    cmd("summary", book)
    cmd("monthly", book, "--report", out, "--json")
    cmd("mask", book)

    # every part of the book
    assert leaks(zip_text(book)) == []
    # every kept state of the book
    backups = list((book.parent / ".xltools-backups").rglob("*"))
    for b in [p for p in backups if p.is_file()]:
        assert leaks(file_text(b)) == [], b
    # the vault (its name, and its content is encrypted)
    vaults = list(book.parent.glob("*.vault"))
    assert [v.name for v in vaults] == ["team.xlsx.vault"]
    assert leaks(vaults[0].read_text(encoding="utf-8")) == []
    # every file written beside the book or as an output
    for f in [p for p in tmp_path.rglob("*") if p.is_file() and "config" not in p.parts]:
        if f != book and f not in backups:
            assert leaks(file_text(f)) == [], f
    # what every command printed
    for args, text in outputs:
        assert leaks(text) == [], args

    # a formula that read a masked cell lost its cached value and Excel recalculates on open
    with zipfile.ZipFile(book) as z:
        assert b'fullCalcOnLoad="1"' in z.read("xl/workbook.xml")


def test_the_kept_states_before_the_mask_are_gone_and_undo_cannot_bring_raw_values_back(book):
    assert run("validate", book).exit_code == 1          # a kept state with raw values
    assert run("mask", book).exit_code == 0
    assert run("undo", book).exit_code == 2              # nothing earlier is kept
    assert leaks(zip_text(book)) == []


def test_the_raw_values_are_in_the_vault_and_reveal_is_explicit_and_logged(book, tmp_path):
    assert run("mask", book).exit_code == 0
    res = run("reveal", book, "C20240315001", "--json")
    values = json.loads(res.stdout)["values"]["Customers"]
    assert values["ContactPhone"] == PHONES[0] and values["Email"] == EMAILS[0]
    assert IN_REMARKS in values["Remarks"]

    out = tmp_path / "raw.csv"
    assert run("export", book, "-o", out, "--reveal").exit_code == 0
    text = out.read_text(encoding="utf-8-sig")
    assert PHONES[0] in text and PERSON_ID in text and EMAILS[1] in text
    log = (book.parent / "team.xlsx.reveal.log").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["command"] for line in log] == ["reveal", "export"]
    assert not leaks("\n".join(log))

    # --reveal never writes raw values into the book's Query sheet
    res = run("query", book, "Region=华南", "--reveal")
    assert res.exit_code == 2 and "-o" in res.output


def test_a_wrong_key_reveals_nothing(book, tmp_path, monkeypatch):
    assert run("mask", book).exit_code == 0
    monkeypatch.setenv(ENV_VAR, "someone-else-key-pQ2wE4rT6yU8iO0pA1sD3fG5hJ7kL9zX")
    res = run("export", book, "-o", tmp_path / "x.csv", "--reveal")
    assert res.exit_code == 2 and not (tmp_path / "x.csv").exists()
    assert leaks(res.output) == []


def test_mask_without_a_key_refuses_and_discard_raw_masks_for_good(book, monkeypatch):
    monkeypatch.delenv(ENV_VAR)
    before = book.read_bytes()
    res = run("mask", book)
    assert res.exit_code == 2 and "--discard-raw" in res.output
    assert book.read_bytes() == before
    assert run("mask", book, "--discard-raw").exit_code == 0
    assert leaks(zip_text(book)) == []
    assert not list(book.parent.glob("*.vault"))


def test_the_monthly_batch_without_a_key_masks_nothing_and_says_so(book, monkeypatch):
    monkeypatch.delenv(ENV_VAR)
    res = run("monthly", book, "--json")
    assert res.exit_code == 1
    doc = json.loads(res.stdout)["books"][0]
    assert "not masked" in doc["steps"][0]["summary_en"]
    assert any(i["check"] == "unmasked" for i in doc["issues"])
    assert leaks(res.stdout + res.stderr) == []


def test_a_book_without_a_salt_gets_one_and_its_fingerprints_follow(tmp_path, monkeypatch):
    """An old book: fingerprints keyed with the secret itself, no salt. The first mask gives it
    a salt and derives the fingerprints again from the vault's raw values."""
    from xltools.core.privacy import fingerprint
    from xltools.keys import SALT_SETTING, fingerprint_key
    from xltools.vault import Vault, vault_path

    monkeypatch.setenv(ENV_VAR, KEY)
    path = tmp_path / "old.xlsx"
    schema = load_schema()
    frames = default_frames(schema, "zh")
    frames["Customers"] = pd.DataFrame([{
        "CustomerID": "C20230101001", "CustomerName": "老客户", "CustomerType": "企业",
        "ContactPhone": "139****0009", "PhoneFP": fingerprint("phone", "13900000009", KEY.encode()),
        "Owner": "公海", "CreateTime": pd.Timestamp(2023, 1, 1)}])
    wb = xlsxwriter.Workbook(str(path))
    _Builder(wb, schema, "zh", frames, {lst.key: list(lst.values) for lst in schema.lists}).build()
    wb.close()
    vault = Vault.open(vault_path(path), KEY.encode())
    vault.add("Customers", "C20230101001", "ContactPhone", "13900000009")
    vault.save()

    assert run("mask", path).exit_code == 0
    db = FileBackend(path).load()
    salt = db.settings[SALT_SETTING]
    assert db.df("Customers").at[2, "PhoneFP"] == fingerprint(
        "phone", "13900000009", fingerprint_key(KEY.encode(), salt))
    res = run("reveal", path, "C20230101001", "--json")
    assert json.loads(res.stdout)["values"]["Customers"]["ContactPhone"] == "13900000009"
