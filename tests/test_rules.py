"""The condition language: what people type in the Rules sheet and in ``xltools query``."""

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from xltools.core.condition import ConditionError, Context, evaluate, explain, parse, tokenize
from xltools.errors import XlToolsError
from xltools.testing import make_db

TODAY = dt.date(2024, 9, 2)


def run(condition, customers, **frames):
    db = make_db({"Customers": customers, **frames})
    return evaluate(parse(condition), Context.from_db(db, TODAY)).tolist()


PEOPLE = [
    {"CustomerID": "C1", "AnnualSpend": 128000, "Industry": "IT服务业", "Region": "华南",
     "LastFollowUpTime": dt.date(2024, 1, 1), "CreateTime": "2024/03/15"},
    {"CustomerID": "C2", "AnnualSpend": "5,000", "Industry": "制造业", "Region": None,
     "LastFollowUpTime": None, "CreateTime": dt.date(2023, 1, 1)},
    {"CustomerID": "C3", "AnnualSpend": None, "Industry": " ＩＴ服务业 ", "Region": "华东",
     "LastFollowUpTime": dt.datetime(2024, 8, 30, 15, 0), "CreateTime": None},
]


@pytest.mark.parametrize("condition, expected", [
    ("AnnualSpend >= 100000", [True, False, False]),
    ("年度消费金额 >= 10万", [True, False, False]),           # Chinese label, 万
    ("AnnualSpend < 100000", [False, True, False]),           # blank spend matches nothing
    ("AnnualSpend != 5000", [True, False, True]),             # ... except !=
    ("Industry = IT服务业", [True, False, True]),              # full-width and spaces folded
    ("Region in [华南, 华东]", [True, False, True]),
    ("Region not in [华南]", [False, True, True]),
    ("Region is blank", [False, True, False]),
    ("所属区域 is not blank 且 Industry = 制造业", [False, False, False]),
    ("Region = 华南 或 Industry = 制造业", [True, True, False]),
    ("not (Region = 华南 or Region is blank)", [False, False, True]),
    ("days_since(LastFollowUpTime) > 180 or LastFollowUpTime is blank", [True, True, False]),
    ("CreateTime >= 2024-01-01", [True, False, False]),
    ("创建时间 < 2024/1/1", [False, True, False]),
    ('Industry = "IT服务业" and AnnualSpend>=1e5', [True, False, False]),
])
def test_conditions_select_the_customers_a_person_expects(condition, expected):
    assert run(condition, PEOPLE) == expected


def test_follow_up_counts_tags_and_shorthand():
    fups = [{"CustomerID": "C1", "FollowUpTime": dt.datetime(2024, 8, 20, 9)},
            {"CustomerID": "C1", "FollowUpTime": dt.datetime(2024, 9, 1, 9)},
            {"CustomerID": "C2", "FollowUpTime": dt.datetime(2024, 5, 1, 9)},
            {"CustomerID": "C3", "FollowUpTime": dt.datetime(2024, 9, 20, 9)}]   # future: a plan
    tags = [{"CustomerID": "C2", "TagType": "价值", "TagName": "高价值", "Source": "manual"}]
    assert run("count_followups(30) >= 2", PEOPLE, FollowUps=fups) == [True, False, False]
    assert run("followup_within(30)", PEOPLE, FollowUps=fups) == [True, False, False]
    assert run("followup_within(200)", PEOPLE, FollowUps=fups) == [True, True, False]
    assert run("tag:价值=高价值", PEOPLE, Tags=tags) == [False, True, False]
    assert run("has_tag(价值, 高价值) or Region = 华南", PEOPLE, Tags=tags) == [True, True, False]


def test_reason_shows_the_values_that_made_the_rule_hold():
    db = make_db({"Customers": PEOPLE})
    ctx = Context.from_db(db, TODAY)
    node = parse("AnnualSpend >= 100000 or LastFollowUpTime is blank")
    reasons = explain(node, ctx, db.customers.iloc[:2]).tolist()
    assert reasons == ["AnnualSpend 128000 >= 100000", "LastFollowUpTime is blank"]


@pytest.mark.parametrize("condition, position, token", [
    ("Regoin = 华南", 1, "Regoin"),                          # unknown column
    ("AnnualSpend >= lots", 16, "lots"),                     # number expected
    ("Region = 华南 and and Industry = x", 17, "and"),
    ("(Region = 华南", 13, ""),                              # missing )
    ("days_since(Region) > 3", 12, "Region"),                # not a date column
    ("count_followups(30)", 20, ""),                         # needs a comparison
    ("frobnicate(1) > 2", 1, "frobnicate"),
    ("CreateTime > someday", 14, "someday"),
    ("Region = 华南 @ x", 13, "@"),
])
def test_mistakes_point_at_the_wrong_token(condition, position, token):
    with pytest.raises(ConditionError) as info:
        parse(condition)
    err = info.value
    assert err.pos + 1 == position
    assert f"position {position}" in err.en and f"第 {position} 个字符" in err.zh
    assert "\n" not in err.en and "\n" not in err.zh  # the condition is shown once, below
    lines = err.detail.splitlines()
    caret_line, text_line = lines[-1], lines[-2]
    assert text_line.strip() == condition and caret_line.strip() == "^"
    if token:
        assert condition[err.pos:].startswith(token)


def test_caret_lines_up_under_chinese_text():
    with pytest.raises(ConditionError) as info:
        parse("所属区域 = 华南 且 且")
    text_line, caret_line = info.value.detail.splitlines()[-2:]
    # 所属区域, 华南 and 且 are double-width: the caret sits under the second 且 on a terminal
    assert caret_line.index("^") == len("  所属区域 = 华南 且 ") + 7


def test_no_eval_names_are_just_unknown_columns():
    for attack in ("__import__('os').system('x')", "open('f').read() > 1", "lambda: 1"):
        with pytest.raises(ConditionError):
            parse(attack)


WORDS = ["AnnualSpend", "Region", "华南", "and", "or", "not", "且", "或", "in", "is", "blank",
         "(", ")", "[", "]", ",", "=", "!=", ">=", "<", "days_since", "count_followups",
         "has_tag", "followup_within", "tag", ":", "30", "1e5", "2024-03-15", '"a b"', "'",
         "@", "＝", "≥", "  ", "\t", "所属区域", "LastFollowUpTime"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=12), st.text(max_size=12))
def test_any_token_soup_gives_our_clear_error_or_a_condition(words, noise):
    text = " ".join(words) + noise
    try:
        node = parse(text)
    except ConditionError as err:
        assert isinstance(err, XlToolsError) and 0 <= err.pos <= len(text)
        assert "^" in err.detail and f"position {err.pos + 1}" in err.en
        return
    # Whatever parses must also evaluate.
    db = make_db({"Customers": PEOPLE})
    assert len(evaluate(node, Context.from_db(db, TODAY))) == 3


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_tokenizer_positions_point_into_the_text(text):
    try:
        tokens = tokenize(text)
    except ConditionError as err:
        assert 0 <= err.pos < len(text)
        return
    for tok in tokens[:-1]:
        assert 0 <= tok.pos < len(text)
