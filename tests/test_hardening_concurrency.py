"""Two commands holding the same vault open must not lose each other's raw values."""

from xltools.vault import Vault


def test_two_writers_of_one_vault_keep_both_sets_of_raw_values(tmp_path):
    path = tmp_path / "team.xlsx.vault"
    key = b"concurrency-secret"
    first, second = Vault.open(path, key), Vault.open(path, key)   # e.g. mask and import at once
    first.add("Customers", "C20240101001", "ContactPhone", "13812345678")
    second.add("Customers", "C20240101002", "Email", "li.na@qq.com")
    first.save()
    second.save()                       # used to overwrite what the first one saved
    merged = Vault.open(path, key)
    assert merged.get("Customers", "C20240101001") == {"ContactPhone": ["13812345678"]}
    assert merged.get("Customers", "C20240101002") == {"Email": ["li.na@qq.com"]}
