"""MS-OVBA compression and encryption, checked against oletools and against files Office wrote."""

from __future__ import annotations

import random
import string
import struct
from pathlib import Path

import olefile
import pytest
from hypothesis import given, settings, strategies as st
from oletools.olevba import decompress_stream

from xltools.vba import ovba


def oletools_decompress(container: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(container)))


def random_text(n: int, seed: int, alphabet: str = string.ascii_letters + string.digits + " \r\n") -> bytes:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(n)).encode("ascii")


def chunk_headers(container: bytes) -> list[int]:
    """Walk the chunks of a container by their headers only."""
    headers, pos = [], 1
    while pos < len(container):
        header, = struct.unpack_from("<H", container, pos)
        headers.append(header)
        pos += (header & 0x0FFF) + 3 if header & 0x8000 else 4098
    assert pos == len(container), "chunk sizes must add up to the container"
    return headers


VBA_SOURCE = (b'Attribute VB_Name = "Module1"\r\nOption Explicit\r\n\r\n'
              + b"".join(b"Sub Button%d(control As Object)\r\n    RunPython \"import x; x.run(%d)\"\r\n"
                         b"End Sub\r\n\r\n" % (i, i) for i in range(300)))

CASES = {
    "empty": b"",
    "one byte": b"x",
    "three bytes": b"abc",
    "short text": b"Sub Hello()\r\n    MsgBox \"Hi\"\r\nEnd Sub\r\n",
    "repetitive": b"a" * 10_000,
    "repetitive pattern": b"ab" * 7_000 + b"c",
    "exactly one chunk": random_text(4096, 1),
    "one chunk and one byte": random_text(4097, 2),
    "random text, many chunks": random_text(30_000, 3),
    "random bytes, many chunks": random.Random(4).randbytes(20_000),
    "random bytes, long incompressible tail": random.Random(5).randbytes(4096 + 4000),
    "vba module": VBA_SOURCE,
}


def same_or_padded(out: bytes, data: bytes) -> bool:
    """The data back, or (an incompressible short last chunk stored raw, 2.4.1.3.10) the data
    followed by the zeros that pad that raw chunk to 4096 bytes."""
    if out == data:
        return True
    return (out[:len(data)] == data and not out[len(data):].strip(b"\0")
            and len(out) % 4096 == 0 and len(out) - len(data) < 4096)


def chunks(container: bytes) -> list[bytes]:
    out, pos = [], 1
    while pos < len(container):
        header, = struct.unpack_from("<H", container, pos)
        size = (header & 0x0FFF) + 3
        out.append(container[pos:pos + size])
        pos += size
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_oletools_decompresses_what_we_compress(name):
    data = CASES[name]
    container = ovba.compress(data)
    assert same_or_padded(oletools_decompress(container), data)
    assert same_or_padded(ovba.decompress(container), data)


@pytest.mark.parametrize("name", list(CASES))
def test_every_chunk_but_the_last_holds_4096_bytes(name):
    parts = chunks(ovba.compress(CASES[name]))
    sizes = [len(ovba.decompress(b"\x01" + c)) for c in parts]
    assert all(size == 4096 for size in sizes[:-1]), sizes
    raw = [c for c in parts if not c[1] & 0x80]
    assert all(len(c) == 4098 for c in raw)      # a raw chunk is always 4096 bytes of data


@pytest.mark.parametrize("name", list(CASES))
def test_chunks_are_well_formed(name):
    data = CASES[name]
    headers = chunk_headers(ovba.compress(data))
    assert all((h >> 12) & 0b111 == 0b011 for h in headers)
    assert all((h & 0x0FFF) + 3 <= 4098 for h in headers)
    assert len(headers) >= -(-len(data) // 4096)


def test_text_actually_compresses():
    assert len(ovba.compress(b"a" * 10_000)) < 100
    assert len(ovba.compress(VBA_SOURCE)) < len(VBA_SOURCE) / 4


def test_incompressible_full_chunk_is_stored_raw():
    data = random.Random(6).randbytes(4096 * 2)
    headers = chunk_headers(ovba.compress(data))
    assert headers == [0x3FFF, 0x3FFF]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=9000) | st.text(alphabet="ab \r\n", max_size=9000).map(str.encode))
def test_round_trip_any_bytes(data):
    assert same_or_padded(oletools_decompress(ovba.compress(data)), data)


def xlwings_office_file() -> Path:
    xlwings = pytest.importorskip("xlwings")
    path = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"
    if not path.exists():
        pytest.skip("xlwings ships no quickstart add-in in this version")
    return path


def office_vba_project() -> olefile.OleFileIO:
    import io
    import zipfile
    with zipfile.ZipFile(xlwings_office_file()) as z:
        return olefile.OleFileIO(io.BytesIO(z.read("xl/vbaProject.bin")))


def test_decompress_reads_what_office_wrote():
    ole = office_vba_project()
    for stream in ("VBA/dir", "VBA/xlwings"):
        raw = ole.openstream(stream).read()
        assert ovba.decompress(raw) == oletools_decompress(raw)


def test_decrypt_reads_office_protection_lines():
    project = office_vba_project().openstream("PROJECT").read().decode("latin-1")
    lines = dict(line.split("=", 1) for line in project.splitlines() if "=" in line)
    # unprotected, no password, visible: what every new project has
    assert ovba.decrypt(bytes.fromhex(lines["CMG"].strip('"'))) == b"\x00\x00\x00\x00"
    assert ovba.decrypt(bytes.fromhex(lines["DPB"].strip('"'))) == b"\x00"
    assert ovba.decrypt(bytes.fromhex(lines["GC"].strip('"'))) == b"\xff"
    # the project key is the checksum of the ID line, as the spec says
    blob = bytes.fromhex(lines["CMG"].strip('"'))
    assert blob[0] ^ blob[2] == ovba.project_key(lines["ID"].strip('"'))


@pytest.mark.parametrize("seed", range(256))
def test_encrypt_round_trips_for_every_seed(seed):
    project_id = "{9E394C0B-697E-4AEE-9FA6-446F51FB30DC}"
    for data in (b"\x00", b"\xff", b"\x00\x00\x00\x00"):
        blob = ovba.encrypt(data, project_id, seed=seed)
        assert ovba.decrypt(blob) == data
        assert len(blob) == 3 + (seed & 6) // 2 + 4 + len(data)
        assert blob[0] ^ blob[2] == ovba.project_key(project_id)


def test_decompress_rejects_garbage():
    with pytest.raises(ValueError):
        ovba.decompress(b"\x02abc")
    with pytest.raises(ValueError):
        ovba.decompress(b"\x01\xff\x0f")
