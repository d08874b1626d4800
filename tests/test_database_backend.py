"""The database backend on SQLite and a real PostgreSQL: push/pull round trip, idempotent push,
concurrent applies, per-owner row-level security, migration, strict constraints, credentials."""

from __future__ import annotations

import threading

import pandas as pd
import psycopg
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from db_support import ADMIN_PASSWORD

from xltools.backend.database import DatabaseBackend, init, pull, push, write_book
from xltools.backend.database.ddl import SCHEMA_VERSION
from xltools.backend.file import FileBackend
from xltools.changes import CellUpdate, Changeset, ColumnAppend, RowRemove
from xltools.cli import main
from xltools.demo import demo_data
from xltools.schema import load_schema
from xltools.template import build_template


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "team.xlsx"
    build_template(path, data=demo_data(n_customers=300))
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/team.db"
    return request.getfixturevalue("pg_url")


def frames(db) -> dict[str, pd.DataFrame]:
    return {k: tf.df[db.schema.table(k).keys].reset_index(drop=True)
            for k, tf in db.tables.items()}


def test_push_then_pull_gives_the_same_tables_and_push_twice_changes_nothing(
        demo_book, url, tmp_path):
    book = FileBackend(demo_book).load()
    init(url)
    target = DatabaseBackend(url)
    first = push(book, target)
    assert first["inserted"] == sum(len(tf.df) for tf in book.tables.values())
    before = target.load()
    versions = {k: dict(tf.row_versions) for k, tf in before.tables.items()}

    second = push(book, target)
    assert (second["inserted"], second["updated"]) == (0, 0)
    after = target.load()
    assert {k: dict(tf.row_versions) for k, tf in after.tables.items()} == versions
    for key, df in frames(before).items():
        pd.testing.assert_frame_equal(frames(after)[key], df)

    out = tmp_path / "pulled.xlsx"
    write_book(pull(target), out)
    pulled = FileBackend(out).load()
    for key, df in frames(book).items():
        pd.testing.assert_frame_equal(frames(pulled)[key], df, obj=key)
    assert pulled.lists == book.lists and pulled.lang == book.lang
    # the database's rows are the book's rows: messages point at the same row numbers
    assert list(before.customers.index) == list(book.customers.index)
    target.engine.dispose()


def test_a_changed_book_pushed_again_updates_only_what_changed(demo_book, url):
    book = FileBackend(demo_book).load()
    init(url)
    target = DatabaseBackend(url)
    push(book, target)
    row = book.customers.index[5]
    book.customers.at[row, "Remarks"] = "改过的备注"
    report = push(book, target)
    assert (report["inserted"], report["updated"]) == (0, 1)
    db = target.load()
    assert db.customers.at[row, "Remarks"] == "改过的备注"
    assert db.tables["Customers"].row_versions[row] == 2
    target.engine.dispose()


def test_pull_owner_gives_one_members_slice(demo_book, url, tmp_path):
    init(url)
    book = FileBackend(demo_book).load()
    push(book, DatabaseBackend(url))
    owner = book.customers["Owner"].value_counts().index[0]
    out = tmp_path / "mine.xlsx"
    result = CliRunner().invoke(main, ["db", "pull", url, "-o", str(out), "--owner", owner])
    assert result.exit_code == 0, result.output
    mine = FileBackend(out).load()
    assert set(mine.customers["Owner"]) == {owner}
    assert len(mine.customers) == (book.customers["Owner"] == owner).sum()
    ids = set(mine.customers["CustomerID"])
    assert len(mine.df("FollowUps")) and set(mine.df("FollowUps")["CustomerID"]) <= ids
    assert mine.lists["Staff"] == book.lists["Staff"]  # dropdowns all there


def test_apply_refuses_rows_changed_since_load(demo_book, url):
    """Two writers load the same rows; the second one's change to a row the first changed is
    refused and reported, its other changes are written, and the ChangeLog logs only those."""
    init(url)
    push(FileBackend(demo_book).load(), DatabaseBackend(url))
    alice, bob = DatabaseBackend(url), DatabaseBackend(url)
    a_db, b_db = alice.load(), bob.load()
    rows = list(a_db.customers.index[:3])
    alice.apply(Changeset("tag", updates=[CellUpdate("Customers", rows[0], "Remarks", None, "A")]),
                a_db)
    report = bob.apply(Changeset("tag", updates=[
        CellUpdate("Customers", rows[0], "Remarks", None, "B"),
        CellUpdate("Customers", rows[1], "Remarks", None, "B")],
        removals=[RowRemove("Customers", rows[2])]), b_db)
    assert [(c["row"], c["reason"]) for c in report["conflicts"]] == [(rows[0], "changed")]
    now = alice.load()
    assert now.customers.at[rows[0], "Remarks"] == "A"
    assert now.customers.at[rows[1], "Remarks"] == "B"
    assert rows[2] not in now.customers.index
    log = now.df("ChangeLog")
    assert list(log["New"]) == ["A", "B", None] and list(log["Old"])[-1] == "-"


def test_rows_appended_as_columns_are_inserted_and_logged(demo_book, url):
    """An import's rows come as a list per column: each is inserted as its values say (a
    blank left blank) and logged with its ID and note."""
    init(url)
    push(FileBackend(demo_book).load(), DatabaseBackend(url))
    backend = DatabaseBackend(url)
    db = backend.load()
    ids = ["C20991231001", "C20991231002"]
    block = ColumnAppend("Customers", {"CustomerID": ids, "CustomerName": ["甲公司", "乙公司"],
                                       "Remarks": [None, "备注"]}, ["导入 #2", "导入 #3"])
    report = backend.apply(Changeset("import", column_appends=[block]), db)
    assert report["appended"] == 2 and report["logged"] == 2
    now = backend.load()
    new = now.customers[now.customers["CustomerID"].isin(ids)]
    assert new["CustomerName"].tolist() == ["甲公司", "乙公司"]
    assert new["Remarks"].isna().tolist() == [True, False]
    log = now.df("ChangeLog").tail(2)
    assert log["Key"].tolist() == ids and log["Note"].tolist() == ["导入 #2", "导入 #3"]


def test_two_concurrent_applies_on_postgresql_one_wins(demo_book, pg_url):
    """Bob's apply waits for Alice's transaction on the rows they share, then finds them changed:
    Alice's values stay, Bob's conflicting rows are reported, his other row is written."""
    init(pg_url)
    push(FileBackend(demo_book).load(), DatabaseBackend(pg_url))
    alice, bob = DatabaseBackend(pg_url), DatabaseBackend(pg_url)
    a_db, b_db = alice.load(), bob.load()
    r1, r2, r3 = list(a_db.customers.index[:3])
    alice_has_lock, bob_started = threading.Event(), threading.Event()
    reports: dict[str, dict] = {}

    def run_alice():
        with alice.batch():
            reports["alice"] = alice.apply(Changeset("pool", updates=[
                CellUpdate("Customers", r1, "Owner", None, "公海"),
                CellUpdate("Customers", r2, "Owner", None, "公海")]), a_db)
            alice_has_lock.set()
            bob_started.wait(10)
            with alice.connect() as conn:  # Bob is now queued behind Alice's row locks
                conn.execute(sa.text("SELECT pg_sleep(0.5)"))

    def run_bob():
        alice_has_lock.wait(10)
        bob_started.set()
        reports["bob"] = bob.apply(Changeset("tag", updates=[
            CellUpdate("Customers", r2, "Owner", None, "李四"),
            CellUpdate("Customers", r3, "Owner", None, "李四")]), b_db)

    threads = [threading.Thread(target=run_alice), threading.Thread(target=run_bob)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert reports["alice"]["conflicts"] == []
    assert [c["row"] for c in reports["bob"]["conflicts"]] == [r2]
    final = DatabaseBackend(pg_url).load().customers
    assert list(final.loc[[r1, r2, r3], "Owner"]) == ["公海", "公海", "李四"]


def test_per_owner_access_a_member_sees_only_their_customers(demo_book, pg_url, pg_cluster,
                                                             monkeypatch):
    result = CliRunner().invoke(main, ["db", "init", pg_url, "--per-owner-access"])
    assert result.exit_code == 0, result.output
    book = FileBackend(demo_book).load()
    push(book, DatabaseBackend(pg_url))
    counts = book.customers["Owner"].value_counts()
    member, other = counts.index[0], counts.index[1]
    dbname = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(host="127.0.0.1", port=pg_cluster.port, user="xlt_admin",
                         dbname=dbname, password=ADMIN_PASSWORD, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{member}" LOGIN PASSWORD \'member-pw\' IN ROLE xltools_member')
    monkeypatch.setenv("PGPASSWORD", "member-pw")  # the member logs in as their own role
    member_url = pg_cluster.url(dbname, user=member)

    seen = DatabaseBackend(member_url).load()
    assert set(seen.customers["Owner"]) == {member}
    assert len(seen.customers) == counts[member]
    assert set(seen.df("FollowUps")["CustomerID"]) <= set(seen.customers["CustomerID"])
    assert seen.df("ChangeLog").empty and seen.df("Issues").empty
    with psycopg.connect(host="127.0.0.1", port=pg_cluster.port, user=member, dbname=dbname,
                         autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM customers WHERE owner = %s",
                            (other,)).fetchone()[0] == 0
        changed = conn.execute("UPDATE customers SET remarks = 'x' WHERE owner = %s", (other,))
        assert changed.rowcount == 0
    # the member can still run an operation on their slice through the CLI
    result = CliRunner().invoke(main, ["validate", member_url, "--json", "--no-mark"])
    assert result.exit_code in (0, 1), result.output


def test_init_migrates_an_older_database_forward(tmp_path, demo_book):
    """A database made by an earlier xltools (a column and a table fewer, version 0) is refused
    with what to do, and `db init` adds what is missing and keeps every row."""
    url = f"sqlite:///{tmp_path}/old.db"
    init(url)
    book = FileBackend(demo_book).load()
    push(book, DatabaseBackend(url))
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE customers DROP COLUMN email_fp"))
        conn.execute(sa.text("DROP TABLE rejected_pairs"))
        conn.execute(sa.text("UPDATE xlt_meta SET value = '0' WHERE key = 'schema_version'"))
    result = CliRunner().invoke(main, ["validate", url])
    assert result.exit_code == 2 and "db init" in result.stderr
    result = CliRunner().invoke(main, ["db", "init", url, "--json"])
    assert result.exit_code == 0, result.output
    assert '"customers.email_fp"' in result.stdout and '"rejected_pairs"' in result.stdout
    db = DatabaseBackend(url).load()
    pd.testing.assert_frame_equal(frames(db)["Customers"].drop(columns=["EmailFP"]),
                                  frames(book)["Customers"].drop(columns=["EmailFP"]))
    assert db.customers["EmailFP"].isna().all()
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT value FROM xlt_meta WHERE key = 'schema_version'"))
        assert version.scalar() == str(SCHEMA_VERSION)
    engine.dispose()


def test_strict_database_refuses_a_messy_book_whole(tmp_path, demo_book, url):
    """--strict puts the data rules in SQL: the messy demo book is refused in one piece (nothing
    written), a clean one goes in."""
    init(url, strict=True)
    target = DatabaseBackend(url)
    result = CliRunner().invoke(main, ["db", "push", str(demo_book), url])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert target.load().customers.empty
    clean = tmp_path / "clean.xlsx"
    build_template(clean, data=demo_data(n_customers=80, mess=False))
    push(FileBackend(clean).load(), target)
    assert len(target.load().customers) == 80
    target.engine.dispose()


def test_credentials_never_in_urls_books_or_output(demo_book, pg_url, tmp_path):
    host_part = pg_url.split("://", 1)[1]
    with_password = f"postgresql://xlt_admin:{ADMIN_PASSWORD}@{host_part.split('@', 1)[1]}"
    result = CliRunner().invoke(main, ["validate", with_password])
    assert result.exit_code == 2 and "PGPASSWORD" in result.stderr
    assert ADMIN_PASSWORD not in result.stderr + result.stdout

    runner = CliRunner()
    outputs = [runner.invoke(main, args) for args in (
        ["db", "init", pg_url], ["db", "push", str(demo_book), pg_url],
        ["sync", pg_url, "--json"], ["db", "pull", pg_url, "-o", str(tmp_path / "p.xlsx")])]
    assert all(r.exit_code in (0, 1) for r in outputs), [r.output for r in outputs]
    text = "".join(r.stdout + r.stderr for r in outputs)
    assert ADMIN_PASSWORD not in text
    assert ADMIN_PASSWORD.encode() not in (tmp_path / "p.xlsx").read_bytes()
    db = DatabaseBackend(pg_url).load()
    assert not db.df("ChangeLog").astype(str).apply(
        lambda col: col.str.contains(ADMIN_PASSWORD)).any().any()


def test_values_are_bound_parameters(url, tmp_path):
    """Text that looks like SQL is stored and read back as text."""
    init(url)
    book = tmp_path / "b.xlsx"
    data = demo_data(n_customers=80, mess=False)
    hostile = "x'); DROP TABLE customers; --"
    data.frames["Customers"].loc[0, "CustomerName"] = hostile
    data.frames["Customers"].loc[1, "Remarks"] = "\" OR 1=1; \\"
    build_template(book, data=data)
    target = DatabaseBackend(url)
    push(FileBackend(book).load(), target)
    db = target.load()
    row = db.customers.index[0]
    assert db.customers.at[row, "CustomerName"] == hostile
    target.apply(Changeset("tag", updates=[CellUpdate("Customers", row, "Remarks", None,
                                                      "'; DELETE FROM tags; --")]), db)
    again = target.load()
    assert again.customers.at[row, "Remarks"] == "'; DELETE FROM tags; --"
    assert len(again.df("Tags")) == len(db.df("Tags"))
    target.engine.dispose()


def test_schema_tables_all_made(url):
    report = init(url)
    names = set(sa.inspect(sa.create_engine(url.replace("postgresql://",
                                                        "postgresql+psycopg://"))).get_table_names())
    assert {"customers", "follow_ups", "tags", "opportunities", "change_log"} <= names
    assert len(report["created"]) == len(load_schema().tables) + 4


def test_team_mode_with_the_database_as_hub(demo_book, url, tmp_path):
    """split hands each member a book from the database; gather brings a member's edit back."""
    init(url)
    push(FileBackend(demo_book).load(), DatabaseBackend(url))
    runner = CliRunner()
    members = tmp_path / "members"
    result = runner.invoke(main, ["split", url, "-o", str(members)])
    assert result.exit_code in (0, 1), result.output
    hub = DatabaseBackend(url).load()
    owner = hub.customers["Owner"].value_counts().index[0]
    member_book = FileBackend(members / f"{owner}.xlsx")
    mine = member_book.load()
    row = mine.customers.index[0]
    cid = mine.customers.at[row, "CustomerID"]
    member_book.apply(Changeset("edit", updates=[
        CellUpdate("Customers", row, "Remarks", mine.customers.at[row, "Remarks"], "客户改约下周")]),
        mine)
    result = runner.invoke(main, ["gather", url, str(members / f"{owner}.xlsx"), "--json"])
    assert result.exit_code in (0, 1), result.output
    after = DatabaseBackend(url).load().customers
    assert list(after.loc[after["CustomerID"] == cid, "Remarks"]) == ["客户改约下周"]


def test_password_from_pgpass(pg_url, pg_cluster, tmp_path, monkeypatch):
    """libpq's ~/.pgpass (here through PGPASSFILE) is the other place a password may live;
    without one the command fails with one line, no traceback."""
    init(pg_url)
    monkeypatch.delenv("PGPASSWORD")
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{pg_cluster.port}:*:xlt_admin:{ADMIN_PASSWORD}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    assert DatabaseBackend(pg_url).load().customers.empty
    passfile.write_text("")
    result = CliRunner().invoke(main, ["validate", pg_url])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "xltools:" in result.stderr
