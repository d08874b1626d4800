"""The command line: generated from the registry, every command documented, exit codes 0/1/2."""

import json

import pytest
from click.testing import CliRunner

from xltools.cli import main
from xltools.catalog import operations


@pytest.fixture
def runner():
    return CliRunner()


def test_every_operation_is_a_command_with_an_example(runner):
    listed = runner.invoke(main, ["--help"]).output
    for op in operations():
        assert op.id in listed
        out = runner.invoke(main, [op.id, "--help"])
        assert out.exit_code == 0, out.output
        assert "Example:" in out.output and f"xltools {op.id}" in op.example
        assert op.help_zh[:8] in out.output  # the Chinese help is there too
        assert "--json" in out.output


def test_writing_operations_offer_dry_run(runner):
    for op in operations():
        text = runner.invoke(main, [op.id, "--help"]).output
        assert ("--dry-run" in text) == op.writes, op.id


def test_missing_book_exits_2_with_one_bilingual_line(runner, tmp_path):
    missing = tmp_path / "nope.xlsx"
    out = runner.invoke(main, ["info", str(missing)])
    assert out.exit_code == 2
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "/" in lines[0] and "Traceback" not in out.output


def test_missing_book_json_is_one_document(runner, tmp_path):
    out = runner.invoke(main, ["info", str(tmp_path / "nope.xlsx"), "--json"])
    assert out.exit_code == 2
    doc = json.loads(out.stdout)
    assert doc["ok"] is False and doc["error"]["message_en"]


def test_unknown_option_is_exit_2(runner, tmp_path):
    out = runner.invoke(main, ["info", str(tmp_path / "x.xlsx"), "--bogus"])
    assert out.exit_code == 2


def test_readme_documents_every_command():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for op in operations():
        assert f"`{op.id}`" in readme, f"README does not list {op.id}"
