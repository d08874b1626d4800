"""kill -9 at random moments of every writing command: the book is the old one or the new one.

Each writing command runs on a copy of a small demo book in a child process that is killed with
SIGKILL after a random delay drawn from that command's own measured run time (so kills land in
loading, computing, writing and swapping alike). Afterwards the managed tables, as FileBackend loads
them, must equal the state before the run or the state a completed run gives -- never a mix -- and
every zip member must be intact. Over the whole file at least 200 commands are really killed.

The children are forked from this (already imported) test process and call the CLI's ``main``:
real processes that die mid-write, without paying Python's start-up for each of them.

Two commands started on the same book at once (real ``python -m xltools`` processes): each either
succeeds or refuses with exit 2 and a bilingual message, and the book ends as some sequential order
of the commands that succeeded would leave it.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import python_calamine

from xltools.backend import history, safety
from xltools.backend.file import FileBackend
from xltools.changes import CellUpdate, Changeset
from xltools.cli import main
from xltools.template import build_template

pytestmark = pytest.mark.skipif(os.name != "posix" or not hasattr(os, "fork"),
                                reason="SIGKILL and fork are POSIX")

KILLS_PER_COMMAND = 23          # 9 commands -> 207 kills
MAX_TRIES = 60
SECRET = "kill-test-secret-jq5docTgcn9MiuDDJHjE04w8Dr4ll5w0DGMGKpAHIyy8"
LEADS = ("客户名称,手机,联系人,所属行业\n"
         "广州新客户有限公司,13912345678,陈经理,制造业\n"
         "杭州远景网络科技有限公司,13712345678,周总,IT服务业\n"
         "成都蓉城贸易有限公司,028-86123456,刘女士,批发零售\n")
COMMANDS = {
    "mask": ["mask"],
    "tag": ["tag", "--levels"],
    "sync": ["sync"],
    "summary": ["summary"],
    "validate": ["validate"],
    "merge": ["merge"],
    "import": ["import", "{leads}"],
    "monthly": ["monthly", "--report", "{dir}/reports/"],
    "pool": ["pool", "--apply"],
}


# ---------------------------------------------------------------- running and killing a command


def _child(argv: list[str]) -> None:
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    code = 0
    try:
        main(argv, prog_name="xltools", standalone_mode=True)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # noqa: BLE001 - the exit code says it
        code = 99
    os._exit(code)


def start(argv: list[str]) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        _child(argv)
    return pid


def run_to_end(argv: list[str]) -> tuple[int, float]:
    """Run a command in a forked child; its exit code and how long it took."""
    began = time.monotonic()
    _, status = os.waitpid(start(argv), 0)
    return os.waitstatus_to_exitcode(status), time.monotonic() - began


def run_and_kill(argv: list[str], delay: float) -> bool:
    """Start the command, SIGKILL it after ``delay`` seconds; True if it was still running."""
    pid = start(argv)
    time.sleep(delay)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:  # pragma: no cover - already reaped, cannot happen before waitpid
        pass
    _, status = os.waitpid(pid, 0)
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


# ---------------------------------------------------------------- book states


def state(path: Path, volatile: set = frozenset()) -> dict:
    """Every managed table as loaded, plus the values of the sheets that hold no table (Summary),
    minus what differs between two complete runs (the ChangeLog's clock, a "generated at" cell)."""
    db = FileBackend(path).load()
    out = {}
    for key, table in db.tables.items():
        df = table.df.drop(columns=[c for t, c in volatile if t == key and c in table.df.columns])
        out[key] = (list(df.columns), [list(map(str, r)) for r in df.itertuples()])
    table_sheets = {t.sheet for t in db.tables.values()}
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        if name not in table_sheets:
            grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            out["sheet:" + name] = [[None if ("sheet:" + name, (r, c)) in volatile else str(v)
                                     for c, v in enumerate(row)] for r, row in enumerate(grid)]
    book.close()
    return out


def diff(now: dict, old: dict, new: dict) -> str:
    """Which parts differ from the old and from the new state (for the failure message)."""
    return "; ".join(f"{k}: {'old' if now[k] != old.get(k) else ''} "
                     f"{'new' if now[k] != new.get(k) else ''}" for k in now
                     if now[k] not in (old.get(k), new.get(k)) or now[k] != new.get(k))


def volatile_parts(a: Path, b: Path) -> set:
    """Table columns and sheet cells whose values differ between two complete runs."""
    sa, sb = state(a), state(b)
    out = set()
    for key, value in sa.items():
        other = sb.get(key)
        if key.startswith("sheet:"):
            if other is not None:
                out |= {(key, (r, c)) for r, row in enumerate(value) for c, v in enumerate(row)
                        if r < len(other) and c < len(other[r]) and other[r][c] != v}
            continue
        (cols, rows), (_, other_rows) = value, other
        if len(rows) == len(other_rows):
            out |= {(key, col) for i, col in enumerate(cols)
                    if [r[i + 1] for r in rows] != [r[i + 1] for r in other_rows]}
    return out


def reset(book: Path, original: bytes) -> None:
    """Put the original bytes back and sweep what a killed run leaves: its temp and working
    copies, the vault, backups, reports."""
    folder = book.parent
    for stray in folder.glob(".*xltools-*"):
        if stray.is_file():
            stray.unlink()
    for side in (folder / safety.BACKUP_DIR, folder / "reports"):
        shutil.rmtree(side, ignore_errors=True)
    for vault in folder.glob("*.vault"):
        vault.unlink()
    book.write_bytes(original)


# ---------------------------------------------------------------- the books


def _warm_up() -> None:
    """Import what the commands import, once, in this process: the forked children then spend
    their time on the work itself, and a run's measured duration says where the write falls."""
    import pandera  # noqa: F401

    import xltools.core.validate
    import xltools.monthly_report  # noqa: F401
    from xltools.catalog import operations
    operations()


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    from xltools.demo import demo_data
    os.environ["XLTOOLS_SECRET"] = SECRET
    _warm_up()
    folder = tmp_path_factory.mktemp("kill-books")
    demo = folder / "demo.xlsx"
    build_template(demo, lang="zh", data=demo_data(n_customers=60, seed=11))
    # merge needs decisions: dedupe, then approve every proposed merge
    merge = folder / "merge.xlsx"
    shutil.copyfile(demo, merge)
    assert run_to_end(["dedupe", str(merge)])[0] == 0
    backend = FileBackend(merge)
    db = backend.load()
    review = db.df("Review")
    assert len(review), "the demo book should propose merges"
    backend.apply(Changeset("approve", updates=[CellUpdate("Review", r, "Decision", None, "批准")
                                                for r in review.index]), db)
    for backup in history.backups(merge):
        backup.unlink()
    return {"demo": demo, "merge": merge}


@pytest.fixture(autouse=True)
def _env(monkeypatch, tmp_path):
    monkeypatch.setenv("XLTOOLS_SECRET", SECRET)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("XLTOOLS_DEBUG", raising=False)


def argv_for(name: str, book: Path) -> list[str]:
    leads = book.parent / "leads.csv"
    if not leads.exists():
        leads.write_text(LEADS, encoding="utf-8")
    args = [a.format(leads=leads, dir=book.parent) for a in COMMANDS[name]]
    return [args[0], str(book), *args[1:]]


TOTAL_KILLS: dict[str, int] = {}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_killed_command_leaves_the_old_or_the_new_book(books, tmp_path, name):
    source = books["merge" if name == "merge" else "demo"]
    original = source.read_bytes()
    book = tmp_path / "team.xlsx"
    argv = argv_for(name, book)

    # Two complete runs: the new state, which columns carry the clock, and how long a run takes.
    reset(book, original)
    code, first = run_to_end(argv)
    assert code in (0, 1), f"{name} failed on the demo book (exit {code})"
    done_a = tmp_path / "done_a.xlsx"
    shutil.copyfile(book, done_a)
    reset(book, original)
    code, second = run_to_end(argv)
    # the ChangeLog's clock, plus whatever else two complete runs disagree on
    volatile = volatile_parts(done_a, book) | {("ChangeLog", "Time")}
    new = state(book, volatile)
    reset(book, original)
    old = state(book, volatile)
    assert new != old, f"{name} changed nothing on the demo book; the test would prove nothing"
    duration = min(first, second)

    rng = random.Random(f"kill-{name}")
    outcomes = {"old": 0, "new": 0, "finished": 0}
    kills = tries = 0
    # until enough kills, and at least one run got past the swap (a kill there or a finished run):
    # kills that all land before the write would prove nothing about the write
    while (kills < KILLS_PER_COMMAND or outcomes["new"] + outcomes["finished"] == 0) \
            and tries < MAX_TRIES:
        tries += 1
        reset(book, original)
        # half anywhere in the run, half in its last stretch, where the writing happens
        delay = duration * (rng.uniform(0, 1) if tries % 2 else rng.uniform(0.6, 1.3))
        killed = run_and_kill(argv, delay)
        kills += killed
        if not killed:      # runs vary: keep the delays inside the run so most of them kill
            duration *= 0.85
        elif delay >= duration:  # still running past its measured length: this run is slower
            duration *= 1.1
        if book.read_bytes() == original:
            found = "old"
        else:
            with zipfile.ZipFile(book) as z:
                assert z.testzip() is None, f"{name}: a damaged zip member after a kill"
            now = state(book, volatile)
            assert now in (old, new), \
                f"{name} killed after {delay:.3f}s left a half-written book: {diff(now, old, new)}"
            found = "new" if now == new else "old"
            if name != "monthly":  # a changed book always has its backup (the batch: one)
                assert history.backups(book), f"{name}: the book changed but has no backup"
            else:
                assert history.backups(book)
        outcomes[found if killed else "finished"] += 1
    TOTAL_KILLS[name] = kills
    print(f"{name}: run {duration:.2f}s, {tries} runs, {kills} killed, outcomes {outcomes}")
    assert kills >= KILLS_PER_COMMAND, (name, kills, tries)
    assert outcomes["old"] > 0 and outcomes["new"] + outcomes["finished"] > 0, outcomes


def test_at_least_200_kills_in_all():
    if len(TOTAL_KILLS) < len(COMMANDS):
        pytest.skip("runs only after every command's kill test (whole file)")
    assert sum(TOTAL_KILLS.values()) >= 200, TOTAL_KILLS


# ---------------------------------------------------------------- two commands at once


PAIRS = [("mask", "tag"), ("import", "merge"), ("monthly", "validate"), ("mask", "import")]
REFUSALS = ("another xltools command", "changed after it was read")


def tables_only(path: Path) -> dict:
    return {k: v for k, v in state(path, {("ChangeLog", "Time")}).items()
            if not k.startswith("sheet:")}


@pytest.mark.parametrize("pair", PAIRS, ids="+".join)
def test_two_commands_at_once_wait_or_refuse_and_never_corrupt(books, tmp_path, pair):
    a, b = pair
    source = books["merge" if "merge" in pair else "demo"]
    original = source.read_bytes()
    book = tmp_path / "team.xlsx"
    argv = {name: argv_for(name, book) for name in pair}

    def after(*names: str) -> dict:
        reset(book, original)
        for name in names:
            assert run_to_end(argv[name])[0] in (0, 1)
        return tables_only(book)

    allowed = {(True, True): [after(a, b), after(b, a)], (True, False): [after(a)],
               (False, True): [after(b)]}
    env = {**os.environ, "XLTOOLS_SECRET": SECRET}
    env.pop("XLTOOLS_DEBUG", None)
    for _ in range(2):
        reset(book, original)
        procs = {name: subprocess.Popen([sys.executable, "-m", "xltools", *argv[name]], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True) for name in pair}
        ok = {}
        for name, proc in procs.items():
            err = proc.communicate(timeout=120)[1]
            assert "Traceback" not in err, err
            if proc.returncode == 2:
                assert any(r in err for r in REFUSALS) and " / " in err, err
            else:
                assert proc.returncode in (0, 1), (name, proc.returncode, err)
            ok[name] = proc.returncode != 2
        print(pair, ok)
        assert any(ok.values()), "both commands refused: one of them should have run"
        with zipfile.ZipFile(book) as z:
            assert z.testzip() is None
        assert tables_only(book) in allowed[(ok[a], ok[b])], f"{pair} at once: {ok}"
        if ok.get("mask") and ok.get("import"):   # both kept their raw values in the vault
            from xltools.vault import Vault, vault_path
            vault = Vault.open(vault_path(book), SECRET.encode())
            db = FileBackend(book).load()
            new_ids = set(db.customers["CustomerID"]) - set(FileBackend(source).load()
                                                             .customers["CustomerID"])
            assert new_ids and all(vault.get("Customers", cid) for cid in new_ids)
            assert len(vault.records.get("Customers", {})) > len(new_ids)
