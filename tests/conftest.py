"""Shared fixtures: a real LibreOffice to open our workbooks in.

One headless soffice serves the whole test session (starting one takes a few seconds); each
test runs ``tests/lo_probe.py`` with the system Python, which has python3-uno, against it.
Without LibreOffice the tests are skipped on a developer's machine but FAIL under CI (the
environment variable CI is set), so CI never passes by silently skipping them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from hypothesis import settings

# CI explores the same examples every run, so a red CI is reproducible and never a dice roll;
# local runs keep exploring new inputs (and remember failures in .hypothesis/). No example has a
# deadline: tests never assert wall-clock times, and a shared machine makes one a dice roll.
settings.register_profile("local", deadline=None)
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "local")

TESTS = Path(__file__).resolve().parent
PROBE = TESTS / "lo_probe.py"
SYSTEM_PYTHON = os.environ.get("XLTOOLS_UNO_PYTHON", "/usr/bin/python3")

sys.path.insert(0, str(TESTS))
import lo_probe  # noqa: E402  (its UNO imports are lazy; only the command line is shared)


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the LibreOffice tests (scripts/test.sh installs it)",
                    pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path of the soffice binary, after checking the system Python can import uno."""
    path = lo_probe.find_soffice()
    if not path:
        _missing("LibreOffice (soffice) is not installed")
    if not Path(SYSTEM_PYTHON).exists():
        _missing(f"{SYSTEM_PYTHON} (the system Python with python3-uno) is missing")
    check = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, timeout=60)
    if check.returncode:
        _missing(f"{SYSTEM_PYTHON} cannot import uno (install python3-uno)")
    return path


class LibreOffice:
    """A headless soffice listening on a private pipe, with a private profile."""

    def __init__(self, soffice: str, profile: Path):
        self.soffice, self.profile = soffice, profile
        self.pipe = f"xlt_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            lo_probe.soffice_command(self.soffice, self.pipe, str(self.profile)),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)

    def stop(self) -> None:
        """End the process group this fixture started (soffice's wrapper and soffice.bin)."""
        if self.proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
            if self.proc.poll() is not None:
                break
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
        self.proc = None

    def probe(self, *books: Path, typed: dict[str, str] | None = None, rows: int = 5,
              timeout: int = 120) -> list[dict]:
        """Run lo_probe.py on ``books``; ``typed`` maps 'Sheet!C9' -> text typed first."""
        if self.proc is None or self.proc.poll() is not None:  # restart after a crash
            self.start()
        cmd = [SYSTEM_PYTHON, str(PROBE), "--pipe", self.pipe, "--rows", str(rows),
               "--timeout", str(timeout)]
        for target, text in (typed or {}).items():
            cmd += ["--type", f"{target}={text}"]
        cmd += [str(b) for b in books]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 30, env=env)
        assert run.returncode == 0, f"lo_probe failed ({run.returncode}):\n{run.stderr[-3000:]}"
        return json.loads(run.stdout)


@pytest.fixture(scope="session")
def libreoffice(soffice, tmp_path_factory):
    lo = LibreOffice(soffice, tmp_path_factory.mktemp("lo_profile"))
    lo.start()
    try:
        yield lo
    finally:
        lo.stop()
        shutil.rmtree(lo.profile, ignore_errors=True)

# A throwaway PostgreSQL cluster (session) and a fresh database per test: tests/db_support.py.
from db_support import pg_cluster, pg_url  # noqa: E402,F401
