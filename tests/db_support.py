"""A real PostgreSQL for the database tests: a throwaway cluster in a temp dir, started once per
test session, plus a fresh database per test.

``initdb`` refuses to run as root (CI runs as root), so the cluster is made and started as the
``postgres`` user Debian's package creates (``runuser``); as any other user it runs as that user.
The superuser logs in over TCP with a password taken from ``PGPASSWORD``, the way a team's
members would. Without PostgreSQL the tests are skipped on a developer's machine and FAIL under CI
(scripts/test.sh installs Debian's ``postgresql``).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

ADMIN = "xlt_admin"
ADMIN_PASSWORD = "admin-" + uuid.uuid4().hex[:12]


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the PostgreSQL tests (scripts/test.sh installs it)",
                    pytrace=False)
    pytest.skip(reason)


def pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, root: Path, port: int | None = None):
        self.root = root
        self.data = root / "data"
        self.port = _free_port() if port is None else port
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if self.as_user:
            shutil.chown(self.root, "postgres")
        pwfile = self.root / "pw"
        pwfile.write_text(ADMIN_PASSWORD + "\n")
        if self.as_user:
            shutil.chown(pwfile, "postgres")
        self.run(pg_bin("initdb"), "-D", str(self.data), "-U", ADMIN, "--pwfile", str(pwfile),
                 "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8",
                 "--locale=C.UTF-8")
        pwfile.unlink()
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(pg_bin("pg_ctl"), "-D", str(self.data), "-o", opts, "-l",
                 str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        subprocess.run([*self.as_user, pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate",
                        "stop"], capture_output=True, timeout=60, check=False)

    def url(self, database: str = "postgres", user: str = ADMIN) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; its URL (the password comes from PGPASSWORD)."""
        import psycopg
        name = "t_" + uuid.uuid4().hex[:10]
        with psycopg.connect(host="127.0.0.1", port=self.port, user=ADMIN, dbname="postgres",
                             password=ADMIN_PASSWORD, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_orphans() -> None:
    """Stop the clusters of earlier test sessions that were killed before their teardown (a
    timeout, a closed pipe): each cluster's dir names the process that owns it."""
    for owner in Path(tempfile.gettempdir()).glob("xlt-pg-*/owner"):
        try:
            pid = int(owner.read_text())
        except (OSError, ValueError):
            continue
        if not _alive(pid):
            Cluster(owner.parent, port=0).stop()
            shutil.rmtree(owner.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster():
    if not pg_bin("initdb") or not pg_bin("pg_ctl"):
        _missing("PostgreSQL (initdb, pg_ctl) is not installed")
    stop_orphans()
    root = Path(tempfile.mkdtemp(prefix="xlt-pg-"))
    (root / "owner").write_text(str(os.getpid()))
    cluster = Cluster(root)
    try:
        cluster.start()
    except subprocess.CalledProcessError as err:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {err.stderr!r} {log[-500:]}", pytrace=False)
    saved = os.environ.get("PGPASSWORD")
    os.environ["PGPASSWORD"] = ADMIN_PASSWORD  # credentials from the environment only
    try:
        yield cluster
    finally:
        cluster.stop()
        if saved is None:
            os.environ.pop("PGPASSWORD", None)
        else:
            os.environ["PGPASSWORD"] = saved
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture()
def pg_url(pg_cluster) -> str:
    """A fresh, empty PostgreSQL database (no tables yet)."""
    return pg_cluster.create_database()
