"""validate(): each kind of problem is found at its row and column, a clean book passes, and the
Issues sheet, marks and severities behave as a team expects."""

import datetime

import pytest
from stdnum.cn import uscc

from xltools.changes import TableReplace
from xltools.core.validate import validate
from xltools.testing import make_db

TODAY = datetime.date(2024, 6, 1)


def uscc_code(body17):
    """A valid 统一社会信用代码: python-stdnum (not the code under test) computes the check digit."""
    return body17 + uscc.calc_check_digit(body17)


SHENZHEN = uscc_code("91440300MA5F5X123")   # 广东 -> 华南
XIAMEN = uscc_code("91350200MA2Y0B3C4")     # 福建 -> 华东


def customer(n, **over):
    row = {"CustomerID": f"C20240315{n:03d}", "CustomerName": f"客户{n}", "CustomerType": "企业",
           "CreditCode": "91110000600037341L", "ContactPerson": "王经理",
           "ContactPhone": f"138****{n:04d}", "Email": f"z***@example{n}.com", "Industry": "制造业",
           "Region": "华北", "CustomerLevel": "VIP", "CooperationPhase": "意向客户", "Owner": "张三",
           "CreateTime": datetime.datetime(2024, 3, 15), "LastFollowUpTime": datetime.datetime(2024, 5, 1),
           "NextFollowUpTime": datetime.datetime(2024, 6, 10), "DealAmount": 0, "AnnualSpend": 1000.0,
           "PhoneFP": f"fp{n}", "CreditCodeFP": f"cc{n}"}
    row.update(over)
    return row


def book(customers, **frames):
    return make_db({"Customers": customers, **frames},
                   lists={"Staff": ["公海", "张三", "李四"]})


def found(result):
    return {(i.table, i.row, i.column, i.check) for i in result.issues}


def test_a_clean_book_passes():
    db = book([customer(1), customer(2, CreditCode=SHENZHEN, CreditCodeFP="cc2", Region="华南"),
               customer(3, CustomerType="个人", CreditCode="110105********002X", Region="")],
              FollowUps=[{"FollowUpID": "F20240316001", "CustomerID": "C20240315001",
                          "FollowUpTime": datetime.datetime(2024, 3, 16, 10, 30), "Method": "电话",
                          "Staff": "张三"}])
    result = validate(db, today=TODAY)
    assert result.issues == []
    assert result.has_problems is False
    assert result.changes.marks == []  # a list: old marks go


def test_each_problem_is_found_at_its_cell():
    rows = [
        customer(1, CustomerName="  "),                                   # row 2: required
        customer(2, Industry="制造"),                                      # not in the list
        customer(3, CreateTime=datetime.datetime(2024, 7, 1)),            # future
        customer(4, NextFollowUpTime=datetime.datetime(2024, 4, 1)),      # before last follow-up
        customer(5, CreditCode="91110000600037341M"),                     # check digit
        customer(6, CustomerType="个人", CreditCode="110105194913310021", Region=""),  # birth date
        customer(7, CreditCode=None, CreditCodeFP=None),                  # company without a code
        customer(8, ContactPhone="12345"),                                # not a phone (nor personal)
        customer(9, ContactPhone="13912345678", PhoneFP=None),            # raw phone
        customer(10, CustomerID="C2024031501"),                           # bad ID format
        customer(11, CustomerID="C20240315001"),                          # same ID as row 2
        customer(12, AnnualSpend=-5),                                     # below minimum
        customer(13, CreateTime="下周"),                                   # not a date
        customer(14, Email="Wei.Zhang@qq.com"),                           # raw e-mail
        customer(15, Region="华南"),                                       # code says 北京 (华北)
    ]
    db = book(rows, FollowUps=[{"FollowUpID": "F20240316001", "CustomerID": "C20249999999",
                                "FollowUpTime": datetime.datetime(2024, 3, 16), "Method": "电话",
                                "Staff": "张三"}])
    got = found(validate(db, today=TODAY))
    expected = {
        ("Customers", 2, "CustomerName", "required"),
        ("Customers", 3, "Industry", "list"),
        ("Customers", 4, "CreateTime", "future_date"),
        ("Customers", 5, "NextFollowUpTime", "date_order"),
        ("Customers", 6, "CreditCode", "uscc"),
        ("Customers", 7, "CreditCode", "idcard"),
        ("Customers", 7, "CreditCode", "unmasked"),   # a mistyped ID number still names a person
        ("Customers", 8, "CreditCode", "code_required"),
        ("Customers", 9, "ContactPhone", "phone"),
        ("Customers", 10, "ContactPhone", "unmasked"),
        ("Customers", 11, "CustomerID", "id_format"),
        ("Customers", 2, "CustomerID", "unique"),
        ("Customers", 12, "CustomerID", "unique"),
        ("Customers", 13, "AnnualSpend", "min"),
        ("Customers", 14, "CreateTime", "type"),
        ("Customers", 15, "Email", "unmasked"),
        ("FollowUps", 2, "CustomerID", "reference"),
    }
    assert expected <= got
    # The one row whose region disagrees with its code, and nothing unplanned besides it.
    assert ("Customers", 16, "Region", "region") in got
    assert got - expected - {("Customers", 16, "Region", "region")} == set()


def test_messages_are_bilingual_and_raw_personal_data_is_not_repeated():
    db = book([customer(1, ContactPhone="13912345678", PhoneFP=None,
                        CustomerType="个人", CreditCode="11010519491231002X", Region="")])
    result = validate(db, today=TODAY)
    assert {i.check for i in result.issues} == {"unmasked"}
    for issue in result.issues:
        assert issue.message_zh and issue.message_en and issue.message_zh != issue.message_en
        assert "13912345678" not in str(issue.value) and "11010519491231002X" not in str(issue.value)
    values = {i.column: i.value for i in result.issues}
    assert values == {"ContactPhone": "139****5678", "CreditCode": "110105********002X"}


def test_duplicates_by_credit_code_and_by_phone_fingerprint():
    db = book([customer(1), customer(2, CreditCodeFP="cc1"),            # same code (FP and raw)
               customer(3, CreditCode=SHENZHEN, CreditCodeFP="x", PhoneFP="same", Region="华南"),
               customer(4, CreditCode=XIAMEN, CreditCodeFP="y", PhoneFP="same", Region="华东")])
    result = validate(db, today=TODAY)
    dups = {(i.row, i.column) for i in result.issues if i.check == "duplicate"}
    assert dups == {(2, "CreditCode"), (3, "CreditCode"), (4, "ContactPhone"), (5, "ContactPhone")}
    msg = next(i for i in result.issues if i.check == "duplicate" and i.row == 4)
    assert "C20240315004" in msg.message_en and msg.severity == "warning"


def test_a_raw_phone_matches_a_masked_one_through_the_key():
    from xltools.core.privacy import fingerprint
    key = b"team-secret"
    db = book([customer(1, PhoneFP=fingerprint("phone", "13912345678", key)),
               customer(2, CreditCode=SHENZHEN, CreditCodeFP="x", Region="华南",
                        ContactPhone="139 1234 5678", PhoneFP=None)])
    with_key = validate(db, today=TODAY, key=key, config={"unmasked": "off"})
    assert {(i.row, i.check) for i in with_key.issues} == {(2, "duplicate"), (3, "duplicate")}
    without = validate(db, today=TODAY, config={"unmasked": "off"})
    assert without.issues == []


def test_severity_can_be_changed_in_settings_or_config():
    db = make_db({"Customers": [customer(1, ContactPhone="13912345678")]},
                 lists={"Staff": ["张三"]}, settings={"validate.unmasked": "关闭"})
    assert validate(db, today=TODAY).issues == []
    result = validate(db, today=TODAY, config={"unmasked": "error"})
    assert [(i.check, i.severity) for i in result.issues] == [("unmasked", "error")]
    with pytest.raises(ValueError):
        validate(db, today=TODAY, config={"no_such_check": "off"})


def test_issues_sheet_and_marks_point_at_the_cells():
    db = book([customer(1, Industry="制造", ContactPhone="12345")])
    result = validate(db, today=TODAY)
    replace = result.changes.replaces[0]
    assert isinstance(replace, TableReplace) and replace.table == "Issues"
    assert [r["Column"] for r in replace.rows] == ["联系电话", "所属行业"]  # schema order, book labels
    assert all(r["Severity"] == "错误" and r["Sheet"] == "客户基础信息" and r["Row"] == 2
               for r in replace.rows)
    assert replace.links == {(0, "Link"): db.cell_ref("Customers", 2, "ContactPhone"),
                             (1, "Link"): db.cell_ref("Customers", 2, "Industry")}
    assert {(m.row, m.column, m.severity) for m in result.changes.marks} == {
        (2, "ContactPhone", "error"), (2, "Industry", "error")}


def test_several_problems_in_one_cell_share_one_mark():
    db = book([customer(1, CustomerID="X1"), customer(2, CustomerID="X1")])
    result = validate(db, today=TODAY)
    marks = [m for m in result.changes.marks if m.column == "CustomerID"]
    assert len(marks) == 2 and all("\n" in m.message for m in marks)


def test_english_book_gets_english_sheet_text():
    db = make_db({"Customers": [customer(1, Industry="Manufacturing")]}, lang="en",
                 lists={"Staff": ["张三"]})
    row = validate(db, today=TODAY).changes.replaces[0].rows[0]
    assert (row["Severity"], row["Column"], row["Sheet"]) == ("error", "Industry", "Customers")
    assert "dropdown" in row["Message"]


def test_no_mark_only_reports():
    db = book([customer(1, Industry="制造")])
    result = validate(db, today=TODAY, mark=False)
    assert result.has_problems and result.changes.is_empty()


def test_load_issues_are_reported_first():
    from xltools.changes import Issue
    db = book([customer(1, Industry="制造")])
    db.load_issues.append(Issue("Customers", None, None, None, "load", "warning",
                                "多余的列", "extra column"))
    result = validate(db, today=TODAY)
    assert [i.check for i in result.issues] == ["load", "list"]


def test_the_book_lists_win_over_the_schema():
    db = make_db({"Customers": [customer(1, Industry="新能源")]},
                 lists={"Staff": ["张三"], "Industry": ["新能源", "制造业"]})
    assert validate(db, today=TODAY).issues == []


def test_json_payload_shape():
    db = book([customer(1, Industry="制造")])
    result = validate(db, today=TODAY)
    assert result.data["counts"] == {"error": 1, "warning": 0, "checks": {"list": 1}}
    # --json adds every issue from Result.issues (the CLI's payload), in this shape
    assert set(result.issues[0].to_json()) == {"table", "row", "column", "value", "check",
                                               "severity", "message_zh", "message_en"}


def test_a_cell_the_loader_could_not_read_is_reported_once():
    from xltools.changes import Issue

    db = make_db({"Customers": [{"CustomerID": "C20240315001", "CustomerName": "甲", "CreateTime": "去年"}]})
    db.load_issues.append(Issue("Customers", 2, "CreateTime", "去年", "load", "warning",
                                "无法识别为日期", "cannot be read as a date"))
    db.load_issues.append(Issue("Customers", 2, "Remarks", "x", "load", "warning", "z", "e"))
    issues = validate(db).issues
    on_create = [i for i in issues if i.row == 2 and i.column == "CreateTime"]
    assert len(on_create) == 1 and on_create[0].check != "load"
    assert any(i.column == "Remarks" and i.check == "load" for i in issues)


def test_a_pair_judged_different_is_no_longer_a_suspected_duplicate():
    customers = [{"CustomerID": cid, "CustomerName": name, "CustomerType": "企业",
                  "CreditCode": "91440300MA5F5X1234", "ContactPhone": "138****5678"}
                 for cid, name in (("C20240315001", "甲公司"), ("C20240315002", "乙公司"))]
    suspects = [i for i in validate(make_db({"Customers": customers})).issues if i.check == "duplicate"]
    assert {i.row for i in suspects} == {2, 3}
    judged = make_db({"Customers": customers, "RejectedPairs": [
        {"CustomerID1": "C20240315002", "CustomerID2": "C20240315001"}]})
    assert not [i for i in validate(judged).issues if i.check == "duplicate"]


def test_a_switchboard_shared_by_thousands_names_a_few_and_counts_the_rest():
    """3,000 customers on one switchboard: each is a suspected duplicate whose message names five
    of the others and counts the rest (not 2,999 IDs in a note, nor a pass over every pair), and
    a pair a reviewer judged different still leaves each out of the other's list and count."""
    n = 3_000
    ids = [f"C2024{i:07d}" for i in range(n)]
    customers = [{"CustomerID": cid, "CustomerName": f"客户{i}", "CustomerType": "企业",
                  "ContactPhone": "0755****6666", "PhoneFP": "switchboard"}
                 for i, cid in enumerate(ids)]
    db = make_db({"Customers": customers, "RejectedPairs": [
        {"CustomerID1": ids[0], "CustomerID2": ids[1]}]})
    dups = {i.row: i for i in validate(db, config={"unmasked": "off"}).issues
            if i.check == "duplicate" and i.column == "ContactPhone"}
    assert set(dups) == set(range(2, n + 2))
    first, third = dups[2], dups[4]
    assert ids[1] not in first.message_en and f"and {n - 2 - 5:,} more" in first.message_en
    assert f"等 {n - 2:,} 个客户" in first.message_zh
    assert f"as {ids[0]}, {ids[1]}, {ids[3]}, {ids[4]}, {ids[5]} and {n - 1 - 5:,} more" \
        in third.message_en
    assert all(len(i.message_zh) < 200 for i in dups.values())


def test_raw_data_in_a_long_column_of_repeated_phrases_is_found_in_each_cell_holding_it():
    """A follow-up column repeats a few phrases thousands of times: every cell holding a raw
    phone or e-mail is reported, at its row, and no other cell."""
    phrases = ["已电话沟通", "客户电话 13812345678 请回电", None, "  ", "对方邮箱 wang@example.cn",
               "订单号 C20240315001", "回电 138****5678", "客户电话 13812345678 请回电"]
    rows = [{"FollowUpID": f"F2024{i:07d}", "CustomerID": "C20240315001",
             "FollowUpTime": datetime.datetime(2024, 3, 16), "Method": "电话", "Staff": "张三",
             "Content": phrases[(i * 7) % len(phrases)]} for i in range(2_500)]
    db = book([customer(1)], FollowUps=rows)
    flagged = {i.row for i in validate(db, today=TODAY).issues
               if i.check == "unmasked" and i.column == "Content"}
    raw = {1, 4, 7}
    assert flagged == {i + 2 for i in range(2_500) if (i * 7) % len(phrases) in raw}


@pytest.mark.parametrize("odd", [[], [5.0, 5]])
def test_a_long_dropdown_column_is_judged_cell_by_cell(odd):
    """3,000 customers whose Industry repeats a few values, typed with stray spaces, left blank
    or off the list (and, in one run, numbers typed in: 5 is on the list, 5.0 reads as another
    value): each cell gets the answer it gets alone: blank ones 'required', unlisted ones
    'list', nothing for the others."""
    typed = ["制造业", " 制造业\u3000", None, "   ", "造船业", "", float("nan"), "制造业 ", *odd]
    customers = [customer(i, Industry=typed[(i * 7) % len(typed)]) for i in range(1, 3_001)]
    db = make_db({"Customers": customers},
                 lists={"Staff": ["公海", "张三", "李四"], "Industry": ["制造业", "5"]})
    issues = {(i.row, i.check) for i in validate(db, today=TODAY).issues
              if i.column == "Industry"}

    def expected(value):
        if value is None or value != value or (isinstance(value, str) and not value.strip()):
            return "required"
        return None if str(value).strip() in ("制造业", "5") else "list"
    want = {(i + 1, expected(typed[(i * 7) % len(typed)])) for i in range(1, 3_001)}
    assert issues == {w for w in want if w[1]}
