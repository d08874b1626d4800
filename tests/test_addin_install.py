"""``xltools addin install``: where the add-in goes on each platform, and what the user is told."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from xltools.addin.install import install_addin, xlstart_dir
from xltools.cli import main
from xltools.errors import XlToolsError


@pytest.fixture
def xlam(tmp_path) -> Path:
    path = tmp_path / "xltools.xlam"
    path.write_bytes(b"PK fake add-in")
    return path


def test_windows_xlstart_is_under_appdata(tmp_path):
    folder = xlstart_dir("win32", {"APPDATA": r"C:\Users\li\AppData\Roaming"}, tmp_path)
    assert folder == Path(r"C:\Users\li\AppData\Roaming") / "Microsoft" / "Excel" / "XLSTART"


def test_mac_xlstart_prefers_the_folder_that_exists(tmp_path):
    plain = tmp_path / "Library/Group Containers/UBF8T346G9.Office/User Content/Startup/Excel"
    plain.mkdir(parents=True)
    assert xlstart_dir("darwin", {}, tmp_path) == plain
    localized = (tmp_path / "Library/Group Containers/UBF8T346G9.Office"
                 / "User Content.localized/Startup.localized/Excel")
    localized.mkdir(parents=True)
    assert xlstart_dir("darwin", {}, tmp_path) == localized


def test_linux_has_no_xlstart_and_installs_nothing(xlam):
    assert xlstart_dir("linux", {}, Path("/home/x")) is None
    done = install_addin(xlam, platform="linux")
    assert done.target is None
    assert str(xlam.resolve()) in done.notes_en[0] and str(xlam.resolve()) in done.notes_zh[0]
    assert any("XLSTART" in note for note in done.notes_en)


def test_install_copies_and_explains_macro_security(xlam, tmp_path):
    target_dir = tmp_path / "XLSTART"
    done = install_addin(xlam, target_dir, platform="win32")
    assert done.target == target_dir / "xltools.xlam"
    assert done.target.read_bytes() == xlam.read_bytes()
    assert any("Trusted Locations" in n for n in done.notes_en)
    assert any("受信任位置" in n for n in done.notes_zh)
    mac = install_addin(xlam, tmp_path / "mac", platform="darwin")
    assert any("runpython install" in n for n in mac.notes_en)


def test_missing_addin_is_a_clear_error(tmp_path):
    with pytest.raises(XlToolsError, match="addin build"):
        install_addin(tmp_path / "nope.xlam", tmp_path)


def test_cli_install_json(xlam, tmp_path):
    result = CliRunner().invoke(main, ["addin", "install", str(xlam), "--dir", str(tmp_path / "d"),
                                       "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["installed"] and Path(payload["target"]).read_bytes() == xlam.read_bytes()
    missing = CliRunner().invoke(main, ["addin", "install", str(tmp_path / "none.xlam")])
    assert missing.exit_code == 2
