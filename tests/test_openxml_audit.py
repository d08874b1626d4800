"""Every kind of file xltools writes passes openxml-audit (a port of Microsoft's Open XML SDK
validator) with the Microsoft 365 profile: the template, a new demo book, the add-in, books after
each writing command, after two monthly runs, after table edits around an enriched book and after
a text over Excel's cell limit."""

from __future__ import annotations

import pytest
from integration_support import cli, demo_book, use_demo_key

openxml_audit = pytest.importorskip("openxml_audit")


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    use_demo_key(monkeypatch)


def audit(path):
    validator = openxml_audit.OpenXmlValidator(
        file_format=openxml_audit.FileFormat.MICROSOFT_365, max_errors=0)
    return validator.validate(str(path))


def errors(result) -> set[str]:
    return {f"{e.error_type}: {e.description}" for e in result.errors
            if str(e.severity).endswith("ERROR")}


def assert_valid(path) -> None:
    result = audit(path)
    assert result.is_valid, f"{path.name}: " + "\n".join(sorted(errors(result))[:20])


def test_template_and_new_book(tmp_path):
    template = tmp_path / "template.xlsx"
    assert cli("template", "-o", template)[0] == 0
    assert_valid(template)
    book = tmp_path / "new.xlsx"
    assert cli("new", book, "--demo")[0] == 0
    assert_valid(book)


def test_the_add_in(tmp_path):
    addin = tmp_path / "xltools.xlam"
    code, _, err = cli("addin", "build", "-o", addin)
    assert code == 0, err
    assert_valid(addin)


def test_books_after_each_writing_command_and_two_monthly_runs(tmp_path):
    book = tmp_path / "book.xlsx"
    demo_book(book, customers=120)
    source = tmp_path / "leads.csv"
    source.write_text("客户名称,联系电话,备注\n广州市蓝海信息科技有限公司,13920010001,"
                      + "很长的备注" * 8000 + "\n", encoding="utf-8-sig")
    for args in (("validate",), ("mask",), ("fill-region",), ("tag",), ("sync",), ("dedupe",),
                 ("import", source), ("summary",), ("pool", "--apply")):
        code, _, err = cli(args[0], book, *args[1:])
        assert code in (0, 1), (args, err)
        assert_valid(book)
    for run in (1, 2):
        code, _, err = cli("monthly", book)
        assert code in (0, 1), err
        assert_valid(book)


def test_an_enriched_book_after_merge_and_import(tmp_path):
    """The enriched book is made with openpyxl, whose styles part the validator already faults
    (font children out of order): table edits must add no finding of their own."""
    from test_table_edits import approve_all, enriched_book

    book = tmp_path / "book.xlsx"
    enriched_book(book, total_row=True)
    found = errors(audit(book))
    assert cli("dedupe", book)[0] in (0, 1)
    approve_all(book)
    assert cli("merge", book)[0] == 0
    assert errors(audit(book)) <= found
    source = tmp_path / "leads.csv"
    source.write_text("客户名称,联系电话\n杭州市青禾制造有限公司,13920010002\n"
                      "成都市锦程物流有限公司,13920010003\n", encoding="utf-8-sig")
    assert cli("import", book, source)[0] in (0, 1)
    assert errors(audit(book)) <= found
