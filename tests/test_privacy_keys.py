"""A key that is a key, and vault values bound to the record as the book holds it now.

* a weak XLTOOLS_SECRET is refused (exit 2) with how to make a good one;
* fingerprints are keyed with a key derived from the secret and the book's own salt: the same
  phone fingerprints differently under two strong keys and under two salts, and a guess of the
  secret cannot be checked against a known phone/fingerprint pair without the slow KDF;
* import, undo, import of another file, reveal: the undone customer's phone and e-mail are not
  shown under the new customer who got the same ID (nor after an import that was never saved).
"""

import hashlib
import hmac
import json

import pytest
from click.testing import CliRunner

from xltools.backend.file import FileBackend
from xltools.cli import main
from xltools.core.privacy import fingerprint
from xltools.keys import SALT_SETTING, book_key, fingerprint_key, new_salt
from xltools.secret import ENV_VAR, MIN_BITS, new_secret, strength_bits

STRONG = "team-key-Xr7Lq2Nv9Bw4Ks8Jd3Hf6Gm1Pt5Zc0Ya-e7Rw2Qs9"
OTHER = "other-key-Mb4Vn8Cx1Za5Sd9Fg3Hj7Kl2Qw6Er0Ty-u4Io8Pp1"


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


@pytest.fixture
def book(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, STRONG)
    path = tmp_path / "team.xlsx"
    assert run("new", path).exit_code == 0
    return path


@pytest.mark.parametrize("weak", ["a", "password123", "xltools-demo-secret", "0123456789" * 3,
                                  "Zhang San 1990-01-01 13800138000"])
def test_a_weak_secret_is_refused_with_how_to_make_one(book, monkeypatch, weak):
    monkeypatch.setenv(ENV_VAR, weak)
    for args in (("mask", book), ("reveal", book, "C1"), ("validate", book, "--no-mark")):
        res = run(*args)
        assert res.exit_code == 2, (args, res.output)
        assert "python -m xltools.secret" in res.output and str(MIN_BITS) in res.output
        assert len(weak) < 5 or weak not in res.output      # the secret is never echoed


def test_generated_secrets_pass_and_short_ones_do_not():
    assert strength_bits(new_secret()) >= MIN_BITS
    assert strength_bits("a" * 64) < MIN_BITS            # long is not the same as strong


def test_new_books_get_their_own_salt(tmp_path, book):
    other = tmp_path / "other.xlsx"
    assert run("new", other).exit_code == 0
    salts = [FileBackend(p).load().settings.get(SALT_SETTING) for p in (book, other)]
    assert all(salts) and salts[0] != salts[1]


def test_fingerprints_depend_on_the_key_and_on_the_salt():
    phone, salt = "13900770001", new_salt()
    a = fingerprint("phone", phone, fingerprint_key(STRONG.encode(), salt))
    b = fingerprint("phone", phone, fingerprint_key(OTHER.encode(), salt))
    c = fingerprint("phone", phone, fingerprint_key(STRONG.encode(), new_salt()))
    assert len({a, b, c}) == 3
    # The secret itself is not the HMAC key: knowing the phone and guessing the secret right is
    # not enough without running the KDF with the book's salt.
    plain = hmac.new(STRONG.encode(), b"phone:13900770001", hashlib.sha256).hexdigest()[:32]
    assert a != plain


def test_mask_writes_fingerprints_under_the_books_derived_key(book):
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb["客户基础信息"]
    headers = [c.value for c in ws[1]]
    ws.cell(2, headers.index("客户ID") + 1, "C20240101001")
    ws.cell(2, headers.index("客户名称") + 1, "甲公司")
    ws.cell(2, headers.index("联系电话") + 1, "13900770001")
    wb.save(book)
    assert run("mask", book).exit_code == 0
    db = FileBackend(book).load()
    salt = db.settings[SALT_SETTING]
    assert db.df("Customers").at[2, "PhoneFP"] == fingerprint(
        "phone", "13900770001", fingerprint_key(STRONG.encode(), salt))
    assert db.df("Customers").at[2, "PhoneFP"] != fingerprint("phone", "13900770001",
                                                               STRONG.encode())


def _csv(path, name, phone="", email=""):
    path.write_text(f"客户名称,联系电话,邮箱\n{name},{phone},{email}\n", encoding="utf-8")
    return path


def _reveal(book, cid):
    res = run("reveal", book, cid, "--json")
    return res.exit_code, json.loads(res.stdout)


def test_an_undone_import_leaves_nothing_to_reveal_under_the_next_customer(tmp_path, book):
    first = _csv(tmp_path / "a.csv", "甲公司", "13900770001", "jia@example.com")
    res = run("import", book, first, "--json")
    assert res.exit_code == 0, res.output
    cid = FileBackend(book).load().df("Customers")["CustomerID"].dropna().iloc[-1]
    code, shown = _reveal(book, cid)
    assert shown["values"]["Customers"]["ContactPhone"] == "13900770001"   # the test can fail

    assert run("undo", book).exit_code == 0
    second = _csv(tmp_path / "b.csv", "乙公司")                # no phone, no e-mail
    assert run("import", book, second).exit_code == 0
    assert FileBackend(book).load().df("Customers")["CustomerID"].dropna().iloc[-1] == cid
    res = run("reveal", book, cid, "--json")
    assert "13900770001" not in res.output and "jia@example.com" not in res.output
    assert json.loads(res.stdout)["values"] == {}

    # ... and the same when the next customer with that ID has a phone of its own
    assert run("undo", book).exit_code == 0
    third = _csv(tmp_path / "c.csv", "丙公司", "13700001111", "bing@example.com")
    assert run("import", book, third).exit_code == 0
    code, shown = _reveal(book, cid)
    assert shown["values"]["Customers"] == {"ContactPhone": "13700001111",
                                            "Email": "bing@example.com"}


def test_an_import_that_was_never_saved_leaves_nothing_to_reveal(tmp_path, book):
    from xltools.context import RunContext
    from xltools.operations.import_ import import_

    backend = FileBackend(book)
    db = backend.load()
    import_(db, RunContext(), sources=[str(_csv(tmp_path / "a.csv", "甲公司", "13900770001", "jia@x.com"))])
    # the vault got the raw values, but the book was never saved (refused, killed ...)
    assert run("import", book, _csv(tmp_path / "b.csv", "乙公司")).exit_code == 0
    cid = FileBackend(book).load().df("Customers")["CustomerID"].dropna().iloc[-1]
    res = run("reveal", book, cid, "--json")
    assert "13900770001" not in res.output and "jia@x.com" not in res.output


def test_book_key_is_the_derived_key_once_the_book_has_a_salt(book):
    db = FileBackend(book).load()
    assert book_key(db, STRONG.encode()) == fingerprint_key(STRONG.encode(),
                                                            db.settings[SALT_SETTING])
    assert book_key(db, None) is None


def test_rekey_moves_the_book_and_the_vault_to_a_new_key(tmp_path, book, monkeypatch):
    first = _csv(tmp_path / "a.csv", "甲公司", "13900770001", "jia@example.com")
    assert run("import", book, first).exit_code == 0
    cid = FileBackend(book).load().df("Customers")["CustomerID"].dropna().iloc[-1]
    before = FileBackend(book).load()
    new_key = tmp_path / "new.key"
    new_key.write_text(OTHER + "\n", encoding="utf-8")

    res = run("rekey", book, "--new-secret-file", new_key, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["fingerprints"] >= 2
    after = FileBackend(book).load()
    assert after.settings[SALT_SETTING] != before.settings[SALT_SETTING]
    row = after.df("Customers").index[after.df("Customers")["CustomerID"] == cid][0]
    assert after.df("Customers").at[row, "PhoneFP"] == fingerprint(
        "phone", "13900770001", fingerprint_key(OTHER.encode(), after.settings[SALT_SETTING]))
    assert "13900770001" not in res.output

    assert run("reveal", book, cid).exit_code == 2                  # the old key is retired
    monkeypatch.setenv(ENV_VAR, OTHER)
    code, shown = _reveal(book, cid)
    assert shown["values"]["Customers"]["ContactPhone"] == "13900770001"
    assert not list(book.parent.glob("*.rekey"))


def test_rekey_with_a_weak_new_key_changes_nothing(tmp_path, book):
    new_key = tmp_path / "new.key"
    new_key.write_text("password1", encoding="utf-8")
    before = book.read_bytes()
    res = run("rekey", book, "--new-secret-file", new_key)
    assert res.exit_code == 2 and "python -m xltools.secret" in res.output
    assert book.read_bytes() == before


def test_a_strong_secret_found_once_does_not_let_a_weak_one_through(monkeypatch):
    """The strength of a secret is worked out once per process; another secret is judged on
    its own, a weak one refused every time."""
    from xltools.secret import WeakSecretError, load_secret
    strong = new_secret()
    monkeypatch.setenv(ENV_VAR, strong)
    assert load_secret() == load_secret() == strong.encode()
    for weak in (strong[:4], "password123", strong[:4]):
        monkeypatch.setenv(ENV_VAR, weak)
        with pytest.raises(WeakSecretError):
            load_secret()
