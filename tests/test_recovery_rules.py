"""Issue 14, case 6 through the CLI: conditions that would exhaust the stack or the calendar are
refused by the parser with a pointer to the rule; ``tag`` skips such a rule and ``monthly`` reports
it and goes on with every other step."""

import json

import pytest

from integration_support import demo_book, run, working_copy_of
from xltools.backend.file import FileBackend
from xltools.changes import Changeset, RowAppend

DEEP = "(" * 3000 + "Region=华南" + ")" * 3000
HOSTILE = {
    "R-DEEP": DEEP,
    "R-NOT": "not " * 3000 + "Region=华南",
    "R-LONG": " or ".join(["Region=华南"] * 5000),
    "R-DAYS": "count_followups(999999999999) > 1",
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "team.xlsx"
    demo_book(path, customers=40, seed=33)
    return path


@pytest.fixture
def book(pristine, tmp_path, monkeypatch):
    path = working_copy_of(pristine, tmp_path, monkeypatch)
    backend = FileBackend(path)
    db = backend.load()
    rows = [RowAppend("Rules", {"RuleID": rid, "Enabled": "是", "Condition": cond,
                                "TagType": "价值", "TagName": f"测试{rid}", "Priority": 1})
            for rid, cond in HOSTILE.items()]
    backend.apply(Changeset("setup", appends=rows), db)
    return path


@pytest.mark.parametrize("condition,words", [
    (DEEP, ["nest at most"]),
    ("not " * 3000 + "Region=华南", ["nest at most"]),
    (" or ".join(["Region=华南"] * 5000), ["at most 100 comparisons"]),
    ("count_followups(999999999999) > 1", ["too many days"]),
    ("followup_within(99999999999)", ["too many days"]),
])
def test_a_hostile_query_is_a_message(book, condition, words):
    result = run("query", book, condition)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.stderr
    assert "bad condition at position" in result.stderr
    for word in words:
        assert word in result.stderr


def test_tag_skips_each_hostile_rule_naming_it(book):
    result = run("tag", book, "--json")
    assert result.exit_code == 1, result.output          # done, with problems to look at
    doc = json.loads(result.stdout)
    skipped = {r["RuleID"] for r in doc["skipped_rules"]}
    assert skipped == set(HOSTILE)
    messages = " ".join(i["message_en"] for i in doc["issues"])
    for rid in HOSTILE:
        assert f"rule {rid} skipped" in messages
    assert doc["added"], "the good rules still tag customers"


def test_monthly_reports_the_broken_rules_and_runs_every_step(book):
    result = run("monthly", book, "--json")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    doc = json.loads(result.stdout)["books"][0]
    from xltools.monthly import STEPS
    steps = [s["op"] for s in doc["steps"]]
    assert steps == [op for op, _ in STEPS]                 # tag and every step after it ran
    rule_issues = [i for i in doc["issues"] if i["check"] == "rule"]
    assert {rid for rid in HOSTILE if any(rid in i["message_en"] for i in rule_issues)} == set(HOSTILE)
    report = (book.parent / doc["report"].split("/")[-1]).read_text(encoding="utf-8")
    assert "R-DEEP" in report


def test_monthly_reports_a_step_that_fails_and_goes_on(book, monkeypatch):
    """Any step that cannot run (here pool meets an error nobody foresaw) is reported; the steps
    after it still run and the batch is still swapped in."""
    import dataclasses

    from xltools.catalog import get
    from xltools.registry import REGISTRY

    def broken(db, ctx, **params):
        raise OverflowError("date value out of range")

    get("pool")
    monkeypatch.setitem(REGISTRY, "pool", dataclasses.replace(REGISTRY["pool"], func=broken))
    result = run("monthly", book, "--json", "--lang", "en")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)["books"][0]
    from xltools.monthly import STEPS
    assert [s["op"] for s in doc["steps"]] == [op for op, _ in STEPS]
    failed = [i for i in doc["issues"] if i["check"] == "step"]
    assert len(failed) == 1 and "did not run" in failed[0]["message_en"]
    assert "OverflowError" in failed[0]["message_en"]
