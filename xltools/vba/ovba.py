"""[MS-OVBA] compression and data encryption, the two byte-level codecs of a VBA project.

Compression (section 2.4.1) is an LZ77 variant used for the ``dir`` stream and every module's
source. A *CompressedContainer* is a signature byte ``0x01`` followed by chunks; each chunk holds
up to 4096 bytes of input and starts with a 2-byte header (size - 3 in bits 0-11, ``0b011`` in
bits 12-14, "compressed" in bit 15). Inside a compressed chunk, a flag byte precedes every 8 tokens:
a clear bit is a literal byte, a set bit a 2-byte *copy token* that repeats earlier output of the
same chunk. How a copy token splits its 16 bits between offset and length depends on how far into
the chunk it sits::

    >>> decompress(compress(b"abcabcabcabc"))
    b'abcabcabcabc'
    >>> compress(b"")
    b'\\x01'

Data encryption (section 2.4.3) is the reversible obfuscation of the ``CMG``, ``DPB`` and ``GC``
lines of the ``PROJECT`` stream (protection state, password, visibility)::

    >>> decrypt(encrypt(b"\\x00\\x00\\x00\\x00", "{00000000-0000-0000-0000-000000000000}"))
    b'\\x00\\x00\\x00\\x00'
"""

from __future__ import annotations

import os
import struct

CHUNK_SIZE = 4096
_SIGNATURE = 0x01
_MIN_MATCH = 3


def compress(data: bytes) -> bytes:
    """Compress ``data`` into an MS-OVBA CompressedContainer.

    Every chunk but the last holds exactly 4096 bytes of input (readers such as Office assume
    it). A chunk whose tokens would not fit in 4096 bytes is stored raw (flag bit 0) as section
    2.4.1.3.10 says: 4096 bytes, a short last chunk padded with zeros -- so only incompressible
    data over ~3,640 bytes at the very end decompresses with trailing zeros; source code and the
    ``dir`` stream always compress.
    """
    data = bytes(data)
    out = bytearray([_SIGNATURE])
    for start in range(0, len(data), CHUNK_SIZE):
        out += _chunk(data, start, min(start + CHUNK_SIZE, len(data)))
    return bytes(out)


def _chunk(data: bytes, start: int, end: int) -> bytes:
    body = _compress_body(data, start, end)
    if len(body) <= CHUNK_SIZE:
        return struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
    # raw chunk: header flag 0, size field 4095, always 4096 bytes (2.4.1.3.10)
    return struct.pack("<H", 0x3000 | (CHUNK_SIZE + 2 - 3)) + data[start:end].ljust(CHUNK_SIZE, b"\0")


def _copy_token_split(difference: int) -> tuple[int, int]:
    """(bit_count, max_length) for a copy token ``difference`` bytes into its chunk (2.4.1.3.19.1)."""
    bit_count = max((difference - 1).bit_length(), 4)
    return bit_count, (0xFFFF >> bit_count) + 3


def _compress_body(data: bytes, start: int, end: int) -> bytes:
    """The token sequences of one chunk (without its header)."""
    out = bytearray()
    pos = start
    while pos < end:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            offset, length = _longest_match(data, start, pos, end)
            if length >= _MIN_MATCH:
                bit_count, _ = _copy_token_split(pos - start)
                out += struct.pack("<H", ((offset - 1) << (16 - bit_count)) | (length - 3))
                flags |= 1 << bit
                pos += length
            else:
                out.append(data[pos])
                pos += 1
        out[flag_at] = flags
    return bytes(out)


def _longest_match(data: bytes, chunk_start: int, pos: int, end: int) -> tuple[int, int]:
    """(offset, length) of the longest earlier copy of the bytes at ``pos`` within the chunk.

    A copy may overlap the bytes it produces (offset < length), as in "aaaa...": the decompressor
    copies byte by byte. ``bytes.rfind`` does the scanning in C; whether a match of length L exists
    is monotone in L, so a binary search over L needs only a few scans.
    """
    if pos == chunk_start:
        return 0, 0
    _, max_length = _copy_token_split(pos - chunk_start)
    max_length = min(max_length, end - pos)
    if max_length < _MIN_MATCH:
        return 0, 0

    def find(length: int) -> int:
        # a source starting before pos; it may run on into the bytes being matched
        return data.rfind(data[pos:pos + length], chunk_start, pos + length - 1)

    found = find(_MIN_MATCH)
    if found < 0:
        return 0, 0
    good, good_at = _MIN_MATCH, found
    # grow fast, then bisect between the last length that matched and the first that did not
    bad = max_length + 1
    step = _MIN_MATCH
    while good < max_length:
        trial = min(good + step, max_length)
        at = find(trial)
        if at < 0:
            bad = trial
            break
        good, good_at = trial, at
        step *= 2
    while bad - good > 1:
        trial = (good + bad) // 2
        at = find(trial)
        if at < 0:
            bad = trial
        else:
            good, good_at = trial, at
    return pos - good_at, good


def decompress(container: bytes) -> bytes:
    """Decompress an MS-OVBA CompressedContainer (2.4.1.3.1). Raises ValueError when malformed."""
    container = bytes(container)
    if not container or container[0] != _SIGNATURE:
        raise ValueError("not an MS-OVBA compressed container (signature byte is not 0x01)")
    out = bytearray()
    pos = 1
    while pos < len(container):
        if pos + 2 > len(container):
            raise ValueError(f"truncated chunk header at byte {pos}")
        header, = struct.unpack_from("<H", container, pos)
        if (header >> 12) & 0b111 != 0b011:
            raise ValueError(f"bad chunk signature at byte {pos}")
        chunk_end = min(pos + (header & 0x0FFF) + 3, len(container))
        pos += 2
        if not header & 0x8000:
            out += container[pos:pos + CHUNK_SIZE]
            pos += CHUNK_SIZE
            continue
        chunk_start = len(out)
        while pos < chunk_end:
            flags = container[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not flags >> bit & 1:
                    out.append(container[pos])
                    pos += 1
                    continue
                token, = struct.unpack_from("<H", container, pos)
                pos += 2
                bit_count, _ = _copy_token_split(len(out) - chunk_start)
                offset = (token >> (16 - bit_count)) + 1
                length = (token & (0xFFFF >> bit_count)) + 3
                source = len(out) - offset
                if source < chunk_start:
                    raise ValueError("copy token reaches before its chunk")
                for i in range(length):  # byte by byte: a copy may overlap its own output
                    out.append(out[source + i])
    return bytes(out)


# ---------------------------------------------------------------- data encryption (2.4.3)


def project_key(project_id: str) -> int:
    """The checksum of the project's ``{GUID}`` string that keys the encryption."""
    return sum(project_id.encode("ascii")) & 0xFF


def encrypt(data: bytes, project_id: str, seed: int | None = None) -> bytes:
    """Obfuscate ``data`` per MS-OVBA 2.4.3.2; ``seed`` (0-255) is random unless given."""
    seed = os.urandom(1)[0] if seed is None else seed & 0xFF
    key = project_key(project_id)
    version_enc = seed ^ 2
    key_enc = seed ^ key
    out = bytearray([seed, version_enc, key_enc])
    unencrypted1, encrypted1, encrypted2 = key, key_enc, version_enc

    def put(byte: int) -> None:
        nonlocal unencrypted1, encrypted1, encrypted2
        enc = byte ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(enc)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte

    for _ in range((seed & 6) // 2):  # ignored filler bytes
        put(0)
    for byte in struct.pack("<I", len(data)) + bytes(data):
        put(byte)
    return bytes(out)


def decrypt(blob: bytes) -> bytes:
    """Undo :func:`encrypt` (MS-OVBA 2.4.3.3). Raises ValueError when the version is not 2."""
    seed, version_enc, key_enc = blob[0], blob[1], blob[2]
    if seed ^ version_enc != 2:
        raise ValueError("unknown MS-OVBA encryption version")
    unencrypted1, encrypted1, encrypted2 = seed ^ key_enc, key_enc, version_enc
    plain = bytearray()
    for enc in blob[3:]:
        byte = enc ^ ((encrypted2 + unencrypted1) & 0xFF)
        plain.append(byte)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte
    ignored = (seed & 6) // 2
    length, = struct.unpack_from("<I", plain, ignored)
    data = bytes(plain[ignored + 4:])
    if len(data) != length:
        raise ValueError(f"encrypted data holds {len(data)} bytes, its header says {length}")
    return data
