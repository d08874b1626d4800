"""The README's "Use from Python" example runs, on the demo book it names, and prints what the
README shows."""

from __future__ import annotations

import datetime as dt
import doctest
import re
from pathlib import Path

from xltools.demo import demo_data
from xltools.template import build_template

README = Path(__file__).resolve().parents[1] / "README.md"


def _example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Use from Python", 1)[1]
    return re.search(r"```pycon\n(.*?)```", section, re.S).group(1)


def test_the_readme_python_example_shows_real_output(tmp_path, monkeypatch):
    # `xltools new team.xlsx --demo` on 2026-11-30, as the README says
    build_template(tmp_path / "team.xlsx",
                   data=demo_data(n_customers=300, seed=20240315, today=dt.date(2026, 11, 30)))
    monkeypatch.chdir(tmp_path)
    test = doctest.DocTestParser().get_doctest(_example(), {}, "README: Use from Python",
                                               str(README), 0)
    assert len(test.examples) >= 10
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0
