"""Issue 14, cases 2-5 through the CLI: undo as a history that never loses an edit, files that keep
their identity (mode, owner, symlink, read-only), disk full and SIGTERM as clear messages."""

import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from integration_support import demo_book, load, run, sha, working_copy_of
from xltools.backend import history


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "team.xlsx"
    demo_book(path, customers=40, seed=9)
    return path


@pytest.fixture
def book(pristine, tmp_path, monkeypatch):
    return working_copy_of(pristine, tmp_path, monkeypatch)


def names(book):
    return set(load(book).customers["CustomerName"].dropna())


def add_customer_outside(book, name):
    """What a person does in a spreadsheet program: type a new customer below the table, save."""
    wb = openpyxl.load_workbook(book)
    for ws in wb.worksheets:
        if "tblCustomers" in ws.tables:
            table = ws.tables["tblCustomers"]
            first, last = table.ref.split(":")
            col = [c.value for c in ws[1]].index("客户名称") + 1
            row = ws.max_row + 1
            ws.cell(row=row, column=col, value=name)
            ws.cell(row=row, column=1, value="C20991231001")
            table.ref = f"{first}:{''.join(ch for ch in last if ch.isalpha())}{row}"
    wb.save(book)


def no_strays(folder):
    left = [p.name for p in Path(folder).iterdir()
            if ".xltools-tmp-" in p.name or ".xltools-work-" in p.name or p.name.endswith(".lock")]
    assert not left, left


# ---------------------------------------------------------------- case 2: undo as a history


def test_undo_refuses_after_an_outside_edit_and_force_keeps_it_recoverable(book):
    assert run("tag", book).exit_code == 0
    add_customer_outside(book, "外部新增客户有限公司")
    edited = sha(book)
    refused = run("undo", book)
    assert refused.exit_code == 2
    assert "changed after xltools last wrote it" in refused.stderr and "--force" in refused.stderr
    assert sha(book) == edited                                  # nothing was undone

    forced = run("undo", book, "--force", "--lang", "en")
    assert forced.exit_code == 0, forced.output
    assert "Undid tag" in forced.output
    assert "外部新增客户有限公司" not in names(book)            # the book is as before tag
    kept = json.loads(run("undo", book, "--list", "--json").stdout)["history"]
    outside = [h for h in kept if h["kind"] == "outside"]
    assert outside and outside[0]["sha256"] == edited
    assert f"--to {outside[0]['n']}" in forced.output            # it says how to get them back

    back = run("undo", book, "--to", outside[0]["n"])
    assert back.exit_code == 0, back.output
    assert sha(book) == edited and "外部新增客户有限公司" in names(book)


def test_undo_names_the_command_it_reverts_step_by_step(book, tmp_path):
    source = tmp_path / "leads.csv"
    source.write_text("客户名称,手机\n深圳新潮科技有限公司,13812345678\n", encoding="utf-8")
    original = sha(book)
    assert run("import", book, source).exit_code in (0, 1)
    after_import = sha(book)
    assert run("validate", book).exit_code in (0, 1)
    first = run("undo", book, "--lang", "en")
    assert first.exit_code == 0 and "Undid validate" in first.output, first.output
    assert sha(book) == after_import
    second = run("undo", book, "--lang", "en")
    assert "Undid import" in second.output, second.output
    assert sha(book) == original
    listed = run("undo", book, "--list", "--lang", "en").output
    assert "after import" in listed and "after validate" in listed and "<- current" in listed


def test_a_validate_that_changes_nothing_takes_no_slot(book):
    run("validate", book)
    count = len(history.backups(book))
    before = book.stat().st_mtime_ns, sha(book)
    for _ in range(2):
        assert run("validate", book).exit_code in (0, 1)
    assert len(history.backups(book)) == count
    assert (book.stat().st_mtime_ns, sha(book)) == before        # not even rewritten


# ---------------------------------------------------------------- case 3: mode, owner, read-only


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
def test_mode_and_owner_survive_a_write_and_backups_are_private(book):
    os.chmod(book, 0o600)
    os.chown(book, 4321, 4322)
    result = run("tag", book)     # (not mask: a mask deletes the states before it, issue 15)
    assert result.exit_code in (0, 1), result.output
    st = book.stat()
    assert stat.S_IMODE(st.st_mode) == 0o600 and (st.st_uid, st.st_gid) == (4321, 4322)
    snaps = history.backups(book)
    assert len(snaps) >= 2                       # the book before, the tagged book after
    for snap in [*snaps, snaps[0].parent / ".history.json"]:
        assert stat.S_IMODE(snap.stat().st_mode) == 0o600, snap
        assert snap.stat().st_uid == 4321         # the book's owner may read their backups
    assert stat.S_IMODE(snaps[0].parent.stat().st_mode) == 0o700
    no_strays(book.parent)                                # no lock file left either


def test_the_vault_of_raw_values_is_private(book):
    from xltools.vault import Vault, vault_path
    vault = Vault.open(vault_path(book), b"secret")
    vault.add("Customers", "C20240315001", "ContactPhone", "13812345678")
    vault.save()
    assert stat.S_IMODE(vault_path(book).stat().st_mode) == 0o600
    no_strays(book.parent)


def test_a_read_only_book_is_refused(book):
    os.chmod(book, 0o444)
    before = sha(book)
    for command in (["tag", book], ["monthly", book], ["mask", book]):
        result = run(*command)
        assert result.exit_code == 2, result.output
        assert "read-only" in result.stderr and "只读" in result.stderr
        assert "Traceback" not in result.output
    assert sha(book) == before and stat.S_IMODE(book.stat().st_mode) == 0o444
    no_strays(book.parent)


# ---------------------------------------------------------------- case 4: symlinks


def test_a_symlinked_book_stays_a_link_and_its_target_changes(book, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    target = shared / "real.xlsx"
    book.rename(target)
    link = tmp_path / "team.xlsx"
    link.symlink_to(target)
    before = sha(target)
    assert run("tag", link).exit_code == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert sha(target) != before
    no_strays(tmp_path)
    no_strays(shared)
    assert run("undo", link).exit_code == 0
    assert link.is_symlink() and sha(target) == before


# ---------------------------------------------------------------- case 5: disk full, SIGTERM


@pytest.fixture
def tiny_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", str(mount)],
                      capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_is_a_message_and_leaves_no_stray_file(book, tiny_disk):
    small = tiny_disk / "team.xlsx"
    shutil.copyfile(book, small)
    filler = tiny_disk / "filler"
    free = shutil.disk_usage(tiny_disk).free
    filler.write_bytes(b"x" * max(0, free - small.stat().st_size - 8192))
    before = sha(small)
    for command in (["tag", small], ["monthly", small]):
        result = run(*command)
        assert result.exit_code == 2, result.output
        assert "disk space" in result.stderr and "磁盘空间不足" in result.stderr
        assert "Traceback" not in result.output and "internal error" not in result.stderr
        assert sha(small) == before
        no_strays(tiny_disk)
        for snap in history.list_backups(small):       # whatever was kept is complete
            assert sha(snap.path) == snap.sha256


def test_sigterm_ends_with_a_message_the_old_or_new_book_and_no_stray_file(book):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    original = sha(book)
    rng = random.Random(14)
    seen = set()
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-m", "xltools", "monthly", str(book)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(1.0, 4.0))
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
        text = err.decode("utf-8", "replace")
        assert "Traceback" not in text
        if proc.returncode == 2:
            assert "SIGTERM" in text, text
            seen.add("stopped")
        else:
            seen.add("finished")
        no_strays(book.parent)
        now = sha(book)
        kept = {s.sha256 for s in history.list_backups(book)}
        assert now == original or now in kept     # the old book, or a complete new one
        assert history.current(book) is not None or now == original
    assert "stopped" in seen
