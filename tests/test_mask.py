"""mask(), the vault, reveal and fill-region on in-memory books (the .xlsx round trip is in
test_mask_file.py)."""

import datetime

import pytest
from stdnum.cn import uscc

from xltools.context import RunContext
from xltools.core.fill_region import fill_regions
from xltools.core.mask import mask
from xltools.core.privacy import fingerprint
from xltools.errors import XlToolsError
from xltools.operations import mask as mask_ops
from xltools.secret import ENV_VAR, config_path, load_secret
from xltools.testing import make_db
from xltools.vault import Vault, VaultKeyError, vault_path

KEY = b"team-secret-4-HKCZfOpwE1nD83LynKPvpEJaSnxrKDwUWsnfcBfgfT"
COMPANY_CODE = "91440300MA5F5X123" + uscc.calc_check_digit("91440300MA5F5X123")
PERSON_ID = "11010519491231002X"


def rows():
    return [
        {"CustomerID": "C20240315001", "CustomerType": "企业", "CreditCode": COMPANY_CODE,
         "ContactPhone": "138-1234-5678", "Email": "Wei.Zhang@Example.com"},
        {"CustomerID": "C20240315002", "CustomerType": "个人", "CreditCode": PERSON_ID,
         "ContactPhone": "0755 8888 1234", "Email": None},
        {"CustomerID": "C20240315003", "CustomerType": "个人", "CreditCode": "110105********0021",
         "ContactPhone": "139****0000", "Email": "l***@qq.com", "PhoneFP": "kept"},
    ]


def apply(db, result):
    for u in result.changes.updates:
        db.df(u.table).at[u.row, u.column] = u.new
    for a in result.changes.appends:   # the book's new fingerprint salt
        if a.table == "Settings":
            db.settings[a.values["Setting"]] = a.values["Value"]


def cells(result):
    return {(u.row, u.column): u.new for u in result.changes.updates}


def test_mask_masks_persons_data_and_keeps_company_codes():
    db = make_db({"Customers": rows()})
    got = cells(mask(db, KEY, vault_name="book.xlsx.vault"))
    assert got[(2, "ContactPhone")] == "138****5678"
    assert got[(2, "Email")] == "w***@example.com"
    assert got[(3, "CreditCode")] == "110105********002X"
    assert got[(3, "ContactPhone")] == "0755****1234"
    assert (2, "CreditCode") not in got                      # a company code is public
    assert not any(row == 4 and not col.endswith("FP") for row, col in got)  # already masked
    # Fingerprints of the raw values, also of the company code (dedupe on codes).
    assert got[(2, "PhoneFP")] == fingerprint("phone", "13812345678", KEY)
    assert got[(2, "CreditCodeFP")] == fingerprint("idcard", COMPANY_CODE, KEY)
    assert got[(3, "CreditCodeFP")] == fingerprint("idcard", PERSON_ID, KEY)
    assert (4, "PhoneFP") not in got                         # nothing raw left to fingerprint


def test_the_change_log_never_sees_a_raw_value():
    db = make_db({"Customers": rows()})
    raw = {"138-1234-5678", "13812345678", PERSON_ID, "Wei.Zhang@Example.com", "0755 8888 1234"}
    for u in mask(db, KEY, vault_name="v").changes.updates:
        assert not any(r in f"{u.old} {u.new} {u.note}" for r in raw)


def test_masking_is_idempotent():
    db = make_db({"Customers": rows()})
    first = mask(db, KEY, vault_name="v")
    assert first.changes.updates
    apply(db, first)
    second = mask(db, KEY, vault_name="v")
    assert second.changes.updates == []
    assert second.data["masked"] == 0


def test_without_a_key_it_still_masks_but_says_what_is_lost():
    db = make_db({"Customers": rows()})
    result = mask(db, None)
    got = cells(result)
    assert got[(2, "ContactPhone")] == "138****5678"
    assert not any(col.endswith("FP") for _, col in got)
    assert "fingerprints" in result.summary_en and "vault" in result.summary_en
    assert "指纹" in result.summary_zh


def test_a_row_without_an_id_is_masked_too():
    """Masked means masked: a row without an ID is masked like any other (the operation files
    its raw value in the vault under the row number, see test_privacy_boundary)."""
    db = make_db({"Customers": [{"CustomerID": None, "ContactPhone": "13812345678"}]})
    result = mask(db, KEY, vault_name="v")
    assert [u.new for u in result.changes.updates if u.column == "ContactPhone"] == ["138****5678"]
    assert "13812345678" not in repr(result.changes.updates) + repr(result.data)


def test_other_tables_with_mask_columns_are_masked_too():
    db = make_db({"Customers": rows(),
                  "Archive": [{"CustomerID": "C20240301009", "CustomerType": "个人",
                               "ContactPhone": "13700001111", "CreditCode": PERSON_ID}]})
    got = {(u.table, u.column): u.new for u in mask(db, KEY, vault_name="v").changes.updates}
    assert got[("Archive", "ContactPhone")] == "137****1111"
    assert got[("Archive", "CreditCode")] == "110105********002X"


# ---------------------------------------------------------------- the key


def test_key_from_the_environment_wins_over_the_config_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("APPDATA", str(tmp_path))
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert load_secret() is None
    config_path().parent.mkdir(parents=True)
    config_path().write_text("from-file-IKY6-a3lFha7ukxkbuDCBGVkDC8mGc5qLc2leSMv8A7g\n", encoding="utf-8")
    assert load_secret() == b"from-file-IKY6-a3lFha7ukxkbuDCBGVkDC8mGc5qLc2leSMv8A7g"
    monkeypatch.setenv(ENV_VAR, "from-env-VQ6aj8q2d4Dkl3nOs94skyQ17jM0VVDFjMLSiXAgm1mD")
    assert load_secret() == b"from-env-VQ6aj8q2d4Dkl3nOs94skyQ17jM0VVDFjMLSiXAgm1mD"


# ---------------------------------------------------------------- vault and reveal


@pytest.fixture
def keyed(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, KEY.decode())
    db = make_db({"Customers": rows()})
    db.path = tmp_path / "team.xlsx"
    return db


def test_mask_operation_keeps_raw_values_in_the_vault_and_reveal_reads_them(keyed, monkeypatch):
    result = mask_ops.mask(keyed, RunContext())
    assert result.data["vault"] == "team.xlsx.vault"
    text = vault_path(keyed.path).read_text(encoding="utf-8")
    assert "13812345678" not in text and "138-1234-5678" not in text and PERSON_ID not in text
    apply(keyed, result)

    shown = mask_ops.reveal(keyed, RunContext(), "C20240315002")
    assert shown.data["values"]["Customers"] == {"CreditCode": PERSON_ID, "ContactPhone": "0755 8888 1234"}
    assert PERSON_ID in shown.summary_en
    assert mask_ops.reveal(keyed, RunContext(), "C20249999999").has_problems

    monkeypatch.setenv(ENV_VAR, "wrong-JP-TDBny-XOjU1VoszcDJ_3uhcWj9F5cQk_WwOTRBIqQ")
    with pytest.raises(VaultKeyError):
        mask_ops.reveal(keyed, RunContext(), "C20240315002")
    with pytest.raises(VaultKeyError):          # mask stops before the book is touched
        mask_ops.mask(keyed, RunContext())


def test_reveal_without_a_key_explains_how_to_set_one(keyed, monkeypatch, tmp_path):
    mask_ops.mask(keyed, RunContext())
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "nothing"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "nothing"))
    with pytest.raises(XlToolsError) as err:
        mask_ops.reveal(keyed, RunContext(), "C20240315002")
    assert ENV_VAR in err.value.zh and ENV_VAR in err.value.en


def test_a_changed_value_keeps_its_history(tmp_path):
    v = Vault.open(tmp_path / "b.vault", KEY)
    assert v.add("Customers", "C1", "ContactPhone", "13800000000")
    assert not v.add("Customers", "C1", "ContactPhone", "13800000000")
    assert v.add("Customers", "C1", "ContactPhone", "13900000000")
    v.save()
    again = Vault.open(tmp_path / "b.vault", KEY)
    assert again.get("Customers", "C1") == {"ContactPhone": ["13800000000", "13900000000"]}


# ---------------------------------------------------------------- region from the code


def test_fill_region_uses_the_code_and_only_fills_blanks():
    db = make_db({"Customers": [
        {"CustomerID": "C1", "CustomerType": "企业", "CreditCode": COMPANY_CODE, "Region": None},
        {"CustomerID": "C2", "CustomerType": "个人", "CreditCode": "510104********1234", "Region": ""},
        {"CustomerID": "C3", "CustomerType": "企业", "CreditCode": COMPANY_CODE, "Region": "华东"},
        {"CustomerID": "C4", "CustomerType": "企业", "CreditCode": "91440300MA5F5X1230", "Region": None},
    ]})
    result = fill_regions(db, today=datetime.date(2024, 6, 1))
    assert {(u.row, u.new) for u in result.changes.updates} == {(2, "华南"), (3, "西南")}
    assert all("440300" in u.note or "510104" in u.note for u in result.changes.updates)


def test_fill_region_respects_the_books_own_region_list():
    db = make_db({"Customers": [{"CustomerID": "C1", "CustomerType": "企业",
                                 "CreditCode": COMPANY_CODE, "Region": None}]},
                 lists={"Region": ["南区", "北区"]})
    assert fill_regions(db).changes.updates == []


# ---------------------------------------------------------------- idempotence, any input

from hypothesis import given, settings
from hypothesis import strategies as st

phones = st.one_of(
    st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
    st.from_regex(r"\+86 1[3-9]\d-\d{4}-\d{4}", fullmatch=True),
    st.from_regex(r"0\d{2,3}-\d{7,8}", fullmatch=True),
    st.text(alphabet="0123456789 -+()*", max_size=16))
emails = st.one_of(st.emails(), st.text(max_size=12))
codes = st.one_of(st.just(PERSON_ID), st.just(COMPANY_CODE), st.from_regex(r"\d{17}[\dX]", fullmatch=True),
                  st.text(alphabet="0123456789ABX*", max_size=20))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(phones, emails, codes, st.sampled_from(["企业", "个人", None])),
                min_size=1, max_size=5))
def test_masking_twice_changes_nothing_the_second_time(records):
    db = make_db({"Customers": [
        {"CustomerID": f"C20240315{i:03d}", "ContactPhone": p, "Email": e, "CreditCode": c,
         "CustomerType": t} for i, (p, e, c, t) in enumerate(records)]})
    apply(db, mask(db, KEY, vault_name="v"))
    again = mask(db, KEY, vault_name="v")
    assert again.changes.updates == []


def test_an_id_number_on_a_company_row_is_masked_and_a_company_code_kept():
    """What a CreditCode cell holds decides, not only the row's type: a valid 身份证号 typed on a
    company's row is a person's number (masked); a company's code or a code that is neither stays."""
    db = make_db({"Customers": [
        {"CustomerID": "C1", "CustomerType": "企业", "CreditCode": PERSON_ID},
        {"CustomerID": "C2", "CustomerType": "企业", "CreditCode": COMPANY_CODE},
        {"CustomerID": "C3", "CustomerType": "企业", "CreditCode": "11010519491231002Y"},
        {"CustomerID": "C4", "CustomerType": None, "CreditCode": PERSON_ID},
        {"CustomerID": "C5", "CustomerType": "个人", "CreditCode": COMPANY_CODE}]})
    masked = {db.customers.at[row, "CustomerID"]: new for (row, column), new
              in cells(mask(db, KEY, vault_name="v")).items() if column == "CreditCode"}
    assert masked == {"C1": "110105********002X", "C4": "110105********002X",
                      "C5": COMPANY_CODE[:6] + "********" + COMPANY_CODE[-4:]}


def test_phones_typed_as_numbers_blanks_of_spaces_and_masked_cells():
    """A phone typed as a number is masked, in its own column and inside free text; a cell of
    spaces and one masked already are left; free text without a number is still scrubbed."""
    db = make_db({"Customers": [
        {"CustomerID": "C20240315001", "ContactPhone": 13812345678.0, "Remarks": 13912345678.0},
        {"CustomerID": " C20240315002 ", "ContactPhone": "\u3000 ", "Remarks": "电话 13700001111"},
        {"CustomerID": "C20240315003", "ContactPhone": "139****0000", "Remarks": "回访"},
        {"CustomerID": None, "ContactPhone": "137 0000 2222", "Remarks": None}]})
    db.df("Customers")["Remarks"] = db.df("Customers")["Remarks"].astype(object)
    got = cells(mask(db, KEY, vault_name="v"))
    assert got[(2, "ContactPhone")] == "138****5678" and got[(2, "Remarks")] == "139****5678"
    assert got[(3, "Remarks")] == "电话 137****1111"
    assert got[(5, "ContactPhone")] == "137****2222"
    assert not {(3, "ContactPhone"), (4, "ContactPhone"), (4, "Remarks")} & set(got)
    assert got[(2, "PhoneFP")] == fingerprint("phone", "13812345678", KEY)


def test_every_text_column_is_scrubbed_when_it_holds_only_text():
    db = make_db({"Customers": [{"CustomerID": "C20240315001", "Remarks": "邮箱 wei@qq.com"},
                                {"CustomerID": "C20240315002", "Remarks": None}]})
    assert cells(mask(db, KEY, vault_name="v")) == {(2, "Remarks"): "邮箱 w***@qq.com"}
