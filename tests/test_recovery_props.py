"""Issue 14, the property: any sequence of writes, outside edits and undos never loses a state that
was on disk while xltools ran; every one is listed by ``xltools undo --list`` and ``undo --to N``
brings it back byte for byte.

Writes go through :func:`xltools.backend.history.commit` (what every writing command calls, with
the book's lock held); outside edits overwrite the file in place, as a spreadsheet program or
openpyxl does; undos go through the real CLI. The contents are small byte strings: the history
never reads them as workbooks. A state that existed only between two outside edits was never seen
by xltools and cannot be kept by it; the property covers every state an xltools command replaced
or produced (a refused undo replaces nothing; the edits it found stay in the book).
"""

import hashlib
import json

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltools.backend import history, safety
from xltools.cli import main

KEEP = 1000  # rotation is the one deliberate forgetting (Settings BackupCount); not tested here

actions = st.lists(st.one_of(
    st.tuples(st.just("write"), st.integers(0, 5)),
    st.tuples(st.just("outside"), st.integers(0, 5)),
    st.tuples(st.just("undo"), st.booleans()),
    st.tuples(st.just("undo_to"), st.integers(0, 30), st.booleans()),
), min_size=1, max_size=14)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def listed(book) -> dict[int, str]:
    out = CliRunner().invoke(main, ["undo", str(book), "--list", "--json"])
    assert out.exit_code == 0, out.output
    return {h["n"]: h["sha256"] for h in json.loads(out.stdout)["history"]}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=actions)
def test_no_state_xltools_saw_is_ever_lost(tmp_path_factory, steps):
    book = tmp_path_factory.mktemp("prop") / "team.xlsx"
    book.write_bytes(b"as the team made it")
    seen = set()
    for i, step in enumerate(steps):
        kind = step[0]
        before = book.read_bytes()
        if kind == "outside":
            book.write_bytes(f"edited outside {step[1]} at {i}".encode())  # in place, same inode
            continue
        if kind == "write":
            payload = f"written {step[1]}".encode()
            with safety.book_lock(book):
                history.commit(book, f"cmd{step[1]}", lambda tmp, p=payload: tmp.write_bytes(p),
                               keep=KEEP)
            seen.add(sha(before))
        else:
            args = ["undo", str(book)]
            if kind == "undo_to":
                numbers = sorted(listed(book)) or [1]
                args += ["--to", str(numbers[step[1] % len(numbers)])]
            if step[-1]:
                args.append("--force")
            result = CliRunner().invoke(main, args)
            assert result.exit_code in (0, 2), result.output
            if result.exit_code == 2:               # refused: a message and an untouched book
                assert " / " in result.stderr and "Traceback" not in result.output
                assert book.read_bytes() == before
                continue
            seen.add(sha(before))
        seen.add(sha(book.read_bytes()))
        kept = set(listed(book).values())
        assert seen <= kept | {sha(book.read_bytes())}, "a state xltools saw is gone"

    # Every kept state comes back, byte for byte, through the CLI (--force keeps the book as it
    # is first, so this loop loses nothing either).
    last = sha(book.read_bytes())
    for n, digest in listed(book).items():
        result = CliRunner().invoke(main, ["undo", str(book), "--to", str(n), "--force"])
        assert result.exit_code == 0, result.output
        assert sha(book.read_bytes()) == digest
    assert seen <= set(listed(book).values()) | {last}
