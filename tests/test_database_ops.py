"""The same operations on a workbook, on SQLite and on a real PostgreSQL: each command run
through the CLI on the demo book, on ``sqlite:///…`` and on ``postgresql://…`` (both filled by
``xltools db push`` from that book) gives the same JSON (issues with their rows, counts), the same
exit code, and leaves the same tables behind."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from xltools.cli import main
from xltools.demo import demo_data
from xltools.targets import open_backend
from xltools.template import build_template

BACKENDS = ("file", "sqlite", "postgresql")

OPERATIONS = [
    ["validate"],
    ["validate", "--no-mark", "--check", "unmasked=off"],
    ["mask"],
    ["fill-region"],
    ["sync"],
    ["tag", "--levels"],
    ["pool", "--apply", "--days", "20"],
    ["dedupe"],
    ["summary"],
    ["query", "Region=华南 and Industry=IT服务业"],
    ["tags", "--rename", "高价值", "重点客户"],
    ["info"],
    ["monthly"],
]

# Where a target's name or side files show up in the JSON: not part of the result.
_PLACES = {"book", "report", "path", "vault", "backup", "database"}


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "team.xlsx"
    build_template(path, data=demo_data(n_customers=300))
    return path


def run(args: list[str]) -> tuple[int, dict]:
    result = CliRunner().invoke(main, [*args, "--json"], catch_exceptions=False)
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith("{")]
    payload = json.loads(lines[-1]) if lines else {}
    if list(payload) == ["books"]:  # a command that takes several books (monthly)
        payload = payload["books"][0]
    return result.exit_code, payload


def make_target(kind: str, book, tmp_path, request) -> str:
    """The demo book as a file, or pushed into a new SQLite / PostgreSQL database."""
    copy = tmp_path / f"{kind}.xlsx"
    shutil.copyfile(book, copy)
    if kind == "file":
        return str(copy)
    url = f"sqlite:///{tmp_path}/team.db" if kind == "sqlite" else request.getfixturevalue("pg_url")
    for args in (["db", "init", url], ["db", "push", str(copy), url]):
        code, payload = run(args)
        assert code == 0, payload
    return url


def scrub(value):
    """The payload without places (paths, URLs) and with float noise rounded."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in _PLACES}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, float):
        return round(value, 9)
    return value


def without_package_checks(payload: dict) -> dict:
    """The payload without the issues about the workbook file's own package (raw text left in
    its shared strings, notes, formula caches): a database has no such places."""
    found = [i for i in payload.get("issues", []) if i.get("table") == "Workbook"]
    if not found:
        return payload
    out = {k: v for k, v in payload.items() if k != "raw_outside_tables"}
    out["issues"] = [i for i in payload["issues"] if i.get("table") != "Workbook"]
    for key in ("open_problems", "counts"):
        if isinstance(out.get(key), dict):
            counts = dict(out[key])
            for issue in found:
                name = "warnings" if "warnings" in counts else "warning"
                if issue["severity"] == "warning" and name in counts:
                    counts[name] -= 1
            out[key] = counts
    return out


def tables(target: str) -> dict[str, pd.DataFrame]:
    """Every table as loaded through the target's backend, in row order, the log's times out."""
    db = open_backend(target).load()
    out = {}
    for key, tf in db.tables.items():
        df = tf.df[db.schema.table(key).keys].reset_index(drop=True)
        if key == "ChangeLog":  # when, and the vault's name (beside each target), differ
            df = df.drop(columns=["Time"]).replace(r"\S+\.vault", "<vault>", regex=True)
        out[key] = df
    return out


@pytest.mark.parametrize("args", OPERATIONS, ids=lambda a: " ".join(a))
def test_same_results_on_every_backend(args, demo_book, tmp_path, monkeypatch, request):
    monkeypatch.chdir(tmp_path)  # the monthly report and the vault of a server land here
    monkeypatch.setenv("XLTOOLS_SECRET", "db-test-secret-0123456789abcdef-Hq3Wn7Yt1Lp5Zs9Kd2Fg6Jx0Cb4Vm8")
    outcomes = {}
    for kind in BACKENDS:
        where = tmp_path / kind
        where.mkdir()
        target = make_target(kind, demo_book, where, request)
        code, payload = run([args[0], target, *args[1:]])
        outcomes[kind] = (code, scrub(payload), tables(target))
    code, payload, frames = outcomes["file"]
    payload = without_package_checks(payload)
    assert code in (0, 1), payload
    if args[0] in ("validate", "monthly"):
        assert payload["issues"], "the demo book has planted problems"
    for kind in ("sqlite", "postgresql"):
        other_code, other_payload, other_frames = outcomes[kind]
        assert other_code == code, (kind, other_payload)
        mine = [json.dumps(i, sort_keys=True, ensure_ascii=False)
                for i in other_payload.get("issues", [])]
        theirs = [json.dumps(i, sort_keys=True, ensure_ascii=False)
                  for i in payload.get("issues", [])]
        assert mine == theirs, (kind, set(mine) ^ set(theirs))
        assert other_payload == payload, kind
        for key, df in frames.items():
            pd.testing.assert_frame_equal(other_frames[key], df, obj=f"{kind} {key}")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_bad_target_is_one_clear_line(kind, tmp_path, request):
    """A database without our tables: exit 2 and what to do, never a traceback."""
    url = f"sqlite:///{tmp_path}/empty.db" if kind == "sqlite" else request.getfixturevalue(
        "pg_url")
    result = CliRunner().invoke(main, ["validate", url])
    assert result.exit_code == 2
    assert "xltools db init" in result.stderr and "Traceback" not in result.stderr
