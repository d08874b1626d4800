"""A bad --check or --month is named as such (exit 2, book untouched); a failure inside the
checks or the summary is not passed off as one (it was: any ValueError read "bad --check")."""

import pytest

from integration_support import demo_book, run, sha, working_copy_of
from xltools.operations import summary as summary_op
from xltools.operations import validate as validate_op


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "team.xlsx"
    demo_book(path, customers=40, seed=2)
    return path


@pytest.fixture
def book(pristine, tmp_path, monkeypatch):
    return working_copy_of(pristine, tmp_path, monkeypatch)


@pytest.mark.parametrize("args, words", [
    (["validate", "--check", "nosuch=off"], "bad --check"),
    (["validate", "--check", "unmasked=loud"], "bad --check"),
    (["summary", "--month", "2999-01"], "bad month"),
    (["summary", "--month", "soon"], "bad month"),
])
def test_a_bad_option_is_named_and_the_book_left_alone(book, args, words):
    before = sha(book)
    result = run(args[0], book, *args[1:])
    assert result.exit_code == 2
    assert words in result.output
    assert sha(book) == before


def test_a_failure_inside_the_checks_is_not_called_a_bad_option(book, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("something inside broke")
    monkeypatch.setattr(validate_op, "run_validate", broken)
    monkeypatch.setattr(summary_op, "summarize", broken)
    for command, words in (("validate", "bad --check"), ("summary", "bad month")):
        result = run(command, book)
        assert result.exit_code == 2
        assert "internal error" in result.output and words not in result.output
