"""Helpers for the end-to-end tests: real books on disk, the real CLI, the real file backend.

A test builds a demo book with the template builder, runs ``xltools`` commands through click's
CliRunner on ``xltools.cli.main`` (the same entry point as the console script) and reads the book
back with :class:`~xltools.backend.file.FileBackend`, as a user's next command would.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from xltools.backend.file import FileBackend
from xltools.demo import DEMO_SECRET, DemoData, demo_data
from xltools.template import build_template

DATA_TABLES = ("Customers", "FollowUps", "Tags", "Opportunities")


def use_demo_key(monkeypatch) -> None:
    """The demo book's fingerprints were made with the demo key."""
    monkeypatch.setenv("XLTOOLS_SECRET", DEMO_SECRET.decode())


def demo_book(path: Path, customers: int = 300, seed: int = 20240315) -> DemoData:
    """A messy demo book at ``path``; returns what it was filled with (planted problems too)."""
    data = demo_data(n_customers=customers, seed=seed)
    build_template(path, data=data)
    return data


def working_copy_of(pristine: Path, tmp_path: Path, monkeypatch) -> Path:
    """A copy of a module's pristine demo book for one test, opened with the demo key."""
    use_demo_key(monkeypatch)
    path = tmp_path / "team.xlsx"
    shutil.copyfile(pristine, path)
    return path


def cli(*args: str) -> tuple[int, dict | None, str]:
    """Run ``xltools ARGS --json``; (exit code, the JSON document or None, stderr)."""
    result = CliRunner().invoke(main_command(), [*map(str, args), "--json"])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    text = result.stdout.strip()
    return result.exit_code, (json.loads(text) if text else None), result.stderr


def run(*args):
    """Run ``xltools ARGS`` as typed (no --json); click's Result (exit code, output)."""
    return CliRunner().invoke(main_command(), [str(a) for a in args])


def sha(path: Path) -> str:
    """The file's SHA-256: whether a command left a book byte for byte as it was."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def main_command():
    from xltools.cli import main
    return main


def load(book: Path):
    return FileBackend(book).load()


def tables(book: Path) -> dict[str, pd.DataFrame]:
    """Every managed table of ``book`` as loaded (ChangeLog included)."""
    return {key: tf.df.copy() for key, tf in load(book).tables.items()}


def assert_same_tables(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> None:
    assert sorted(before) == sorted(after)
    for key, frame in before.items():
        pd.testing.assert_frame_equal(frame, after[key], check_dtype=False,
                                      obj=f"table {key}")


def changelog_rows(book: Path) -> int:
    return len(load(book).df("ChangeLog"))


def xml_text(book: Path) -> str:
    """Every XML part of the package, decoded: what a person unzipping the book could read."""
    with zipfile.ZipFile(book) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                         if n.endswith((".xml", ".rels", ".vml")))


def raw_values(data: DemoData, kind: str = "unmasked") -> list[str]:
    """The raw phone numbers / ID numbers / e-mails planted in a demo book."""
    out = []
    for p in data.planted_of(kind):
        df = data.frames[p["table"]]
        value = df.iloc[p["row"] - 2][p["column"]]
        if isinstance(value, str) and value.strip():
            out.append(value.strip())
    return out


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def contains_raw(text: str, raw: str) -> bool:
    """True when ``raw`` (or, for phones and ID numbers, its digits alone) is in ``text``."""
    if raw in text:
        return True
    d = digits(raw)
    return len(d) >= 11 and d in digits_runs(text)


def digits_runs(text: str) -> set[str]:
    """Whole runs of digits (a phone inside a longer fingerprint is no leak)."""
    return set(re.findall(r"\d{7,}", text))
